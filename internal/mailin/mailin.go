// Package mailin is the one intake pipeline for inbound e-mail: it turns a
// raw RFC 5322 message (from the SMTP/LMTP receiver, an IMAP fetch) into a
// gallra.InboundMail — plain-text and sanitised HTML bodies, attachments
// with safe names, the threading headers, the loop header, and the
// auto-reply and bounce classification the API's JSON ingest shares. It
// does no I/O beyond reading the message and depends on no store.
package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"github.com/gallra/gallra"
)

// LoopHeader is the header our outbound mail carries with the
// installation's loop token; inbound mail with it is our own and is dropped.
const LoopHeader = "X-Gallra-Loop"

// MaxMessageBytes is the default largest raw message accepted: the
// attachment limit, plus base64 overhead and the text around it.
const MaxMessageBytes = gallra.MaxAttachmentBytes*4/3 + 4<<20

// Message is a parsed inbound message.
type Message struct {
	Mail gallra.InboundMail
	// Loop is the value of the loop header, empty when absent.
	Loop string
}

// Parse reads a raw message (at most max bytes; 0 means MaxMessageBytes)
// and returns it parsed. The sender is the From header's address, else the
// Return-Path header's (the SMTP envelope sender, which the receiver adds
// on final delivery as MTAs do), else envelopeFrom. Parse never fails on
// malformed MIME it can make sense of; it answers EINVALID for an empty
// message or one without any sender, and ETOOLARGE for a message over max or
// an attachment over gallra.MaxAttachmentBytes. The result passes
// gallra.InboundMail.Validate.
func Parse(r io.Reader, max int64, envelopeFrom string) (*Message, error) {
	if max <= 0 {
		max = MaxMessageBytes
	}
	raw, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	if int64(len(raw)) > max {
		return nil, gallra.Errorf(gallra.ETOOLARGE, "message is larger than %d bytes", max)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, gallra.Errorf(gallra.EINVALID, "message is empty")
	}
	// Charset sniffing is off: it misreads short UTF-8 text as a legacy
	// charset. The declared charset (ISO-8859-1, Windows-1252, …) is used.
	p := enmime.NewParser(enmime.DisableCharacterDetection(true), enmime.DisableTextConversion(true), enmime.SkipMalformedParts(true))
	env, err := p.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, gallra.Errorf(gallra.EINVALID, "message cannot be parsed as MIME")
	}
	m := &Message{Loop: strings.TrimSpace(env.GetHeader(LoopHeader))}
	in := &m.Mail
	if err := from(env, envelopeFrom, in); err != nil {
		return nil, err
	}
	in.To = recipients(env)
	in.Subject = CleanSubject(env.GetHeader("Subject"))
	in.MessageID = firstID(env.GetHeader("Message-Id"))
	if in.MessageID == "" {
		// No Message-ID: one derived from the content, so that a delivery
		// retried after a temporary error is still stored once.
		sum := sha256.Sum256(raw)
		in.MessageID = hex.EncodeToString(sum[:16]) + "@no-message-id.gallra.invalid"
	}
	in.InReplyTo = firstID(env.GetHeader("In-Reply-To"))
	in.References = ids(env.GetHeader("References"))
	if len(in.References) > 50 { // the newest matter for threading
		in.References = in.References[len(in.References)-50:]
	}
	in.HTML = SanitizeHTML(env.HTML)
	in.Body = cleanText(env.Text)
	if strings.TrimSpace(in.Body) == "" && in.HTML != "" {
		in.Body = HTMLToText(env.HTML)
	}
	in.Body = truncate(in.Body, gallra.MaxBodyLen*10)
	if utf8.RuneCountInString(in.HTML) > gallra.MaxBodyLen*20 {
		in.HTML = "" // cut markup is broken markup; the text body stays
	}
	if err := attachments(env, in); err != nil {
		return nil, err
	}
	if id, ok := bouncedID(env); ok {
		in.Kind, in.BouncedMessageID = gallra.MailKindBounce, id
	}
	Classify(in, env.GetHeader) // a bounce stays a bounce
	in.ReplyKey = SubjectKey(in.Subject)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// from sets the sender from the From header, else the envelope sender.
