package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Mail implements gallra.MailService.
type Mail struct{ d Deps }

var _ gallra.MailService = (*Mail)(nil)

// ListConversations implements gallra.MailService.
func (m *Mail) ListConversations(ctx context.Context, staff *gallra.Staff, channelID int64, p gallra.Page) ([]gallra.MailConversation, error) {
	c, err := channelFor(ctx, m.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleMail)
	if err != nil {
		return nil, err
	}
	return m.d.DB.ListMailConversations(ctx, c.OrgID, c.ID, p)
}

// conversation loads a conversation of the staff user's organisation and
// checks permission p on its channel.
func (m *Mail) conversation(ctx context.Context, staff *gallra.Staff, p gallra.Permission, id int64) (*gallra.MailConversation, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	c, err := m.d.DB.GetMailConversation(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(p, c.ChannelID); err != nil {
		return nil, err
	}
	return c, nil
}

// Conversation implements gallra.MailService. Reading a conversation is a
// read of personal data: it is recorded in the access log (staff, id,
// time), and not shown when that fails.
func (m *Mail) Conversation(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.MailConversation, error) {
	c, err := m.conversation(ctx, staff, gallra.PermViewChannel, id)
	if err != nil {
		return nil, err
	}
	return c, m.d.DB.RecordAccess(ctx, c.OrgID, staff.ID, gallra.SubjectMailConversation, c.ID)
}

// Reply implements gallra.MailService.
func (m *Mail) Reply(ctx context.Context, staff *gallra.Staff, conversationID int64, body string) (*gallra.MailMessage, error) {
	c, err := m.conversation(ctx, staff, gallra.PermWorkChannel, conversationID)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", body, true, gallra.MaxBodyLen); err != nil {
		return nil, err
	}
	ch, err := m.d.DB.GetChannel(ctx, c.OrgID, c.ChannelID)
	if err != nil {
		return nil, err
	}
	if ch.Address == "" {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "channel %d has no inbox address to reply from", ch.ID)
	}
	return m.d.DB.ReplyMail(ctx, actor(staff), c.OrgID, c.ID, staff, body, ch.Address)
}

// Attachment implements gallra.MailService.
func (m *Mail) Attachment(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.MailAttachment, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	ch, err := m.d.DB.AttachmentChannel(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermViewChannel, ch); err != nil {
		return nil, err
	}
	return m.d.DB.GetAttachment(ctx, org, id)
}

// Ingest implements gallra.MailService.
func (m *Mail) Ingest(ctx context.Context, staff *gallra.Staff, channelID int64, in gallra.InboundMail) (*gallra.MailMessage, error) {
	c, err := channelFor(ctx, m.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleMail)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return m.d.DB.IngestMail(ctx, c.OrgID, c.ID, in)
}
