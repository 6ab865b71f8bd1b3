package gallra

import (
	"context"
	"time"
)

// ChatEventKind tells what a line of a live chat is.
type ChatEventKind string

// Kinds of chat events. Messages, an agent joining and the chat closing are
// stored with a sequence number; typing and seen are passing signals that
// are never stored or replayed.
const (
	ChatEventMessage ChatEventKind = "message"
	ChatEventJoined  ChatEventKind = "joined"
	ChatEventClosed  ChatEventKind = "closed"
	ChatEventTyping  ChatEventKind = "typing"
	ChatEventSeen    ChatEventKind = "seen"
)

// ChatEvent is one stored line of a chat with its per-conversation sequence
// number (1, 2, 3, … without gaps while the chat exists).
type ChatEvent struct {
	Seq    int64         `json:"seq"`
	Kind   ChatEventKind `json:"kind"`
	Sender ChatSender    `json:"sender"`
	// AgentName is the display name of the staff member who wrote or
	// joined (empty for the visitor and the system).
	AgentName string    `json:"agent_name,omitempty"`
	Body      string    `json:"body,omitempty"`
	At        time.Time `json:"at"`
	// File is the file a message carries (its Body is the file name).
	File *ChatFile `json:"file,omitempty"`
}

// ChatFile is a file sent in a chat: type sniffed from the content, images
// re-encoded without metadata (EXIF, GPS).
type ChatFile struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Content     []byte `json:"-"`
}

// ChatState is what a chat's participants see besides its lines: closed,
// accepted by an agent, its place in the queue (1 = next; 0 when accepted
// or closed) and how many agents are online for it.
type ChatState struct {
	ChatID    int64 `json:"chat_id"`
	LastSeq   int64 `json:"last_seq"`
	Closed    bool  `json:"closed"`
	Accepted  bool  `json:"accepted"`
	Position  int   `json:"position"`
	Agents    int   `json:"agents"`
	ChannelID int64 `json:"channel_id"`
}

// ChatSignal wakes a reader of a chat: a stored event may be waiting
// (Kind "" : read after the last sequence number), or a passing signal
// (typing, seen) from Sender.
type ChatSignal struct {
	ChatID int64         `json:"chat_id"`
	Kind   ChatEventKind `json:"kind,omitempty"`
	Sender ChatSender    `json:"sender,omitempty"`
}

// ChatSubscription delivers the signals of one chat until closed. Signals
// are wake-ups, not data: a slow reader may miss some and reads the stored
// events by sequence number; the channel never blocks the sender.
type ChatSubscription interface {
	Signals() <-chan ChatSignal
	Close()
}

// ChatQueueItem is a chat as the agent console lists it.
type ChatQueueItem struct {
	ID              int64      `json:"id"`
	ChannelID       int64      `json:"channel_id"`
	ChannelName     string     `json:"channel_name"`
	ParticipantName string     `json:"participant_name"`
	OpenedAt        time.Time  `json:"opened_at"`
	LastMessageAt   time.Time  `json:"last_message_at"`
	AcceptedBy      *int64     `json:"accepted_by,omitempty"`
	AcceptedName    string     `json:"accepted_name,omitempty"`
	AcceptedAt      *time.Time `json:"accepted_at,omitempty"`
	Offline         bool       `json:"offline"`
	Preview         string     `json:"preview"`
}

// AgentStatus is an agent's chat availability.
type AgentStatus string

// Agent availabilities. An agent counts as online while their console sends
// heartbeats (see AgentHeartbeatTTL).
const (
	AgentOnline AgentStatus = "online"
	AgentAway   AgentStatus = "away"
)

// AgentHeartbeatTTL is how long one heartbeat keeps an agent online.
const AgentHeartbeatTTL = 60 * time.Second

// ChatSettings are an organisation's chat privacy settings.
type ChatSettings struct {
	// StoreIP keeps the visitor's IP address with a chat (off by default:
	// no address is stored).
	StoreIP bool `json:"store_ip"`
}

// ChatWidgetInfo is what the chat widget shows before anything is stored.
type ChatWidgetInfo struct {
	OrgID       int64  `json:"-"`
	ChannelID   int64  `json:"channel_id"`
	ChannelName string `json:"channel_name"`
	OrgName     string `json:"org_name"`
	Agents      int    `json:"agents"`
}

// ChatVisitorAccess names one chat and its visitor's token.
type ChatVisitorAccess struct {
	ChatID int64
	Token  string
}

