// Package gallra holds Gallra's domain types, error codes and the small rules
// that belong to the domain itself (validation, e-mail normalisation). It has
// no SQL and no HTTP: storage lives in internal/store, transports in
// internal/httpapi and friends.
package gallra

import (
	"time"
)

// Clock tells the time. Production uses SystemClock; tests inject a fixed or
// advancing clock so that purges over years run without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Organisation is a tenant: legally the data controller of everything stored
// under it.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Language  string    `json:"language"` // "sv" or "en": default UI and text language
	CreatedAt time.Time `json:"created_at"`
}

// Role is a staff user's role in an organisation.
type Role string

// Staff roles. Admins act on every channel; editors only on channels they are
// members of.
const (
	RoleAdmin  Role = "admin"
	RoleEditor Role = "editor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleEditor }

// Staff is a staff user of an organisation. Staff are personal data too.
type Staff struct {
	ID        int64  `json:"id"`
	OrgID     int64  `json:"org_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Role      Role   `json:"role"`
	AvatarURL string `json:"avatar_url,omitempty"`
	Active    bool   `json:"active"`
	// Deleted marks a staff user whose personal data was removed (they
	// left): kept as a placeholder so audit entries still resolve, never
	// active again.
	Deleted   bool      `json:"deleted,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// DeactivatedAt is when the user was last deactivated (nil while
	// active); the off-boarding period counts from it.
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
	// OffboardedAt is when the purge removed the user's name, e-mail and
	// avatar after the organisation's off-boarding period (nil: not yet).
	// An off-boarded user is also Deleted and is named by FormerStaffName.
	OffboardedAt *time.Time `json:"offboarded_at,omitempty"`
	// ChannelIDs lists the channels an editor is a member of (filled on reads).
	ChannelIDs []int64 `json:"channel_ids"`
}

// CanActOn reports whether s may act on the channel: admins everywhere,
// editors where they are members. Inactive staff may act nowhere.
func (s *Staff) CanActOn(channelID int64) bool {
	if s == nil || !s.Active {
		return false
	}
	if s.Role == RoleAdmin {
		return true
	}
	for _, id := range s.ChannelIDs {
		if id == channelID {
			return true
		}
	}
	return false
}

// Token is an API token. Only a hash of the secret is stored; the secret is
// shown once, at creation.
type Token struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	StaffID    int64      `json:"staff_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters of the secret, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Module is the kind of a channel.
type Module string

// The five modules.
const (
	ModuleForum     Module = "forum"
	ModuleMail      Module = "mail"
	ModuleChat      Module = "chat"
	ModuleSocial    Module = "social"
	ModuleKnowledge Module = "knowledge"
)

// Modules lists every module in display order.
func Modules() []Module {
	return []Module{ModuleForum, ModuleMail, ModuleChat, ModuleSocial, ModuleKnowledge}
}

// Valid reports whether m is a known module.
func (m Module) Valid() bool {
	switch m {
	case ModuleForum, ModuleMail, ModuleChat, ModuleSocial, ModuleKnowledge:
		return true
	}
	return false
}

// HoldsEndCustomerData reports whether channels of m store data subjects'
// personal data (knowledge bases hold only staff-written articles).
func (m Module) HoldsEndCustomerData() bool { return m != ModuleKnowledge && m.Valid() }

// Channel is a forum, an inbox, a chat flow, a connected social account or a
// knowledge base of one organisation.
type Channel struct {
	ID      int64  `json:"id"`
	OrgID   int64  `json:"org_id"`
	Module  Module `json:"module"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"` // inbox address for mail channels
	// AddressConflict is the address this inbox had before inbox addresses
	// became unique across the installation, when an older inbox of another
	// organisation had claimed it too: mail to it goes to that older inbox,
	// so an administrator should choose a new address (setting one clears
	// this).
	AddressConflict string    `json:"address_conflict,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// Person is a data subject within one organisation: identified by normalised
// e-mail, or anonymous (EmailKey empty).
type Person struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Email     string    `json:"email,omitempty"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ForumTopic is a thread in a forum channel. Its first post is the question.
type ForumTopic struct {
	ID             int64      `json:"id"`
	OrgID          int64      `json:"org_id"`
	ChannelID      int64      `json:"channel_id"`
	Title          string     `json:"title"`
	PersonID       *int64     `json:"person_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	Hold           *LegalHold `json:"legal_hold,omitempty"`
	// SensitiveKinds lists kinds of sensitive identifiers (e.g. personnummer)
	// found in the topic's text.
	SensitiveKinds []string `json:"sensitive_kinds"`
	// Posts is one page of the topic's posts and comments, oldest first
	// (see ThreadPage); NextAfterID is the after_id of the next page, nil
	// on the last.
	Posts       []ForumPost `json:"posts,omitempty"`
	NextAfterID *int64      `json:"next_after_id,omitempty"`
}

// PostKind tells posts (answers to a topic) from comments (replies to a post).
type PostKind string

// Post kinds.
const (
	PostKindPost    PostKind = "post"
	PostKindComment PostKind = "comment"
)

// ForumPost is a post or a comment in a forum topic, with its author's
// personal data (name, e-mail, IP address).
type ForumPost struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	ChannelID   int64     `json:"channel_id"`
	TopicID     int64     `json:"topic_id"`
	ParentID    *int64    `json:"parent_id,omitempty"` // the post a comment replies to
	Kind        PostKind  `json:"kind"`
	PersonID    *int64    `json:"person_id,omitempty"`
	AuthorName  string    `json:"author_name"`
	AuthorEmail string    `json:"author_email,omitempty"`
	AuthorIP    string    `json:"author_ip,omitempty"`
	Body        string    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// AnonymizedAt is set once the post's personal data has been removed.
	AnonymizedAt *time.Time `json:"anonymized_at,omitempty"`
	// Removed marks a content-free placeholder left where a deleted post was,
	// so that replies to it keep their place in the thread.
	Removed bool `json:"removed,omitempty"`
}

// MailConversation is an e-mail thread in an inbox.
type MailConversation struct {
	ID             int64      `json:"id"`
	OrgID          int64      `json:"org_id"`
	ChannelID      int64      `json:"channel_id"`
	Subject        string     `json:"subject"`
	CreatedAt      time.Time  `json:"created_at"`
	LastMessageAt  time.Time  `json:"last_message_at"`
	Hold           *LegalHold `json:"legal_hold,omitempty"`
	SensitiveKinds []string   `json:"sensitive_kinds"`
	// Messages is one page of the conversation's messages, oldest first
	// (see ThreadPage); NextAfterID is the after_id of the next page, nil
	// on the last.
	Messages    []MailMessage `json:"messages,omitempty"`
	NextAfterID *int64        `json:"next_after_id,omitempty"`
	PersonIDs   []int64       `json:"person_ids,omitempty"`
	// ReplyKey is the unguessable key that routes replies to this
	// conversation (kontakt+c-<key>@…); not shown in the API.
	ReplyKey string `json:"-"`

	// Status and AssigneeID are the workspace's (WorkspaceService).
	Status     ConversationStatus `json:"status"`
	AssigneeID *int64             `json:"assignee_id,omitempty"`
}

// Direction tells inbound (from a customer) from outbound (from staff) mail.
type Direction string

// Mail directions.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

// MailMessage is one e-mail in a conversation.
type MailMessage struct {
	ID             int64            `json:"id"`
	OrgID          int64            `json:"org_id"`
	ConversationID int64            `json:"conversation_id"`
	ChannelID      int64            `json:"channel_id"`
	Direction      Direction        `json:"direction"`
	PersonID       *int64           `json:"person_id,omitempty"`
	StaffID        *int64           `json:"staff_id,omitempty"`
	FromAddr       string           `json:"from"`
	FromName       string           `json:"from_name,omitempty"`
	To             []string         `json:"to"`
	Subject        string           `json:"subject"`
	Body           string           `json:"body"`
	MessageID      string           `json:"message_id,omitempty"`
	CreatedAt      time.Time        `json:"created_at"`
	Attachments    []MailAttachment `json:"attachments,omitempty"`
	// BodyHTML is the sanitised HTML body of an inbound message, if it had one.
	BodyHTML string `json:"body_html,omitempty"`
	// Kind is MailKindAutoReply, MailKindBounce or empty (ordinary mail).
	Kind string `json:"kind,omitempty"`
	// BouncedMessageID is, for a bounce, the Message-ID that bounced.
	BouncedMessageID string `json:"bounced_message_id,omitempty"`
	// Delivery is the delivery state of a staff reply queued for sending
	// (nil for inbound mail and replies recorded without sending).
	Delivery *MailDelivery `json:"delivery,omitempty"`
}

// MailAttachment is a file attached to a mail message.
type MailAttachment struct {
	ID          int64  `json:"id"`
	MessageID   int64  `json:"message_id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Content     []byte `json:"-"`
}

// ChatConversation is a chat in a chat flow. Its retention clock starts when
// it is closed.
type ChatConversation struct {
	ID               int64      `json:"id"`
	OrgID            int64      `json:"org_id"`
	ChannelID        int64      `json:"channel_id"`
	PersonID         *int64     `json:"person_id,omitempty"`
	ParticipantName  string     `json:"participant_name,omitempty"`
	ParticipantEmail string     `json:"participant_email,omitempty"`
	ParticipantIP    string     `json:"participant_ip,omitempty"`
	OpenedAt         time.Time  `json:"opened_at"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	LastMessageAt    time.Time  `json:"last_message_at"`
	Hold             *LegalHold `json:"legal_hold,omitempty"`
	SensitiveKinds   []string   `json:"sensitive_kinds"`
	// Messages is one page of the chat's lines, oldest first (see
	// ThreadPage); NextAfterID is the after_id of the next page, nil on the
	// last.
	Messages    []ChatMessage `json:"messages,omitempty"`
	NextAfterID *int64        `json:"next_after_id,omitempty"`
}

// ChatSender tells who wrote a chat message.
type ChatSender string

// Chat senders.
const (
	SenderCustomer ChatSender = "customer"
	SenderStaff    ChatSender = "staff"
	SenderSystem   ChatSender = "system"
)

// ChatMessage is one line of a chat.
type ChatMessage struct {
	ID             int64      `json:"id"`
	ConversationID int64      `json:"conversation_id"`
	Sender         ChatSender `json:"sender"`
	StaffID        *int64     `json:"staff_id,omitempty"`
	Body           string     `json:"body"`
	CreatedAt      time.Time  `json:"created_at"`
}

// SocialItem is a post or comment mirrored from an external social platform.
// The external platform is the source: it is never purged automatically.
type SocialItem struct {
	ID                 int64     `json:"id"`
	OrgID              int64     `json:"org_id"`
	ChannelID          int64     `json:"channel_id"`
	ExternalID         string    `json:"external_id"`
	ParentID           *int64    `json:"parent_id,omitempty"`
	Kind               PostKind  `json:"kind"`
	PersonID           *int64    `json:"person_id,omitempty"`
	ExternalAuthorID   string    `json:"external_author_id"`
	ExternalAuthorName string    `json:"external_author_name"`
	Body               string    `json:"body"`
	CreatedAt          time.Time `json:"created_at"`
	// Source is where the item comes from on the platform (fb_post,
	// fb_comment, ms_message, ig_comment, ig_message; empty when mirrored
	// through the API).
	Source SocialSource `json:"source,omitempty"`
	// StaffID, ReplyStatus and ReplyError are set on replies written in
	// Gallra: who wrote it and whether the platform accepted it.
	StaffID     *int64 `json:"staff_id,omitempty"`
	ReplyStatus string `json:"reply_status,omitempty" enum:"pending,posted,failed"`
	ReplyError  string `json:"reply_error,omitempty"`
}

// KnowledgeArticle is a staff-written article; it holds no end-customer data.
type KnowledgeArticle struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	ChannelID int64     `json:"channel_id"`
	StaffID   *int64    `json:"staff_id,omitempty"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SubjectType names what a custom field, legal hold or audit entry is about.
type SubjectType string

// Subject types.
const (
	SubjectPerson           SubjectType = "person"
	SubjectForumTopic       SubjectType = "forum_topic"
	SubjectMailConversation SubjectType = "mail_conversation"
	SubjectChatConversation SubjectType = "chat_conversation"
)

// CustomField is an organisation-defined key/value on a person or a
// conversation (e.g. a customer number). Values are personal data.
type CustomField struct {
	ID          int64       `json:"id"`
	SubjectType SubjectType `json:"subject_type"`
	SubjectID   int64       `json:"subject_id"`
	PersonID    *int64      `json:"person_id,omitempty"`
	Key         string      `json:"key"`
	Value       string      `json:"value"`
}

// LegalHold keeps a topic or conversation from every purge until released.
type LegalHold struct {
	Reason string    `json:"reason"`
	HeldAt time.Time `json:"held_at"`
	HeldBy int64     `json:"held_by"`
}

// StaffUpdate holds the changeable fields of a staff user; nil means unchanged.
type StaffUpdate struct {
	Name      *string
	Email     *string
	Role      *Role
	AvatarURL *string
	Active    *bool
}

// PIIPattern is an organisation-defined detector pattern.
type PIIPattern struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern"`
}

// AuditFilter selects audit entries. Zero fields match everything.
type AuditFilter struct {
	Action      string // exact action, or a prefix ending in "." (e.g. "retention.")
	SubjectType string
	SubjectID   int64
	ActorID     int64
	BeforeSeq   int64 // entries with seq < BeforeSeq (pagination, newest first)
	Limit       int   // default 50, at most 500
	// From and To bound the entries' time: From <= at < To (zero: open).
	From, To time.Time
}
