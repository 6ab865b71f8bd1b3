package mailout

import (
	"fmt"

	mail "github.com/wneessen/go-mail"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// noticeSignedHeaders are the header fields the DKIM signature of an
// answer notification covers: RFC 8058 section 4 wants List-Unsubscribe
// and List-Unsubscribe-Post signed, so a one-click POST is only made for
// mail the domain vouches for.
var noticeSignedHeaders = []string{"From", "Subject", "Date", "To", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"Auto-Submitted", "List-Unsubscribe", "List-Unsubscribe-Post", gallra.LoopHeader}

// BuildNotice renders an answer notification (docs/public-site.md): From
// the organisation's mail inbox (with its name), To the asker, the
// rendered subject and UTF-8 text/plain body, Auto-Submitted:
// auto-generated (RFC 3834: a machine wrote it, autoresponders stay
// quiet), List-Unsubscribe with the signed https link and
// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 2369, RFC 8058),
// the loop header; signed with k when not nil. Date is when it was queued,
// so a retry sends the same bytes bar the signature's timestamp.
func BuildNotice(it *store.NotifyItem, k *DKIM) ([]byte, error) {
	if it.UnsubscribeURL == "" {
		return nil, fmt.Errorf("notification %d: no unsubscribe link", it.ID)
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.FromFormat(headerSafe(it.FromName), it.From); err != nil {
		return nil, fmt.Errorf("notification %d: from: %w", it.ID, errNoAddr)
	}
	if err := m.To(it.To); err != nil {
		return nil, fmt.Errorf("notification %d: to: %w", it.ID, errNoAddr)
	}
	m.Subject(headerSafe(it.Subject))
	m.SetDateWithValue(it.QueuedAt)
	m.SetMessageIDWithValue(headerSafe(it.MessageID))
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeaderPreformatted("List-Unsubscribe", "<"+headerSafe(it.UnsubscribeURL)+">")
	m.SetGenHeaderPreformatted("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	m.SetGenHeader(mail.Header(gallra.LoopHeader), it.From)
	m.SetBodyString(mail.TypeTextPlain, it.Body)
	b, err := renderSigned(m, it.From, k, noticeSignedHeaders)
	if err != nil {
		return nil, fmt.Errorf("notification %d: %w", it.ID, err)
	}
	return b, nil
}
