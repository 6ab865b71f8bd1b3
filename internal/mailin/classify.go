package mailin

import (
	"bufio"
	"bytes"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/gallra/gallra"
)

// autoSubjects are subject beginnings of automatic replies (Swedish and
// English, as Outlook, Gmail and the common mail servers write them),
// lower case.
var autoSubjects = []string{
	"autosvar", "automatiskt svar", "frånvaro", "out of office", "automatic reply",
	"auto:", "autoreply", "auto-reply", "auto reply", "abwesenheitsnotiz",
}

// autoSenders are local parts of senders that are machines.
var autoSenders = []string{"mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply", "no_reply"}

// Classify sets in.Kind to gallra.MailKindAutoReply when the message is an
// automatic reply: Auto-Submitted other than "no", Precedence bulk, junk,
// list or auto_reply, X-Auto-Response-Suppress naming All, OOF or
// AutoReply, X-Autoreply or X-Autorespond, a machine sender (mailer-daemon,
// no-reply, …), or an out-of-office subject ("Autosvar", "Automatiskt svar",
// "Frånvaro", "Out of office"). header returns a header's value; nil when
// there are no headers (the API's JSON ingest), then sender and subject
// decide. A kind already set is left as it is.
func Classify(in *gallra.InboundMail, header func(string) string) {
	if in.Kind != "" {
		return
	}
	if autoReply(in, header) {
		in.Kind = gallra.MailKindAutoReply
	}
}

func autoReply(in *gallra.InboundMail, header func(string) string) bool {
	if header != nil {
		if v := strings.ToLower(strings.TrimSpace(header("Auto-Submitted"))); v != "" && v != "no" {
			return true
		}
		switch strings.ToLower(strings.TrimSpace(header("Precedence"))) {
		case "bulk", "junk", "list", "auto_reply":
			return true
		}
		if v := strings.ToLower(header("X-Auto-Response-Suppress")); strings.Contains(v, "all") || strings.Contains(v, "oof") || strings.Contains(v, "autoreply") {
			return true
		}
		if header("X-Autoreply") != "" || header("X-Autorespond") != "" {
			return true
		}
	}
	local := strings.ToLower(in.From)
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	for _, s := range autoSenders {
		if local == s || strings.HasPrefix(local, s+"+") || strings.HasPrefix(local, s+"-") {
			return true
		}
	}
	subject := strings.ToLower(strings.TrimSpace(in.Subject))
	for _, s := range autoSubjects {
		if strings.HasPrefix(subject, s) {
			return true
		}
	}
	return false
}

// bouncedID recognises a delivery status notification (multipart/report;
// report-type=delivery-status) and returns the Message-ID of the message it
// reports on, from its returned message or headers part. ok is true for a
// DSN even when that id cannot be found (then id is empty).
func bouncedID(env *enmime.Envelope) (id string, ok bool) {
	root := env.Root
	if root == nil || !strings.EqualFold(root.ContentType, "multipart/report") {
		return "", false
	}
	if rt := root.ContentTypeParams["report-type"]; rt != "" && !strings.EqualFold(rt, "delivery-status") {
		return "", false
	}
	root.DepthMatchAll(func(p *enmime.Part) bool {
		if id != "" {
			return false
		}
		switch strings.ToLower(p.ContentType) {
		case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers":
			id = headerID(p)
		}
		return false
	})
	return id, true
}

// headerID reads the Message-ID of the returned message in a DSN part: from
// its own content, or, when the parser took the returned message apart,
// from its first child's header.
func headerID(p *enmime.Part) string {
	if len(p.Content) > 0 {
		r := textproto.NewReader(bufio.NewReader(bytes.NewReader(p.Content)))
		if h, err := r.ReadMIMEHeader(); err == nil || len(h) > 0 {
			if id := firstID(h.Get("Message-Id")); id != "" {
				return id
			}
		}
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if id := firstID(c.Header.Get("Message-Id")); id != "" {
			return id
		}
	}
	return firstID(p.Header.Get("Message-Id"))
}

// keyRE is a reply key: 32 lower-case hex digits.
var keyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// subjectKeyRE finds a subject tag [#<key>].
var subjectKeyRE = regexp.MustCompile(`\[#([0-9a-fA-F]{32})\]`)

// SubjectKey returns the reply key of a subject tag "[#<key>]", or "".
func SubjectKey(subject string) string {
	if m := subjectKeyRE.FindStringSubmatch(subject); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// SplitAddress splits a recipient into the inbox address and the reply key
// of a plus address: "kontakt+c-<key>@kommun.example" is the inbox
// "kontakt@kommun.example" with the key. Any other plus part is dropped
// (kontakt+x@… is kontakt@…) and gives no key. The address is lower-cased.
func SplitAddress(rcpt string) (inbox, key string) {
	rcpt = gallra.NormalizeEmail(strings.Trim(strings.TrimSpace(rcpt), "<>"))
	at := strings.LastIndexByte(rcpt, '@')
	if at <= 0 {
		return rcpt, ""
	}
	local, domain := rcpt[:at], rcpt[at:]
	plus := strings.IndexByte(local, '+')
	if plus < 0 {
		return rcpt, ""
	}
	tag := local[plus+1:]
	if strings.HasPrefix(tag, "c-") && keyRE.MatchString(tag[2:]) {
		key = tag[2:]
	}
	return local[:plus] + domain, key
}

// PlusAddress returns the reply address of a conversation: the inbox
// address with +c-<key> in its local part.
func PlusAddress(inbox, key string) string {
	at := strings.LastIndexByte(inbox, '@')
	if at <= 0 || key == "" {
		return inbox
	}
	return inbox[:at] + "+c-" + key + inbox[at:]
}
