package service

import (
	"context"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Workspace implements gallra.WorkspaceService. Its rule for who sees what:
// a conversation on a channel the staff user may not view does not exist
// for them (ENOTFOUND, and the list leaves it out); changes need
// PermWorkChannel on the conversation's channel.
type Workspace struct{ d Deps }

var _ gallra.WorkspaceService = (*Workspace)(nil)

// MaxReplyRecipients bounds the To and Cc addresses of a workspace reply.
const MaxReplyRecipients = 50

// viewableChannels returns the mail channels the staff user may view, or
// nil when that is every channel of the organisation.
func (w *Workspace) viewableChannels(ctx context.Context, staff *gallra.Staff) ([]int64, error) {
	chs, err := w.d.DB.ListChannels(ctx, staff.OrgID, gallra.ModuleMail)
	if err != nil {
		return nil, err
	}
	ids, all := []int64{}, true
	for _, c := range chs {
		if staff.Allowed(gallra.PermViewChannel, c.ID) {
			ids = append(ids, c.ID)
		} else {
			all = false
		}
	}
	if all {
		return nil, nil
	}
	return ids, nil
}

// ListInbox implements gallra.WorkspaceService.
func (w *Workspace) ListInbox(ctx context.Context, staff *gallra.Staff, f gallra.InboxFilter) (*gallra.InboxPage, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	q := store.InboxQuery{Status: f.Status, Q: strings.TrimSpace(f.Q), Cursor: f.Cursor, Limit: f.Limit}
	if f.Status != "" && !f.Status.Valid() {
		return nil, gallra.Errorf(gallra.EINVALID, "status must be open, waiting or closed")
	}
	if err := gallra.ValidateText("q", q.Q, false, 200); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("cursor", f.Cursor, false, 60); err != nil {
		return nil, err
	}
	if f.Limit < 0 || f.Limit > 100 {
		return nil, gallra.Errorf(gallra.EINVALID, "limit must be between 1 and 100")
	}
	switch a := f.Assignee; a {
	case "":
	case "me":
		q.AssigneeID = staff.ID
	case "none":
		q.AssigneeID = -1
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, gallra.Errorf(gallra.EINVALID, "assignee must be me, none or a staff id")
		}
		q.AssigneeID = id
	}
	if f.ChannelID != 0 {
		c, err := channelFor(ctx, w.d.DB, staff, gallra.PermViewChannel, f.ChannelID, gallra.ModuleMail)
		if err != nil {
			return nil, err
		}
		q.ChannelIDs = []int64{c.ID}
	} else if q.ChannelIDs, err = w.viewableChannels(ctx, staff); err != nil {
		return nil, err
	}
	return w.d.DB.ListInbox(ctx, org, q)
}

// subject finds a workspace conversation's channel and checks permission p
// on it: a channel the staff user may not view hides the conversation
// (ENOTFOUND).
func (w *Workspace) subject(ctx context.Context, staff *gallra.Staff, p gallra.Permission, st gallra.SubjectType, id int64) (int64, error) {
	org, err := orgOf(staff)
	if err != nil {
		return 0, err
	}
	if err := positiveID("id", id); err != nil {
		return 0, err
	}
	ch, err := w.d.DB.ConversationChannel(ctx, org, st, id)
	if err != nil {
		return 0, err
	}
	if !staff.Allowed(gallra.PermViewChannel, ch) {
		return 0, gallra.Errorf(gallra.ENOTFOUND, "conversation %d not found", id)
	}
	return ch, staff.Authorize(p, ch)
}

