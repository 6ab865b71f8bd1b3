package service

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"

	"github.com/gallra/gallra"
)

// messageIDEncoding spells the random part of our Message-IDs.
var messageIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newMessageID returns a fresh Message-ID (without angle brackets) at the
// domain of the inbox address: "gallra.<128 random bits>@<domain>". Replies
// to our mail quote it in In-Reply-To/References, which threads them.
func newMessageID(inbox string) (string, error) {
	domain := gallra.AddressDomain(inbox)
	if domain == "" {
		return "", gallra.Errorf(gallra.EUNPROCESS, "the inbox address has no domain to make a Message-ID at")
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make message id: %w", err)
	}
	return "gallra." + messageIDEncoding.EncodeToString(b) + "@" + domain, nil
}
