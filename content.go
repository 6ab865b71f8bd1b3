package gallra

import (
	"fmt"
	"mime"
	"net/netip"
	"strings"
	"time"
)

// Page selects a page of a list by keyset: items with id < BeforeID (newest
// first), at most Limit (default 50, max 200).
type Page struct {
	BeforeID int64
	Limit    int
}

// ThreadPage selects a page of one thread's posts or messages (a forum
// topic's posts, a mail conversation's messages, a chat's lines) by keyset,
// in reading order: oldest first by id, the order they were received. The
// page holds the items with id > AfterID, at most Limit of them (default
// DefaultThreadPage, at most MaxThreadPage) and stops early once their
// bodies reach ThreadPageBytes, so the memory a read takes does not depend
// on how long the thread has grown. A thread's NextAfterID is the AfterID
// of the following page, nil on the last one.
type ThreadPage struct {
	AfterID int64
	Limit   int
}

// Page sizes of a thread read.
const (
	DefaultThreadPage = 50
	MaxThreadPage     = 100
	// ThreadPageBytes is the body budget of one page: the page ends after
	// the item that reaches it (always at least one item, so a long mail
	// body still comes whole, alone on its page). 1 MiB holds a default
	// page of public posts of MaxPublicPostLen plain characters and cuts a
	// page of 100 KB staff posts at eleven.
	ThreadPageBytes = 1 << 20
)

// Author is the end customer writing a forum post, chat or e-mail.
type Author struct {
	Name  string
	Email string
	IP    string
}

// Validate trims and checks the author's name and e-mail (required when
// requireEmail) and normalises the IP address; errors are EINVALID naming the
// field.
func (a *Author) Validate(requireEmail bool) error {
	a.Name = strings.TrimSpace(a.Name)
	a.Email = strings.TrimSpace(a.Email)
	if err := ValidateText("author_name", a.Name, true, MaxNameLen); err != nil {
		return err
	}
	if a.Email != "" || requireEmail {
		if err := ValidateEmail("author_email", a.Email); err != nil {
			return err
		}
	}
	if a.IP != "" {
		ip, err := netip.ParseAddr(a.IP)
		if err != nil {
			return Errorf(EINVALID, "client IP address is not valid")
		}
		a.IP = ip.Unmap().String()
	}
	return nil
}

// NewTopic is a new forum topic with its first post.
type NewTopic struct {
	ChannelID int64
	Title     string
	Body      string
	Author    Author
}

// NewPost is a post (ParentID nil) or a comment on a post (ParentID set) in a
// topic.
type NewPost struct {
	TopicID  int64
	ParentID *int64
	Body     string
	Author   Author
}

// Limits on inbound mail.
const (
	MaxAttachments     = 50
	MaxAttachmentBytes = 25 << 20
	MaxRecipients      = 100
)

// InboundMail is an e-mail received into an inbox, already parsed (by the
// API's JSON decoder or the SMTP receiver's MIME parser).
type InboundMail struct {
	From        string
	FromName    string
	To          []string
	Subject     string
	Body        string
	MessageID   string   // the Message-ID header, without angle brackets
	InReplyTo   string   // In-Reply-To
	References  []string // References, oldest first
	Attachments []Attachment
	// HTML is the sanitised HTML body (scripts, remote images and styles
	// removed); Body is always the plain-text body.
	HTML string
	// ReplyKey is a conversation's reply key taken from the plus address
	// (kontakt+c-<key>@…) or a subject tag ([#<key>]); it routes the mail to
	// that conversation of the inbox.
	ReplyKey string
	// Kind is MailKindAutoReply for an automatic reply (out of office,
	// "Autosvar"), MailKindBounce for a delivery status notification, else
	// empty. Neither is ever answered automatically.
	Kind string
	// BouncedMessageID is, for a bounce, the Message-ID of our message that
	// could not be delivered.
	BouncedMessageID string
}

// Kinds of inbound mail that are stored but never answered automatically.
const (
	MailKindAutoReply = "auto_reply"
	MailKindBounce    = "bounce"
)

// Attachment is an attachment of an inbound or outbound message.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// CleanMessageID strips the angle brackets and spaces around a Message-ID.
func CleanMessageID(s string) string { return strings.Trim(strings.TrimSpace(s), "<>") }

// Validate checks an inbound e-mail's addresses, lengths, message ids and
// attachments and normalises message ids and content types; errors name the
// field (EINVALID, or ETOOLARGE for an oversized attachment).
func (m *InboundMail) Validate() error {
	if err := ValidateEmail("from", m.From); err != nil {
		return err
	}
	if err := ValidateText("from_name", m.FromName, false, MaxNameLen); err != nil {
		return err
	}
	if len(m.To) > MaxRecipients {
		return Errorf(EINVALID, "to has more than %d recipients", MaxRecipients)
	}
	for i, a := range m.To {
		if err := ValidateEmail(fmt.Sprintf("to[%d]", i), a); err != nil {
			return err
		}
	}
	if err := ValidateText("subject", m.Subject, false, MaxSubjectLen); err != nil {
		return err
	}
	if err := ValidateText("body", m.Body, false, MaxBodyLen*10); err != nil {
		return err
	}
	if err := ValidateText("html", m.HTML, false, MaxBodyLen*20); err != nil {
		return err
	}
	if m.Kind != "" && m.Kind != MailKindAutoReply && m.Kind != MailKindBounce {
		return Errorf(EINVALID, "kind must be empty, %s or %s", MailKindAutoReply, MailKindBounce)
	}
	m.MessageID, m.InReplyTo = CleanMessageID(m.MessageID), CleanMessageID(m.InReplyTo)
	m.BouncedMessageID = CleanMessageID(m.BouncedMessageID)
	for _, id := range append([]string{m.MessageID, m.InReplyTo, m.BouncedMessageID, m.ReplyKey}, m.References...) {
		if err := ValidateText("message_id", id, false, 998); err != nil {
			return err
		}
	}
	if len(m.Attachments) > MaxAttachments {
		return Errorf(EINVALID, "more than %d attachments", MaxAttachments)
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		if err := ValidateText(fmt.Sprintf("attachments[%d].filename", i), a.Filename, true, 255); err != nil {
			return err
		}
		if strings.ContainsAny(a.Filename, "/\\") {
			return Errorf(EINVALID, "attachments[%d].filename must not contain a path", i)
		}
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			return Errorf(EINVALID, "attachments[%d].content_type is not a valid media type", i)
		}
		if len(a.Content) > MaxAttachmentBytes {
			return Errorf(ETOOLARGE, "attachments[%d] is larger than %d bytes", i, MaxAttachmentBytes)
		}
	}
	return nil
}

// SocialInput is a post or comment mirrored from the external platform.
type SocialInput struct {
	ExternalID       string
	ParentExternalID string // set for comments
	AuthorID         string // the author's id on the platform
	AuthorName       string
	AuthorEmail      string // optional: links the item to a person for takeout and erasure
	Body             string
	CreatedAt        time.Time // on the platform; zero means now
}

// NewChat starts a chat. The participant may be anonymous (no name, no
// e-mail); an anonymous participant still gets a person record of their own.
type NewChat struct {
	ChannelID int64
	Name      string
	Email     string
	IP        string
	Message   string
}

// SearchHit is one match of a content search.
type SearchHit struct {
	Type      string `json:"type"` // forum_post, mail_message, chat_message, social_item, knowledge_article
	ID        int64  `json:"id"`
	ParentID  int64  `json:"parent_id"` // topic or conversation id; 0 for social items and articles
	Snippet   string `json:"snippet"`
	CreatedAt int64  `json:"-"`
}