// ChatLiveService runs live chats: the visitor's widget (by token), the
// agent console (by staff permission), the stream of events and the
// organisation's chat settings. Every rule (who may read or write which
// chat, rate of passing signals, IP storage) is here, whatever the
// transport (WebSocket, long-poll, form).
type ChatLiveService interface {
	// WidgetInfo describes a public chat channel for the widget; nothing is
	// stored.
	WidgetInfo(ctx context.Context, channelID int64) (*ChatWidgetInfo, error)
	// Start opens a chat for a visitor (IP kept only when the organisation
	// turned it on) and returns its token; the chat enters the queue.
	Start(ctx context.Context, in NewChat) (*ChatConversation, string, error)
	// Offline leaves a message while no agent is online: an open chat
	// flagged offline that agents see later.
	Offline(ctx context.Context, in NewChat) (*ChatConversation, error)
	// VisitorMessage writes the visitor's message (EUNPROCESS when closed).
	VisitorMessage(ctx context.Context, a ChatVisitorAccess, body string) (*ChatEvent, error)
	// VisitorSignal passes a typing or seen signal to the agents.
	VisitorSignal(ctx context.Context, a ChatVisitorAccess, kind ChatEventKind) error
	// VisitorEvents returns the chat's state and up to limit events after
	// seq, in order.
	VisitorEvents(ctx context.Context, a ChatVisitorAccess, after int64, limit int) (*ChatState, []ChatEvent, error)
	// VisitorSubscribe subscribes to the chat's signals.
	VisitorSubscribe(ctx context.Context, a ChatVisitorAccess) (ChatSubscription, error)
	// VisitorTranscript returns the whole chat for download.
	VisitorTranscript(ctx context.Context, a ChatVisitorAccess) (*ChatState, []ChatEvent, error)
	// VisitorDelete deletes the chat for good at once: audited without
	// content and counted in the statistics; refused under a legal hold.
	VisitorDelete(ctx context.Context, a ChatVisitorAccess) error
	// Queue lists the open chats of the channels the agent may view:
	// waiting ones in queue order first, then accepted ones.
	Queue(ctx context.Context, staff *Staff) ([]ChatQueueItem, error)
	// Accept takes a waiting chat (PermWorkChannel); accepting a chat
	// another agent has is EUNPROCESS.
	Accept(ctx context.Context, staff *Staff, chatID int64) (*ChatEvent, error)
	// AgentMessage writes an agent's message.
	AgentMessage(ctx context.Context, staff *Staff, chatID int64, body string) (*ChatEvent, error)
	// AgentSignal passes an agent's typing or seen signal to the visitor.
	AgentSignal(ctx context.Context, staff *Staff, chatID int64, kind ChatEventKind) error
	// AgentClose closes a chat (a "closed" event is added).
	AgentClose(ctx context.Context, staff *Staff, chatID int64) error
	// AgentEvents returns a chat's state and events after seq.
	AgentEvents(ctx context.Context, staff *Staff, chatID int64, after int64, limit int) (*ChatState, []ChatEvent, error)
	// AgentSubscribe subscribes to a chat's signals.
	AgentSubscribe(ctx context.Context, staff *Staff, chatID int64) (ChatSubscription, error)
	// Heartbeat records the agent's availability; returns the queue.
	Heartbeat(ctx context.Context, staff *Staff, status AgentStatus) error
	// Settings returns the organisation's chat settings.
	Settings(ctx context.Context, staff *Staff) (*ChatSettings, error)
	// SetSettings changes them (PermManageOrganisation); audited.
	SetSettings(ctx context.Context, staff *Staff, s ChatSettings) (*ChatSettings, error)
	ChatLogExporter
	// VisitorUpload sends a file in the visitor's chat (size and type
	// limits; type from the content; images re-encoded).
	VisitorUpload(ctx context.Context, a ChatVisitorAccess, filename string, data []byte) (*ChatEvent, error)
	// VisitorFile returns a file of the visitor's chat.
	VisitorFile(ctx context.Context, a ChatVisitorAccess, fileID int64) (*ChatFile, error)
	// AgentFile returns a file of a chat the agent may view.
	AgentFile(ctx context.Context, staff *Staff, chatID, fileID int64) (*ChatFile, error)
}

// ChatLogFilter selects the chats of one chat channel opened in [From, To)
// for the organisation's chat-log export.
type ChatLogFilter struct {
	ChannelID int64
	From, To  time.Time
	// Format is "json" or "csv" (recorded in the audit entry).
	Format string
}

// ChatLogChat is one chat of the export with all its lines.
type ChatLogChat struct {
	ID               int64       `json:"id"`
	OpenedAt         time.Time   `json:"opened_at"`
	ClosedAt         *time.Time  `json:"closed_at"`
	ParticipantName  string      `json:"participant_name"`
	ParticipantEmail string      `json:"participant_email"`
	Offline          bool        `json:"offline"`
	Lines            []ChatEvent `json:"lines"`
}

// ChatLogExporter exports a chat channel's logs to the organisation's own
// systems (internal/service's ChatLive implements it).
type ChatLogExporter interface {
	// ExportLog calls fn with each chat of the filter, oldest id first, a
	// batch at a time (never the whole channel in memory); it needs
	// PermManageChannels and is audited before the first chat is read.
	// Chats already purged are not there: export before the purge takes
	// them.
	ExportLog(ctx context.Context, staff *Staff, f ChatLogFilter, fn func(ChatLogChat) error) error
}
