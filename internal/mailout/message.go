package mailout

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
	mail "github.com/wneessen/go-mail"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// DKIM is a loaded signing key. The signing domain is the From address's
// domain of each message, so one key (published under the selector at each
// inbox domain) serves every inbox.
type DKIM struct {
	Selector string
	Signer   crypto.Signer
}

// LoadDKIM reads a PEM private key (PKCS#1 or PKCS#8 RSA, or PKCS#8
// Ed25519) for the selector. Errors name the file, never its content.
func LoadDKIM(keyFile, selector string) (*DKIM, error) {
	if selector == "" || strings.ContainsAny(selector, " ;=\t\r\n") {
		return nil, errors.New("GALLRA_DKIM_SELECTOR must be set to the selector the public key is published under, e.g. gallra")
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read DKIM key file: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("DKIM key file %s holds no PEM block", keyFile)
	}
	var key any
	if blk.Type == "RSA PRIVATE KEY" {
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("DKIM key file %s: not an RSA or Ed25519 private key", keyFile)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("DKIM key file %s: the RSA key has fewer than 1024 bits", keyFile)
		}
		return &DKIM{Selector: selector, Signer: k}, nil
	case ed25519.PrivateKey:
		return &DKIM{Selector: selector, Signer: k}, nil
	}
	return nil, fmt.Errorf("DKIM key file %s: not an RSA or Ed25519 private key", keyFile)
}

// signedHeaders are the header fields the DKIM signature covers (RFC 6376
// 5.4.1), each once: a second one added in transit then breaks it.
var signedHeaders = []string{"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", gallra.LoopHeader}

// headerSafe makes a header value one line: CR, LF and other controls
// become spaces, so text from an inbound subject cannot add a header.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// Build renders the mail of an outbox item: From the inbox (with the
// channel's name), To and Cc as chosen, Reply-To the conversation's
// plus-address, our Message-ID, In-Reply-To and References of the thread,
// Auto-Submitted: no (a person wrote it), the loop header, a UTF-8
// text/plain body; signed with k when not nil. The same item builds the
// same bytes (Date is when the reply was written), so a retry sends what
// the first attempt did, bar the signature's timestamp.
func Build(it *store.OutboxItem, k *DKIM) ([]byte, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.FromFormat(headerSafe(it.ChannelName), it.From); err != nil {
		return nil, fmt.Errorf("outbox %d: from: %w", it.ID, errNoAddr)
	}
	if err := m.To(it.To...); err != nil {
		return nil, fmt.Errorf("outbox %d: to: %w", it.ID, errNoAddr)
	}
	if len(it.Cc) > 0 {
		if err := m.Cc(it.Cc...); err != nil {
			return nil, fmt.Errorf("outbox %d: cc: %w", it.ID, errNoAddr)
		}
	}
	if err := m.ReplyTo(gallra.ReplyToAddress(it.From, it.ReplyKey)); err != nil {
		return nil, fmt.Errorf("outbox %d: reply-to: %w", it.ID, errNoAddr)
	}
	m.Subject(headerSafe(it.Subject))
	m.SetDateWithValue(it.Date)
	m.SetMessageIDWithValue(headerSafe(it.MessageID))
	if it.InReplyTo != "" {
		m.SetGenHeader(mail.HeaderInReplyTo, "<"+headerSafe(it.InReplyTo)+">")
	}
	if len(it.References) > 0 {
		refs := make([]string, len(it.References))
		for i, r := range it.References {
			refs[i] = "<" + headerSafe(r) + ">"
		}
		m.SetGenHeaderPreformatted(mail.HeaderReferences, strings.Join(refs, "\r\n "))
	}
	m.SetGenHeader("Auto-Submitted", "no")
	m.SetGenHeader(mail.Header(gallra.LoopHeader), it.From)
	m.SetBodyString(mail.TypeTextPlain, it.Body)
	b, err := renderSigned(m, it.From, k, signedHeaders)
	if err != nil {
		return nil, fmt.Errorf("outbox %d: %w", it.ID, err)
	}
	return b, nil
}

// renderSigned writes m and, with a key, signs it with DKIM over
// headerKeys for the domain of from.
func renderSigned(m *mail.Msg, from string, k *DKIM, headerKeys []string) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if k == nil {
		return buf.Bytes(), nil
	}
	var signed bytes.Buffer
	err := dkim.Sign(&signed, bytes.NewReader(buf.Bytes()), &dkim.SignOptions{
		Domain: gallra.AddressDomain(from), Selector: k.Selector, Signer: k.Signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: headerKeys,
	})
	if err != nil {
		return nil, fmt.Errorf("DKIM sign: %w", err)
	}
	return signed.Bytes(), nil
}

// errNoAddr stands for go-mail's address errors, which quote the address.
var errNoAddr = errors.New("not a valid address")
