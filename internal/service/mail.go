package service

import (
	"context"
	"io"
	"sync/atomic"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailin"
)

// Mail implements gallra.MailService.
type Mail struct {
	d    Deps
	loop atomic.Pointer[string] // the installation's mail loop token, once read
}

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

// Conversation implements gallra.MailService.
func (m *Mail) Conversation(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.MailConversation, error) {
	return m.conversation(ctx, staff, gallra.PermViewChannel, id)
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
	prepareJSON(&in, c.Address)
	return m.d.DB.IngestMail(ctx, c.OrgID, c.ID, in)
}

// AcceptRecipient implements gallra.MailService.
func (m *Mail) AcceptRecipient(ctx context.Context, rcpt string) error {
	inbox, _ := mailin.SplitAddress(rcpt)
	if gallra.ValidateEmail("recipient", inbox) != nil {
		return gallra.Errorf(gallra.ENOTFOUND, "no inbox has that address")
	}
	_, err := m.d.DB.MailInbox(ctx, inbox)
	return err
}

// Deliver implements gallra.MailService.
func (m *Mail) Deliver(ctx context.Context, rcpt string, raw io.Reader) (*gallra.MailMessage, error) {
	inbox, key := mailin.SplitAddress(rcpt)
	if gallra.ValidateEmail("recipient", inbox) != nil {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no inbox has that address")
	}
	ch, err := m.d.DB.MailInbox(ctx, inbox)
	if err != nil {
		return nil, err
	}
	// The receiver's limit applies to what it was sent; the headers it adds
	// on delivery (Return-Path) must not push a message over here.
	parsed, err := mailin.Parse(raw, mailin.MaxMessageBytes+64<<10, "")
	if err != nil {
		return nil, err
	}
	if parsed.Loop != "" {
		tok, err := m.loopToken(ctx)
		if err != nil {
			return nil, err
		}
		if parsed.Loop == tok {
			m.d.Log.Info("mail dropped: our own (loop header)", "channel_id", ch.ID)
			return nil, nil
		}
	}
	in := parsed.Mail
	if key != "" {
		in.ReplyKey = key // the plus address wins over a subject tag
	}
	msg, created, err := m.d.DB.DeliverMail(ctx, ch.OrgID, ch.ID, in)
	if err != nil {
		return nil, err
	}
	if created {
		m.d.Log.Debug("mail received", "channel_id", ch.ID, "conversation_id", msg.ConversationID, "message_id", msg.ID, "kind", in.Kind)
	}
	return msg, nil
}

// loopToken returns the installation's loop token, read once.
func (m *Mail) loopToken(ctx context.Context) (string, error) {
	if p := m.loop.Load(); p != nil {
		return *p, nil
	}
	tok, err := m.d.DB.MailLoopToken(ctx)
	if err != nil {
		return "", err
	}
	m.loop.Store(&tok)
	return tok, nil
}

// prepareJSON applies the intake rules of mailin to mail that arrives
// already parsed (the API's JSON ingest): the subject made one safe line,
// the reply key from a plus address of the inbox among the recipients or a
// subject tag, auto-replies recognised by sender and subject.
func prepareJSON(in *gallra.InboundMail, inboxAddr string) {
	in.Subject = mailin.CleanSubject(in.Subject)
	in.ReplyKey = mailin.SubjectKey(in.Subject)
	for _, to := range in.To {
		if base, key := mailin.SplitAddress(to); key != "" && base == gallra.NormalizeEmail(inboxAddr) {
			in.ReplyKey = key
			break
		}
	}
	mailin.Classify(in, nil)
}