func from(env *enmime.Envelope, envelopeFrom string, in *gallra.InboundMail) error {
	if list, err := env.AddressList("From"); err == nil {
		for _, a := range list {
			addr := strings.TrimSpace(a.Address)
			if gallra.ValidateEmail("from", addr) == nil {
				in.From, in.FromName = addr, truncate(cleanLine(a.Name), gallra.MaxNameLen)
				return nil
			}
		}
	}
	for _, s := range []string{firstID(env.GetHeader("Return-Path")), envelopeFrom} {
		if a, err := mail.ParseAddress(s); err == nil && gallra.ValidateEmail("from", a.Address) == nil {
			in.From = a.Address
			return nil
		}
	}
	return gallra.Errorf(gallra.EINVALID, "message has no valid sender address")
}

// recipients returns the valid To and Cc addresses, at most
// gallra.MaxRecipients (the rest are not kept: they are not needed to
// answer, and a list of thousands is not stored).
func recipients(env *enmime.Envelope) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range []string{"To", "Cc"} {
		list, _ := env.AddressList(h)
		for _, a := range list {
			addr := strings.TrimSpace(a.Address)
			if len(out) >= gallra.MaxRecipients || seen[gallra.NormalizeEmail(addr)] || gallra.ValidateEmail("to", addr) != nil {
				continue
			}
			seen[gallra.NormalizeEmail(addr)] = true
			out = append(out, addr)
		}
	}
	return out
}

// attachments adds the message's attachments and named inline parts.
func attachments(env *enmime.Envelope, in *gallra.InboundMail) error {
	parts := append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...)
	for _, p := range parts {
		if p.FileName == "" && p.Disposition != "attachment" {
			continue // an unnamed inline part is body, not a file
		}
		if len(p.Content) > gallra.MaxAttachmentBytes {
			return gallra.Errorf(gallra.ETOOLARGE, "an attachment is larger than %d bytes", gallra.MaxAttachmentBytes)
		}
		if len(in.Attachments) >= gallra.MaxAttachments {
			return gallra.Errorf(gallra.ETOOLARGE, "more than %d attachments", gallra.MaxAttachments)
		}
		ct := strings.ToLower(strings.TrimSpace(p.ContentType))
		if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
			ct = "application/octet-stream"
		}
		in.Attachments = append(in.Attachments, gallra.Attachment{Filename: SafeFilename(p.FileName), ContentType: ct, Content: p.Content})
	}
	return nil
}

// SafeFilename returns an attachment name that is a plain file name: no
// directories ("../x" becomes "x"), no control characters, no leading dots,
// at most 255 bytes; "attachment" when nothing is left.
func SafeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 {
			return -1
		}
		return r
	}, name)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	name = strings.TrimSpace(name)
	if name == "" || name == "/" {
		return "attachment"
	}
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// CleanSubject neutralises a subject for storage and for reuse in a reply's
// header: line breaks and other control characters (header injection)
// become spaces, runs of spaces one, at most gallra.MaxSubjectLen
// characters.
func CleanSubject(s string) string {
	return truncate(cleanLine(s), gallra.MaxSubjectLen)
}

// cleanLine makes s one line of valid UTF-8 without control characters.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanText makes a body valid UTF-8 without NULs, with \n line ends.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(s)
}

// truncate cuts s to at most max characters.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max])
}

// firstID returns the first message id in a header value, without angle
// brackets.
func firstID(v string) string {
	if l := ids(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

// ids splits a Message-ID list header (References, In-Reply-To) into ids
// without angle brackets; unbracketed words count as ids too.
func ids(v string) []string {
	var out []string
	for len(v) > 0 {
		v = strings.TrimLeft(v, " \t\r\n,")
		if v == "" {
			break
		}
		var id string
		if v[0] == '<' {
			end := strings.IndexByte(v, '>')
			if end < 0 {
				id, v = v[1:], ""
			} else {
				id, v = v[1:end], v[end+1:]
			}
		} else {
			end := strings.IndexAny(v, " \t\r\n,<")
			if end < 0 {
				end = len(v)
			}
			id, v = v[:end], v[end:]
		}
		id = cleanLine(id)
		if id != "" && !strings.ContainsRune(id, ' ') && utf8.RuneCountInString(id) <= 998 {
			out = append(out, id)
		}
	}
	return out
}
