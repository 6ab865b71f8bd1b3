package service

import (
	"context"
	"strconv"

	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/ratelimit"
)

// ChatLive implements gallra.ChatLiveService: the visitor's side by chat
// token, the agent console by permission, and the wake-ups through the
// ChatHub.
type ChatLive struct {
	d    Deps
	chat *Chat
	// msgLimit bounds messages per chat, sigLimit typing/seen signals per
	// chat and side: a flood is refused (messages) or dropped (signals).
	msgLimit, sigLimit *ratelimit.Keyed
}

var _ gallra.ChatLiveService = (*ChatLive)(nil)

// MaxChatEvents is the most events one read returns; a reader that is
// further behind reads again from the last one it got.
const MaxChatEvents = 200

func newChatLive(d Deps, chat *Chat) *ChatLive {
	return &ChatLive{d: d, chat: chat,
		msgLimit: ratelimit.New(rate.Limit(2), 10, 100000),
		sigLimit: ratelimit.New(rate.Limit(2), 4, 100000)}
}

// Hub returns the hub the service wakes readers through.
func (c *ChatLive) Hub() *ChatHub { return c.d.ChatHub }

func (c *ChatLive) visitorChat(ctx context.Context, a gallra.ChatVisitorAccess) (*gallra.ChatConversation, error) {
	if a.Token == "" {
		return nil, gallra.Errorf(gallra.EUNAUTHORIZED, "send the chat token")
	}
	return c.d.DB.ChatByAccess(ctx, a.ChatID, a.Token)
}

// WidgetInfo implements gallra.ChatLiveService.
func (c *ChatLive) WidgetInfo(ctx context.Context, channelID int64) (*gallra.ChatWidgetInfo, error) {
	ch, err := publicChannel(ctx, c.d, channelID, gallra.ModuleChat)
	if err != nil {
		return nil, err
	}
	org, err := c.d.DB.GetOrganisation(ctx, ch.OrgID)
	if err != nil {
		return nil, err
	}
	n, err := c.d.DB.AgentsOnline(ctx, ch.OrgID, ch.ID)
	if err != nil {
		return nil, err
	}
	return &gallra.ChatWidgetInfo{OrgID: ch.OrgID, ChannelID: ch.ID, ChannelName: ch.Name, OrgName: org.Name, Agents: n}, nil
}

// withoutIP drops the visitor's address unless the channel's organisation
// keeps them (ChatSettings.StoreIP).
func (c *ChatLive) withoutIP(ctx context.Context, in gallra.NewChat) (gallra.NewChat, *gallra.Channel, error) {
	ch, err := publicChannel(ctx, c.d, in.ChannelID, gallra.ModuleChat)
	if err != nil {
		return in, nil, err
	}
	if in.IP, err = keepIP(ctx, c.d, ch.OrgID, gallra.ModuleChat, in.IP); err != nil {
		return in, nil, err
	}
	return in, ch, nil
}

// Start implements gallra.ChatLiveService.
func (c *ChatLive) Start(ctx context.Context, in gallra.NewChat) (*gallra.ChatConversation, string, error) {
	in, _, err := c.withoutIP(ctx, in)
	if err != nil {
		return nil, "", err
	}
	chat, tok, err := c.chat.StartPublicChat(ctx, in)
	if err != nil {
		return nil, "", err
	}
	return chat, tok, nil
}