// thread reads a mail conversation's thread through the mail service (which
// bounds it and records the read); a conversation of a channel the staff
// user may not view is not found. The one call site of
// MailService.Conversation.
func (w *Workspace) thread(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (*gallra.MailConversation, error) {
	if _, err := w.subject(ctx, staff, gallra.PermViewChannel, gallra.SubjectMailConversation, id); err != nil {
		return nil, err
	}
	return (&Mail{d: w.d}).Conversation(ctx, staff, id, p)
}

// Conversation implements gallra.WorkspaceService.
func (w *Workspace) Conversation(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (*gallra.WorkspaceConversation, error) {
	c, err := w.thread(ctx, staff, id, p)
	if err != nil {
		return nil, err
	}
	out := &gallra.WorkspaceConversation{Conversation: c}
	if out.Notes, err = w.d.DB.ConversationNotes(ctx, c.OrgID, gallra.SubjectMailConversation, id); err != nil {
		return nil, err
	}
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Direction == gallra.DirectionIn {
			out.ReplyTo = c.Messages[i].FromAddr
			break
		}
	}
	return out, nil
}

// Channel implements gallra.WorkspaceService.
func (w *Workspace) Channel(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) (int64, error) {
	return w.subject(ctx, staff, gallra.PermViewChannel, st, id)
}

// SetStatus implements gallra.WorkspaceService.
func (w *Workspace) SetStatus(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64, status gallra.ConversationStatus) error {
	if !status.Valid() {
		return gallra.Errorf(gallra.EINVALID, "status must be open, waiting or closed")
	}
	if _, err := w.subject(ctx, staff, gallra.PermWorkChannel, st, id); err != nil {
		return err
	}
	_, err := w.d.DB.SetConversationStatus(ctx, actor(staff), staff.OrgID, st, id, status)
	return err
}

// Assign implements gallra.WorkspaceService.
func (w *Workspace) Assign(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64, assigneeID int64) error {
	ch, err := w.subject(ctx, staff, gallra.PermWorkChannel, st, id)
	if err != nil {
		return err
	}
	if assigneeID < 0 {
		return gallra.Errorf(gallra.EINVALID, "assignee_id must be a staff id, or 0 for nobody")
	}
	var to *int64
	if assigneeID > 0 {
		a, err := w.d.DB.GetStaff(ctx, staff.OrgID, assigneeID)
		if gallra.ErrorCode(err) == gallra.ENOTFOUND || (err == nil && !a.Allowed(gallra.PermWorkChannel, ch)) {
			return gallra.Errorf(gallra.EINVALID, "assignee_id must be an active staff user who may work channel %d", ch)
		} else if err != nil {
			return err
		}
		to = &a.ID
	}
	return w.d.DB.AssignConversation(ctx, actor(staff), staff.OrgID, st, id, to)
}

// Assignees implements gallra.WorkspaceService.
func (w *Workspace) Assignees(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) ([]gallra.StaffRef, error) {
	ch, err := w.subject(ctx, staff, gallra.PermViewChannel, st, id)
	if err != nil {
		return nil, err
	}
	all, err := w.d.DB.ListStaff(ctx, staff.OrgID)
	if err != nil {
		return nil, err
	}
	out := []gallra.StaffRef{}
	for i := range all {
		if all[i].Allowed(gallra.PermWorkChannel, ch) {
			out = append(out, gallra.StaffRef{ID: all[i].ID, Name: all[i].Name})
		}
	}
	return out, nil
}

// Notes implements gallra.WorkspaceService.
func (w *Workspace) Notes(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) ([]gallra.Note, error) {
	if _, err := w.subject(ctx, staff, gallra.PermViewChannel, st, id); err != nil {
		return nil, err
	}
	return w.d.DB.ConversationNotes(ctx, staff.OrgID, st, id)
}

// AddNote implements gallra.WorkspaceService.
func (w *Workspace) AddNote(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64, body string) (*gallra.Note, error) {
	if _, err := w.subject(ctx, staff, gallra.PermWorkChannel, st, id); err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := gallra.ValidateText("body", body, true, gallra.MaxNoteLen); err != nil {
		return nil, err
	}
	return w.d.DB.AddConversationNote(ctx, actor(staff), staff.OrgID, st, id, staff, body)
}

// RecordAccess implements gallra.WorkspaceService.
func (w *Workspace) RecordAccess(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) error {
	if _, err := w.subject(ctx, staff, gallra.PermViewChannel, st, id); err != nil {
		return err
	}
	return w.d.DB.RecordAccess(ctx, staff.OrgID, staff.ID, st, id)
}

// Reply implements gallra.WorkspaceService.
func (w *Workspace) Reply(ctx context.Context, staff *gallra.Staff, id int64, in gallra.WorkspaceReply) (*gallra.MailMessage, error) {
	if _, err := w.subject(ctx, staff, gallra.PermWorkChannel, gallra.SubjectMailConversation, id); err != nil {
		return nil, err
	}
	body := strings.TrimRight(in.Body, " \t\r\n")
	if strings.TrimSpace(body) == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "body is required")
	}
	if len(in.To)+len(in.Cc) > MaxReplyRecipients {
		return nil, gallra.Errorf(gallra.EINVALID, "at most %d recipients", MaxReplyRecipients)
	}
	for i, a := range append(append([]string{}, in.To...), in.Cc...) {
		if err := gallra.ValidateEmail("to", a); err != nil {
			return nil, gallra.Errorf(gallra.EINVALID, "recipient %d is not an e-mail address", i+1)
		}
	}
	if in.Signature {
		sig, err := w.d.DB.StaffSignature(ctx, staff.OrgID, staff.ID)
		if err != nil {
			return nil, err
		}
		if sig = strings.TrimSpace(sig); sig != "" {
			body += "\n\n-- \n" + sig
		}
	}
	return w.sendReply(ctx, staff, id, body, in.To, in.Cc)
}

// sendReply sends a workspace reply to the recipients the staff member
// chose: the one call site of MailService.Reply.
func (w *Workspace) sendReply(ctx context.Context, staff *gallra.Staff, id int64, body string, to, cc []string) (*gallra.MailMessage, error) {
	return (&Mail{d: w.d}).Reply(ctx, staff, id, gallra.MailReply{Body: body, To: to, Cc: cc})
}

// Signature implements gallra.WorkspaceService.
func (w *Workspace) Signature(ctx context.Context, staff *gallra.Staff) (string, error) {
	if _, err := orgOf(staff); err != nil {
		return "", err
	}
	return w.d.DB.StaffSignature(ctx, staff.OrgID, staff.ID)
}

// SetSignature implements gallra.WorkspaceService.
func (w *Workspace) SetSignature(ctx context.Context, staff *gallra.Staff, signature string) error {
	if _, err := orgOf(staff); err != nil {
		return err
	}
	signature = strings.TrimSpace(strings.ReplaceAll(signature, "\r\n", "\n"))
	if err := gallra.ValidateText("signature", signature, false, gallra.MaxSignatureLen); err != nil {
		return err
	}
	return w.d.DB.SetStaffSignature(ctx, actor(staff), staff.OrgID, staff.ID, signature)
}
