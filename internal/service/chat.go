package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Chat implements gallra.ChatService. Each page read is recorded in the
// access log (not shown when that fails).
type Chat struct{ d Deps }

var _ gallra.ChatService = (*Chat)(nil)

// ListChats implements gallra.ChatService.
func (c *Chat) ListChats(ctx context.Context, staff *gallra.Staff, channelID int64, status string, p gallra.Page) ([]gallra.ChatConversation, error) {
	ch, err := channelFor(ctx, c.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleChat)
	if err != nil {
		return nil, err
	}
	if status != "" && status != "open" && status != "closed" {
		return nil, gallra.Errorf(gallra.EINVALID, "status must be one of open, closed")
	}
	return c.d.DB.ListChats(ctx, ch.OrgID, ch.ID, status, p)
}

// chat loads a chat of the staff user's organisation (without its
// messages) and checks permission p on its channel.
func (c *Chat) chat(ctx context.Context, staff *gallra.Staff, p gallra.Permission, id int64) (*gallra.ChatConversation, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	chat, err := c.d.DB.ChatHead(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(p, chat.ChannelID); err != nil {
		return nil, err
	}
	return chat, nil
}

// Chat implements gallra.ChatService.
func (c *Chat) Chat(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (*gallra.ChatConversation, error) {
	chat, err := c.chat(ctx, staff, gallra.PermViewChannel, id)
	if err != nil {
		return nil, err
	}
	if err := validThreadPage(p); err != nil {
		return nil, err
	}
	page, err := c.d.DB.ChatPage(ctx, chat.OrgID, chat.ID, p)
	if err != nil {
		return nil, err
	}
	return page, recordRead(ctx, c.d, staff, gallra.SubjectChatConversation, chat.ID, gallra.AccessView, "")
}

// StaffMessage implements gallra.ChatService.
func (c *Chat) StaffMessage(ctx context.Context, staff *gallra.Staff, chatID int64, body string) (*gallra.ChatMessage, error) {
	chat, err := c.chat(ctx, staff, gallra.PermWorkChannel, chatID)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", body, true, gallra.MaxBodyLen); err != nil {
		return nil, err
	}
	m, err := c.d.DB.StaffChatMessage(ctx, chat.OrgID, chat.ID, staff.ID, body)
	if err == nil {
		c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	}
	return m, err
}

// Close implements gallra.ChatService.
func (c *Chat) Close(ctx context.Context, staff *gallra.Staff, chatID int64) (*gallra.ChatConversation, error) {
	chat, err := c.chat(ctx, staff, gallra.PermWorkChannel, chatID)
	if err != nil {
		return nil, err
	}
	out, err := c.d.DB.CloseChat(ctx, actor(staff), chat.OrgID, chat.ID)
	if err == nil {
		c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	}
	return out, err
}

// StartPublicChat implements gallra.ChatService.
func (c *Chat) StartPublicChat(ctx context.Context, in gallra.NewChat) (*gallra.ChatConversation, string, error) {
	ch, err := publicChannel(ctx, c.d, in.ChannelID, gallra.ModuleChat)
	if err != nil {
		return nil, "", err
	}
	a := gallra.Author{Name: in.Name, Email: in.Email, IP: in.IP}
	if a.Name == "" {
		a.Name = "-" // Validate requires a name; anonymous chats have none
	}
	if err := a.Validate(false); err != nil {
		return nil, "", err
	}
	if a.Name == "-" {
		a.Name = ""
	}
	in.Name, in.Email = a.Name, a.Email
	if in.IP, err = keepIP(ctx, c.d, ch.OrgID, gallra.ModuleChat, a.IP); err != nil {
		return nil, "", err
	}
	if err := gallra.ValidateText("message", in.Message, true, gallra.MaxPublicPostLen); err != nil {
		return nil, "", err
	}
	return c.d.DB.StartChat(ctx, ch.OrgID, in)
}

// PublicChat implements gallra.ChatService.
func (c *Chat) PublicChat(ctx context.Context, chatID int64, token string, p gallra.ThreadPage) (*gallra.ChatConversation, error) {
	chat, err := c.d.DB.ChatByAccess(ctx, chatID, token)
	if err != nil {
		return nil, err
	}
	if err := validThreadPage(p); err != nil {
		return nil, err
	}
	return c.d.DB.ChatPage(ctx, chat.OrgID, chat.ID, p)
}

// PublicMessage implements gallra.ChatService.
func (c *Chat) PublicMessage(ctx context.Context, chatID int64, token, body string) (*gallra.ChatMessage, error) {
	chat, err := c.d.DB.ChatByAccess(ctx, chatID, token)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("message", body, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	m, err := c.d.DB.CustomerChatMessage(ctx, chat.OrgID, chat.ID, token, body)
	if err == nil {
		c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	}
	return m, err
}
