package gallra

import (
	"context"
	"time"
)

// WorkspaceService is the staff workspace: one list of conversations across
// the organisation's channels, and what staff do with a conversation besides
// answering it (status, assignee, internal notes). Conversations are named
// by subject type and id; today only mail conversations
// (SubjectMailConversation) are workspace conversations, other types answer
// EINVALID until their modules plug in (chats, forum questions, social
// comments). Like the content services it answers ENOTFOUND for another
// organisation's conversation and for a conversation on a channel the staff
// user may not view (the list never shows it either), and EFORBIDDEN when
// they may view but not work the channel. Changes are audited with ids only.
type WorkspaceService interface {
	// ListInbox returns a page of the conversations the staff user may view,
	// most recent activity first, filtered by f (validated: EINVALID).
	ListInbox(ctx context.Context, staff *Staff, f InboxFilter) (*InboxPage, error)
	// Conversation returns a mail conversation as the workspace shows it:
	// the thread (bounded, see MailService.Conversation), who it is assigned
	// to, its notes and whom a reply would go to. It records the read in
	// the access log. PermViewChannel.
	Conversation(ctx context.Context, staff *Staff, id int64, p ThreadPage) (*WorkspaceConversation, error)
	// Channel returns the channel of a conversation the staff user may view
	// (ENOTFOUND otherwise): transports check it before calling another
	// service on the conversation (e.g. HoldService) so that a hidden
	// conversation stays hidden.
	Channel(ctx context.Context, staff *Staff, st SubjectType, id int64) (int64, error)
	// SetStatus sets a conversation's status (PermWorkChannel); setting the
	// status it has changes nothing and is not audited.
	SetStatus(ctx context.Context, staff *Staff, st SubjectType, id int64, status ConversationStatus) error
	// Assign gives a conversation to a staff user who may work its channel
	// (EINVALID naming assignee_id otherwise), or with assigneeID 0 to
	// nobody. PermWorkChannel.
	Assign(ctx context.Context, staff *Staff, st SubjectType, id int64, assigneeID int64) error
	// Assignees lists the active staff users a conversation can be assigned
	// to: those who may work its channel (names and ids only).
	Assignees(ctx context.Context, staff *Staff, st SubjectType, id int64) ([]StaffRef, error)
	// Notes lists a conversation's internal notes, oldest first
	// (PermViewChannel).
	Notes(ctx context.Context, staff *Staff, st SubjectType, id int64) ([]Note, error)
	// AddNote writes an internal note on a conversation (PermWorkChannel).
	// Notes are never sent to anyone. Audited without the text.
	AddNote(ctx context.Context, staff *Staff, st SubjectType, id int64, body string) (*Note, error)
	// RecordAccess records that the staff user read a conversation (who,
	// which, when; no content) where the privacy register can find it.
	// PermViewChannel.
	RecordAccess(ctx context.Context, staff *Staff, st SubjectType, id int64) error
	// Reply answers a mail conversation through MailService.Reply, with the
	// staff user's signature appended when in.Signature is set.
	Reply(ctx context.Context, staff *Staff, id int64, in WorkspaceReply) (*MailMessage, error)
	// Signature returns the staff user's own reply signature.
	Signature(ctx context.Context, staff *Staff) (string, error)
	// SetSignature replaces the staff user's own reply signature (empty
	// removes it). Audited without the text.
	SetSignature(ctx context.Context, staff *Staff, signature string) error
}

// ConversationStatus is where a workspace conversation stands.
type ConversationStatus string

// Conversation statuses. A conversation is open when it arrives; a staff
// reply makes it waiting (for the customer); a customer's new message
// makes it open again; staff close it when it is done.
const (
	StatusOpen    ConversationStatus = "open"
	StatusWaiting ConversationStatus = "waiting"
	StatusClosed  ConversationStatus = "closed"
)

// Valid reports whether s is one of the statuses.
func (s ConversationStatus) Valid() bool {
	return s == StatusOpen || s == StatusWaiting || s == StatusClosed
}

// MaxNoteLen and MaxSignatureLen bound a note and a signature, in characters.
const (
	MaxNoteLen      = 20000
	MaxSignatureLen = 1000
)

// InboxFilter selects workspace conversations. Zero values select
// everything the staff user may view.
type InboxFilter struct {
	ChannelID int64              // 0: every channel the staff user may view
	Status    ConversationStatus // "": any status
	// Assignee: "" any, "me" the staff user's own, "none" unassigned, or a
	// staff id in decimal.
	Assignee string
	// Q searches the subject, the senders and the text of the messages
	// (case-insensitive; on SQLite a word with Å, Ä or Ö is found in all
	// lower case or with those letters capitalised).
	Q string
	// Cursor continues a list where InboxPage.Next left it.
	Cursor string
	Limit  int // default 25, at most 100
}

// InboxPage is a page of the inbox; Next is the cursor of the next page,
// empty on the last.
type InboxPage struct {
	Items []InboxItem `json:"items"`
	Next  string      `json:"next,omitempty"`
}

// InboxItem is one conversation in the workspace list.
type InboxItem struct {
	Type           SubjectType        `json:"type"`
	ID             int64              `json:"id"`
	ChannelID      int64              `json:"channel_id"`
	Subject        string             `json:"subject"`
	Status         ConversationStatus `json:"status"`
	AssigneeID     *int64             `json:"assignee_id,omitempty"`
	LastMessageAt  time.Time          `json:"last_message_at"`
	Messages       int                `json:"messages"`
	LastSender     string             `json:"last_sender"` // name or address of the latest customer message
	Held           bool               `json:"held"`
	SensitiveKinds []string           `json:"sensitive_kinds"`
}

// WorkspaceConversation is a mail conversation with what the workspace
// shows beside the thread.
type WorkspaceConversation struct {
	Conversation *MailConversation `json:"conversation"`
	Notes        []Note            `json:"notes"`
	// ReplyTo is whom a reply goes to by default: the sender of the latest
	// customer message (empty when there is none).
	ReplyTo string `json:"reply_to"`
}

// Note is an internal note on a conversation: staff-only, never sent.
type Note struct {
	ID          int64       `json:"id"`
	SubjectType SubjectType `json:"subject_type"`
	SubjectID   int64       `json:"subject_id"`
	StaffID     int64       `json:"staff_id"`
	StaffName   string      `json:"staff_name"`
	Body        string      `json:"body"`
	CreatedAt   time.Time   `json:"created_at"`
}

// StaffRef names a staff user.
type StaffRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// WorkspaceReply is a staff reply written in the workspace.
type WorkspaceReply struct {
	Body string
	// To and Cc are the recipients the staff member chose (default: the
	// latest customer sender). Passed on to MailService.Reply once it takes
	// recipients; until then the reply goes as MailService.Reply sends it.
	To, Cc []string
	// Signature appends the staff user's signature ("-- " line first).
	Signature bool
}
