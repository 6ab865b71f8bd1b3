package gallra

import (
	"context"
	"io"
	"time"
)

// The content services. Staff operations take the acting *Staff and answer
// ENOTFOUND for an object of another organisation (it is loaded first) and
// EFORBIDDEN when the staff user lacks the permission on the object's
// channel: PermViewChannel to read, PermWorkChannel to write, PermHold for
// legal holds, PermPersonData for data about a person. Channel-scoped
// operations answer ENOTFOUND for a channel of another module. Public
// operations (end customers, no staff user) say so in their names. Input is
// validated here, the same for every transport; errors are EINVALID naming
// the field.

// ForumService reads and writes forum topics, posts and comments, for staff
// and for the public.
type ForumService interface {
	// ListTopics returns a page of a forum channel's topics, newest first.
	ListTopics(ctx context.Context, staff *Staff, channelID int64, p Page) ([]ForumTopic, error)
	// Topic returns a topic with one page of its posts, oldest first, and
	// the cursor of the next (see ThreadPage; EINVALID for a limit above
	// MaxThreadPage).
	Topic(ctx context.Context, staff *Staff, id int64, p ThreadPage) (*ForumTopic, error)
	// EditPost replaces a post's body (moderation, PermWorkChannel); audited.
	EditPost(ctx context.Context, staff *Staff, postID int64, body string) (*ForumPost, error)

	// PublicChannel returns a channel as end customers may see it: only
	// channels of the given modules exist for them (ENOTFOUND otherwise).
	PublicChannel(ctx context.Context, channelID int64, modules ...Module) (*Channel, error)
	// PublicTopic returns a topic for the public with one page of its
	// posts, like Topic (the caller shows only display fields).
	PublicTopic(ctx context.Context, id int64, p ThreadPage) (*ForumTopic, error)
	// StartPublicTopic starts a topic with its first post in a forum
	// channel; the author's name and e-mail are required, the body is at
	// most MaxPublicPostLen characters.
	StartPublicTopic(ctx context.Context, in NewTopic) (*ForumTopic, error)
	// AddPublicPost adds a post, or with ParentID a comment on a post, to a
	// topic; the author's name and e-mail are required, the body is at most
	// MaxPublicPostLen characters.
	AddPublicPost(ctx context.Context, in NewPost) (*ForumPost, error)
}

// MailService reads inboxes, ingests inbound mail and sends replies.
type MailService interface {
	// ListConversations returns a page of an inbox's conversations, newest
	// first.
	ListConversations(ctx context.Context, staff *Staff, channelID int64, p Page) ([]MailConversation, error)
	// Conversation returns a conversation with one page of its messages,
	// oldest first, and the cursor of the next (see ThreadPage).
	Conversation(ctx context.Context, staff *Staff, id int64, p ThreadPage) (*MailConversation, error)
	// Reply records a staff reply from the inbox's address (EUNPROCESS when
	// the inbox has none) and queues it for delivery, to the recipients
	// chosen (MailReply: by default the last inbound sender; only the
	// conversation's participants, EINVALID otherwise). Audited.
	Reply(ctx context.Context, staff *Staff, conversationID int64, in MailReply) (*MailMessage, error)
	// Attachment returns an attachment with its content.
	Attachment(ctx context.Context, staff *Staff, id int64) (*MailAttachment, error)
	// Ingest stores an inbound e-mail delivered by staff (e.g. a mail
	// gateway with a staff token, PermWorkChannel); idempotent on MessageID.
	Ingest(ctx context.Context, staff *Staff, channelID int64, in InboundMail) (*MailMessage, error)
	// AcceptRecipient answers nil when rcpt is an inbox's address, or a plus
	// address of one (kontakt+c-<key>@…), in any organisation (ENOTFOUND
	// otherwise). The SMTP receiver asks it at RCPT time, so that unknown
	// recipients are refused there and never bounced later.
	AcceptRecipient(ctx context.Context, rcpt string) error
	// Deliver parses a raw RFC 5322 message received for rcpt (SMTP, LMTP,
	// IMAP) and stores it in that inbox in one transaction, as the system
	// (no staff): threading, auto-reply and bounce recognition as Ingest.
	// Idempotent on Message-ID. It returns nil, nil for our own mail (the
	// loop header) which is dropped. Errors: ENOTFOUND (no such inbox),
	// EINVALID (empty or unusable message), ETOOLARGE (an attachment or the
	// message over the limits).
	Deliver(ctx context.Context, rcpt string, raw io.Reader) (*MailMessage, error)
}