// Offline implements gallra.ChatLiveService.
func (c *ChatLive) Offline(ctx context.Context, in gallra.NewChat) (*gallra.ChatConversation, error) {
	in, ch, err := c.withoutIP(ctx, in)
	if err != nil {
		return nil, err
	}
	a := gallra.Author{Name: in.Name, Email: in.Email, IP: in.IP}
	if a.Name == "" {
		a.Name = "-"
	}
	if err := a.Validate(false); err != nil {
		return nil, err
	}
	if a.Name == "-" {
		a.Name = ""
	}
	in.Name, in.Email = a.Name, a.Email
	if err := gallra.ValidateText("message", in.Message, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	return c.d.DB.StartOfflineChat(ctx, ch.OrgID, in)
}

// VisitorMessage implements gallra.ChatLiveService.
func (c *ChatLive) VisitorMessage(ctx context.Context, a gallra.ChatVisitorAccess, body string) (*gallra.ChatEvent, error) {
	if a.Token == "" {
		return nil, gallra.Errorf(gallra.EUNAUTHORIZED, "send the chat token")
	}
	org, err := c.d.DB.ChatAccessOrg(ctx, a.ChatID, a.Token)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("message", body, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	if !c.msgLimit.Allow("v"+strconv.FormatInt(a.ChatID, 10), c.d.Clock.Now()) {
		return nil, gallra.Errorf(gallra.ERATELIMIT, "too many messages at once; wait a moment and send again")
	}
	ev, err := c.d.DB.AddChatMessage(ctx, org, a.ChatID, nil, body)
	if err != nil {
		return nil, err
	}
	c.d.ChatHub.publish(gallra.ChatSignal{ChatID: a.ChatID})
	return ev, nil
}

func checkSignal(kind gallra.ChatEventKind) error {
	if kind != gallra.ChatEventTyping && kind != gallra.ChatEventSeen {
		return gallra.Errorf(gallra.EINVALID, "signal must be typing or seen")
	}
	return nil
}

// VisitorSignal implements gallra.ChatLiveService. Signals over the rate
// are dropped silently (they are hints, not data).
func (c *ChatLive) VisitorSignal(ctx context.Context, a gallra.ChatVisitorAccess, kind gallra.ChatEventKind) error {
	if err := checkSignal(kind); err != nil {
		return err
	}
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return err
	}
	if chat.ClosedAt == nil && c.sigLimit.Allow("v"+strconv.FormatInt(chat.ID, 10), c.d.Clock.Now()) {
		c.d.ChatHub.signal(ctx, chat.OrgID, gallra.ChatSignal{ChatID: chat.ID, Kind: kind, Sender: gallra.SenderCustomer})
	}
	return nil
}

func limitOf(limit int) int {
	if limit <= 0 || limit > MaxChatEvents {
		return MaxChatEvents
	}
	return limit
}

func (c *ChatLive) events(ctx context.Context, orgID, chatID, after int64, limit int) (*gallra.ChatState, []gallra.ChatEvent, error) {
	if after < 0 {
		return nil, nil, gallra.Errorf(gallra.EINVALID, "after must be a sequence number of 0 or more")
	}
	return c.d.DB.ChatRead(ctx, orgID, chatID, after, limitOf(limit))
}

// VisitorEvents implements gallra.ChatLiveService.
func (c *ChatLive) VisitorEvents(ctx context.Context, a gallra.ChatVisitorAccess, after int64, limit int) (*gallra.ChatState, []gallra.ChatEvent, error) {
	if a.Token == "" {
		return nil, nil, gallra.Errorf(gallra.EUNAUTHORIZED, "send the chat token")
	}
	org, err := c.d.DB.ChatAccessOrg(ctx, a.ChatID, a.Token)
	if err != nil {
		return nil, nil, err
	}
	return c.events(ctx, org, a.ChatID, after, limit)
}

// VisitorSubscribe implements gallra.ChatLiveService.
func (c *ChatLive) VisitorSubscribe(ctx context.Context, a gallra.ChatVisitorAccess) (gallra.ChatSubscription, error) {
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return nil, err
	}
	return c.d.ChatHub.subscribe(chat.ID), nil
}

