package service

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailin"
	"github.com/gallra/gallra/internal/store"
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

// conversation loads a conversation of the staff user's organisation
// (without its messages) and checks permission p on its channel.
func (m *Mail) conversation(ctx context.Context, staff *gallra.Staff, p gallra.Permission, id int64) (*gallra.MailConversation, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	c, err := m.d.DB.MailConversationHead(ctx, org, id)
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
func (m *Mail) Conversation(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (*gallra.MailConversation, error) {
	c, err := m.conversation(ctx, staff, gallra.PermViewChannel, id)
	if err != nil {
		return nil, err
	}
	if err := validThreadPage(p); err != nil {
		return nil, err
	}
	page, err := m.d.DB.MailConversationPage(ctx, c.OrgID, c.ID, p)
	if err != nil {
		return nil, err
	}
	return page, m.d.DB.RecordAccess(ctx, c.OrgID, staff.ID, gallra.SubjectMailConversation, c.ID)
}

// Reply implements gallra.MailService: the reply is recorded and queued
// for delivery in one transaction, with a Message-ID of ours at the inbox's
// domain.
func (m *Mail) Reply(ctx context.Context, staff *gallra.Staff, conversationID int64, in gallra.MailReply) (*gallra.MailMessage, error) {
	c, err := m.conversation(ctx, staff, gallra.PermWorkChannel, conversationID)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	ch, err := m.d.DB.GetChannel(ctx, c.OrgID, c.ChannelID)
	if err != nil {
		return nil, err
	}
	if ch.Address == "" {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "channel %d has no inbox address to reply from", ch.ID)
	}
	msgID, err := newMessageID(ch.Address)
	if err != nil {
		return nil, err
	}
	return m.d.DB.ReplyMail(ctx, actor(staff), c.OrgID, c.ID, staff, store.OutboundReply{
		Body: in.Body, To: in.To, Cc: in.Cc, FromAddr: ch.Address, MessageID: msgID, Queue: true})
}

// Attachment implements gallra.MailService. The download is recorded in
// the access log as a download from its conversation.
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
	a, err := m.d.DB.GetAttachment(ctx, org, id)
	if err != nil {
		return nil, err
	}
	conv, err := m.d.DB.MessageConversation(ctx, org, a.MessageID)
	if err != nil {
		return nil, err
	}
	return a, recordRead(ctx, m.d, staff, gallra.SubjectMailConversation, conv, gallra.AccessDownload, "")
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
	return m.deliver(ctx, ch.OrgID, ch.ID, key, raw)
}

// deliverToChannel takes a raw message fetched over IMAP into the inbox
// (whose address, if it has one, the message need not name): the same
// intake as Deliver.
func (m *Mail) deliverToChannel(ctx context.Context, orgID, channelID int64, raw []byte) error {
	_, err := m.deliver(ctx, orgID, channelID, "", bytes.NewReader(raw))
	return err
}

// deliver parses a raw message and stores it in the inbox, threading by key
// (the plus address) when given: the one intake of SMTP, LMTP and IMAP.
func (m *Mail) deliver(ctx context.Context, orgID, channelID int64, key string, raw io.Reader) (*gallra.MailMessage, error) {
	// The receiver's limit applies to what it was sent; the headers it adds
	// on delivery (Return-Path) must not push a message over here.
	parsed, err := mailin.Parse(raw, mailin.MaxMessageBytes+64<<10, "")
	if err != nil {
		return nil, err
	}
	if parsed.Loop != "" {
		own, err := m.ownLoop(ctx, parsed.Loop)
		if err != nil {
			return nil, err
		}
		if own {
			m.d.Log.Info("mail dropped: our own (loop header)", "channel_id", channelID)
			return nil, nil
		}
	}
	in := parsed.Mail
	if key != "" {
		in.ReplyKey = key // the plus address wins over a subject tag
	}
	msg, created, err := m.d.DB.DeliverMail(ctx, orgID, channelID, in)
	if err != nil {
		return nil, err
	}
	if created {
		m.d.Log.Debug("mail received", "channel_id", channelID, "conversation_id", msg.ConversationID, "message_id", msg.ID, "kind", in.Kind)
	}
	return msg, nil
}

// ownLoop reports whether a loop header's value marks mail this
// installation sent: the sending inbox's address (what the outbox puts
// there: another Gallra installation's inboxes are not ours, so its mail is
// kept) or the installation's loop token.
func (m *Mail) ownLoop(ctx context.Context, value string) (bool, error) {
	tok, err := m.loopToken(ctx)
	if err != nil {
		return false, err
	}
	if value == tok {
		return true, nil
	}
	if gallra.ValidateEmail("loop", value) != nil {
		return false, nil
	}
	_, err = m.d.DB.FindMailChannel(ctx, value)
	switch gallra.ErrorCode(err) {
	case "":
		return true, nil
	case gallra.ENOTFOUND:
		return false, nil
	}
	return false, err
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