// ChatService runs chats, for staff and for the public.
type ChatService interface {
	// ListChats returns a page of a chat channel's chats, newest first;
	// status "open" or "closed" filters, "" lists both.
	ListChats(ctx context.Context, staff *Staff, channelID int64, status string, p Page) ([]ChatConversation, error)
	// Chat returns a chat with one page of its messages, oldest first, and
	// the cursor of the next (see ThreadPage).
	Chat(ctx context.Context, staff *Staff, id int64, p ThreadPage) (*ChatConversation, error)
	// StaffMessage writes in an open chat as the staff user.
	StaffMessage(ctx context.Context, staff *Staff, chatID int64, body string) (*ChatMessage, error)
	// Close closes a chat, starting its retention clock; closing a closed
	// chat changes nothing. Audited.
	Close(ctx context.Context, staff *Staff, chatID int64) (*ChatConversation, error)

	// StartPublicChat opens a chat in a chat channel with the customer's
	// first message and returns it with the customer's access token (shown
	// once). Name and e-mail are optional; customer messages are at most
	// MaxPublicPostLen characters.
	StartPublicChat(ctx context.Context, in NewChat) (*ChatConversation, string, error)
	// PublicChat returns a chat with one page of its messages (see
	// ThreadPage) to the holder of its access token; a wrong token answers
	// ENOTFOUND, like an absent chat.
	PublicChat(ctx context.Context, chatID int64, token string, p ThreadPage) (*ChatConversation, error)
	// PublicMessage writes the customer's message in their open chat.
	PublicMessage(ctx context.Context, chatID int64, token, body string) (*ChatMessage, error)
}

// SocialService mirrors items of a connected social-media account.
type SocialService interface {
	// ListItems returns a page of a social channel's mirrored items, newest
	// first.
	ListItems(ctx context.Context, staff *Staff, channelID int64, p Page) ([]SocialItem, error)
	// Mirror inserts or updates an item from the platform; idempotent on
	// (channel, external id).
	Mirror(ctx context.Context, staff *Staff, channelID int64, in SocialInput) (*SocialItem, error)
	// RemoveMirrored deletes an item (and its comments) deleted on the
	// platform, or with byAuthor every item of an external author who left;
	// returns how many went. Audited with counts only.
	RemoveMirrored(ctx context.Context, staff *Staff, channelID int64, externalID string, byAuthor bool) (int64, error)
}

// KnowledgeService manages knowledge-base articles.
type KnowledgeService interface {
	// ListArticles returns a page of a knowledge channel's articles, newest
	// first.
	ListArticles(ctx context.Context, staff *Staff, channelID int64, p Page) ([]KnowledgeArticle, error)
	// Article returns an article.
	Article(ctx context.Context, staff *Staff, id int64) (*KnowledgeArticle, error)
	// CreateArticle writes an article by the staff user; audited.
	CreateArticle(ctx context.Context, staff *Staff, channelID int64, title, body string) (*KnowledgeArticle, error)
	// UpdateArticle replaces an article's title and body; audited.
	UpdateArticle(ctx context.Context, staff *Staff, id int64, title, body string) (*KnowledgeArticle, error)
	// DeleteArticle deletes an article; audited.
	DeleteArticle(ctx context.Context, staff *Staff, id int64) error
}

// CustomFieldService reads and sets organisation-defined fields on persons
// and conversations. Fields of a topic or conversation follow its channel;
// fields of a person (who spans channels) need PermPersonData.
type CustomFieldService interface {
	// CustomFields lists the fields of a subject.
	CustomFields(ctx context.Context, staff *Staff, st SubjectType, subjectID int64) ([]CustomField, error)
	// SetCustomField sets a field, or with an empty value removes it; a new
	// key is refused with EUNPROCESS once the subject has MaxCustomFields.
	// Audited with the key only.
	SetCustomField(ctx context.Context, staff *Staff, st SubjectType, subjectID int64, key, value string) error
}

// SearchService searches a channel's content.
type SearchService interface {
	// Search finds content of one channel whose text contains q, newest
	// first, at most limit hits (default 50, at most 200).
	Search(ctx context.Context, staff *Staff, channelID int64, q string, limit int) ([]SearchHit, error)
}

// HoldService places, releases and lists legal holds. Holds are placed on
// forum topics, mail conversations and chat conversations (EINVALID for any
// other subject type), by staff holding PermHold on the subject's channel.
type HoldService interface {
	// HoldSubject loads a subject that may be put on hold, with its channel
	// and current hold, checking PermHold on its channel.
	HoldSubject(ctx context.Context, staff *Staff, st SubjectType, id int64) (*HoldSubject, error)
	// PlaceHold puts a subject on legal hold with a reason (required):
	// every purge skips it until it is released. Placing it again replaces
	// the reason. Audited without the reason's text.
	PlaceHold(ctx context.Context, staff *Staff, st SubjectType, id int64, reason string) (*Hold, error)
	// ReleaseHold releases the staff user's own hold (ENOTFOUND when the
	// subject is not held; someone else's: see ReleaseHoldWithReason).
	// Audited.
	ReleaseHold(ctx context.Context, staff *Staff, st SubjectType, id int64) error
	// ReleaseHoldWithReason releases a hold; someone else's hold only by
	// an administrator with a reason (kept, and named in the audit entry).
	ReleaseHoldWithReason(ctx context.Context, staff *Staff, st SubjectType, id int64, reason string) error
	// Holds lists the organisation's holds on channels the staff user may
	// view, oldest first, from the organisation's oldest MaxListedHolds;
	// channelID > 0 keeps one channel's.
	Holds(ctx context.Context, staff *Staff, channelID int64) ([]Hold, error)
}

// HoldSubject is a topic or conversation that can be put on legal hold.
type HoldSubject struct {
	Type      SubjectType
	ID        int64
	ChannelID int64
	Title     string     // topic title or mail subject; empty for chats
	When      time.Time  // last activity
	Hold      *LegalHold // nil when not on hold
}