// VisitorTranscript implements gallra.ChatLiveService: every event, in
// pages of MaxChatEvents.
func (c *ChatLive) VisitorTranscript(ctx context.Context, a gallra.ChatVisitorAccess) (*gallra.ChatState, []gallra.ChatEvent, error) {
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	var all []gallra.ChatEvent
	var st *gallra.ChatState
	for after := int64(0); ; {
		s, evs, err := c.events(ctx, chat.OrgID, chat.ID, after, MaxChatEvents)
		if err != nil {
			return nil, nil, err
		}
		st = s
		all = append(all, evs...)
		if len(evs) < MaxChatEvents {
			return st, all, nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// VisitorDelete implements gallra.ChatLiveService.
func (c *ChatLive) VisitorDelete(ctx context.Context, a gallra.ChatVisitorAccess) error {
	chat, err := c.visitorChat(ctx, a)
	if err != nil {
		return err
	}
	if err := c.d.DB.DeleteChatNow(ctx, chat.OrgID, chat.ID); err != nil {
		return err
	}
	c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	return nil
}

// Queue implements gallra.ChatLiveService.
func (c *ChatLive) Queue(ctx context.Context, staff *gallra.Staff) ([]gallra.ChatQueueItem, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	chs, err := c.d.DB.ListChannels(ctx, org, gallra.ModuleChat)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, ch := range chs {
		if staff.Allowed(gallra.PermViewChannel, ch.ID) {
			ids = append(ids, ch.ID)
		}
	}
	return c.d.DB.ChatQueue(ctx, org, ids, 200)
}

// Accept implements gallra.ChatLiveService.
func (c *ChatLive) Accept(ctx context.Context, staff *gallra.Staff, chatID int64) (*gallra.ChatEvent, error) {
	chat, err := c.chat.chat(ctx, staff, gallra.PermWorkChannel, chatID)
	if err != nil {
		return nil, err
	}
	if err := c.d.DB.AcceptChat(ctx, chat.OrgID, chat.ID, staff.ID); err != nil {
		return nil, err
	}
	c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	return &gallra.ChatEvent{Kind: gallra.ChatEventJoined, Sender: gallra.SenderSystem, AgentName: staff.Name, At: c.d.Clock.Now()}, nil
}

// AgentMessage implements gallra.ChatLiveService.
func (c *ChatLive) AgentMessage(ctx context.Context, staff *gallra.Staff, chatID int64, body string) (*gallra.ChatEvent, error) {
	chat, err := c.chat.chat(ctx, staff, gallra.PermWorkChannel, chatID)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", body, true, gallra.MaxBodyLen); err != nil {
		return nil, err
	}
	ev, err := c.d.DB.AddChatMessage(ctx, chat.OrgID, chat.ID, &staff.ID, body)
	if err != nil {
		return nil, err
	}
	ev.AgentName = staff.Name
	c.d.ChatHub.publish(gallra.ChatSignal{ChatID: chat.ID})
	return ev, nil
}

// AgentSignal implements gallra.ChatLiveService.
func (c *ChatLive) AgentSignal(ctx context.Context, staff *gallra.Staff, chatID int64, kind gallra.ChatEventKind) error {
	if err := checkSignal(kind); err != nil {
		return err
	}
	chat, err := c.chat.chat(ctx, staff, gallra.PermWorkChannel, chatID)
	if err != nil {
		return err
	}
	if chat.ClosedAt == nil && c.sigLimit.Allow("a"+strconv.FormatInt(chat.ID, 10), c.d.Clock.Now()) {
		c.d.ChatHub.signal(ctx, chat.OrgID, gallra.ChatSignal{ChatID: chat.ID, Kind: kind, Sender: gallra.SenderStaff})
	}
	return nil
}

// AgentClose implements gallra.ChatLiveService.
func (c *ChatLive) AgentClose(ctx context.Context, staff *gallra.Staff, chatID int64) error {
	_, err := c.chat.Close(ctx, staff, chatID)
	return err
}

// AgentEvents implements gallra.ChatLiveService.
func (c *ChatLive) AgentEvents(ctx context.Context, staff *gallra.Staff, chatID int64, after int64, limit int) (*gallra.ChatState, []gallra.ChatEvent, error) {
	chat, err := c.chat.chat(ctx, staff, gallra.PermViewChannel, chatID)
	if err != nil {
		return nil, nil, err
	}
	return c.events(ctx, chat.OrgID, chat.ID, after, limit)
}

// AgentSubscribe implements gallra.ChatLiveService.
func (c *ChatLive) AgentSubscribe(ctx context.Context, staff *gallra.Staff, chatID int64) (gallra.ChatSubscription, error) {
	chat, err := c.chat.chat(ctx, staff, gallra.PermViewChannel, chatID)
	if err != nil {
		return nil, err
	}
	return c.d.ChatHub.subscribe(chat.ID), nil
}

// Heartbeat implements gallra.ChatLiveService.
func (c *ChatLive) Heartbeat(ctx context.Context, staff *gallra.Staff, status gallra.AgentStatus) error {
	org, err := orgOf(staff)
	if err != nil {
		return err
	}
	if status != gallra.AgentOnline && status != gallra.AgentAway {
		return gallra.Errorf(gallra.EINVALID, "status must be online or away")
	}
	return c.d.DB.ChatHeartbeat(ctx, org, staff.ID, status)
}

// Settings implements gallra.ChatLiveService.
func (c *ChatLive) Settings(ctx context.Context, staff *gallra.Staff) (*gallra.ChatSettings, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	return c.d.DB.ChatSettings(ctx, org)
}

// SetSettings implements gallra.ChatLiveService.
func (c *ChatLive) SetSettings(ctx context.Context, staff *gallra.Staff, s gallra.ChatSettings) (*gallra.ChatSettings, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	if err := c.d.DB.SetChatSettings(ctx, actor(staff), staff.OrgID, s); err != nil {
		return nil, err
	}
	return c.d.DB.ChatSettings(ctx, staff.OrgID)
}

var _ gallra.ChatLogExporter = (*ChatLive)(nil)

// chatLogBatch is how many chats the export reads at a time.
const chatLogBatch = 100

// ExportLog implements gallra.ChatLogExporter.
func (c *ChatLive) ExportLog(ctx context.Context, staff *gallra.Staff, f gallra.ChatLogFilter, fn func(gallra.ChatLogChat) error) error {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return err
	}
	ch, err := channelFor(ctx, c.d.DB, staff, gallra.PermViewChannel, f.ChannelID, gallra.ModuleChat)
	if err != nil {
		return err
	}
	if f.Format != "json" && f.Format != "csv" {
		return gallra.Errorf(gallra.EINVALID, "format must be json or csv")
	}
	if f.From.IsZero() || f.To.IsZero() || !f.From.Before(f.To) {
		return gallra.Errorf(gallra.EINVALID, "give a date range with from before to, e.g. from=2026-01-01&to=2026-02-01")
	}
	if err := c.d.DB.AuditChatExport(ctx, actor(staff), ch.OrgID, f); err != nil {
		return err
	}
	for after := int64(0); ; {
		batch, err := c.d.DB.ChatLogBatch(ctx, ch.OrgID, ch.ID, f.From, f.To, after, chatLogBatch)
		if err != nil {
			return err
		}
		// Each exported chat is a download of its person's data: recorded
		// before it is sent.
		ids := make([]int64, 0, len(batch))
		for _, chat := range batch {
			ids = append(ids, chat.ID)
		}
		if err := recordDownloads(ctx, c.d, staff, gallra.SubjectChatConversation, ids); err != nil {
			return err
		}
		for _, chat := range batch {
			if err := fn(chat); err != nil {
				return err
			}
		}
		if len(batch) < chatLogBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}
