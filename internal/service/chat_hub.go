package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// ChatHub wakes the readers of live chats (WebSocket and long-poll
// streams) in this process. It carries no content: a wake-up makes the
// reader read the stored events after its last sequence number, so a lost
// wake-up delays a message but never loses it. Wake-ups come from this
// process's own writes, from PostgreSQL LISTEN/NOTIFY (other `gallra
// serve` processes on the same database) and from polling the chats'
// last sequence numbers, which catches anything a notification missed
// and is all an engine without NOTIFY has.
type ChatHub struct {
	db     *store.DB
	log    *slog.Logger
	origin string
	cfg    ChatHubConfig

	mu   sync.Mutex
	subs map[int64]map[*chatSub]struct{}
	seqs map[int64]int64 // last sequence number seen by the poller

	listening atomic.Bool
}

// ChatHubConfig configures a ChatHub; zero values take the defaults.
type ChatHubConfig struct {
	// Poll is how often the subscribed chats' sequence numbers are read
	// while no notification listener runs (default 1s); PollListening
	// while one does (default 5s): the catch-up for a missed notification.
	Poll, PollListening time.Duration
	// NoListen turns LISTEN/NOTIFY off (tests of the polling fallback).
	NoListen bool
	Log      *slog.Logger
}

// NewChatHub makes a hub on db. Call Run to start listening and polling;
// without Run it still wakes this process's own readers.
func NewChatHub(db *store.DB, cfg ChatHubConfig) *ChatHub {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.PollListening <= 0 {
		cfg.PollListening = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	origin := hex.EncodeToString(b)
	return &ChatHub{db: db.WithChatOrigin(origin), log: cfg.Log, origin: origin, cfg: cfg,
		subs: map[int64]map[*chatSub]struct{}{}, seqs: map[int64]int64{}}
}

// Listening reports whether the notification listener is connected.
func (h *ChatHub) Listening() bool { return h.listening.Load() }

// Run listens for notifications (PostgreSQL) and polls until ctx ends.
func (h *ChatHub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if !h.cfg.NoListen && h.db.Dialect() == store.Postgres {
		wg.Go(func() { h.listen(ctx) })
	}
	h.pollLoop(ctx)
	wg.Wait()
}

func (h *ChatHub) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.db.ListenChat(ctx, func() { h.listening.Store(true); backoff = 100 * time.Millisecond }, func(n store.ChatNotice) {
			if n.Origin == h.origin {
				return // this process woke its readers itself
			}
			h.publish(gallra.ChatSignal{ChatID: n.ChatID, Kind: n.Kind, Sender: n.Sender})
		})
		h.listening.Store(false)
		if ctx.Err() != nil || errors.Is(err, store.ErrNoNotify) {
			return
		}
		h.log.Warn("chat: notification listener lost; polling until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (h *ChatHub) pollLoop(ctx context.Context) {
	for {
		every := h.cfg.Poll
		if h.listening.Load() {
			every = h.cfg.PollListening
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		if err := h.pollOnce(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("chat: poll failed", "err", err)
		}
	}
}

// pollOnce reads the last sequence numbers of the subscribed chats and
// wakes the readers of those that moved (or went away).
func (h *ChatHub) pollOnce(ctx context.Context) error {
	h.mu.Lock()
	ids := make([]int64, 0, len(h.subs))
	for id := range h.subs {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		seqs, err := h.db.ChatLastSeqs(ctx, batch)
		if err != nil {
			return err
		}
		var wake []int64
		h.mu.Lock()
		for _, id := range batch {
			seq, ok := seqs[id]
			if prev, known := h.seqs[id]; !ok || !known || seq > prev {
				wake = append(wake, id)
			}
			if ok {
				h.seqs[id] = seq
			}
		}
		h.mu.Unlock()
		for _, id := range wake {
			h.publish(gallra.ChatSignal{ChatID: id})
		}
	}
	return nil
}

// signal wakes this process's readers of a chat and, for passing signals,
// tells the other processes (stored events notify in their own
// transaction).
func (h *ChatHub) signal(ctx context.Context, orgID int64, s gallra.ChatSignal) {
	h.publish(s)
	if s.Kind == gallra.ChatEventTyping || s.Kind == gallra.ChatEventSeen {
		if err := h.db.NotifyChat(ctx, store.ChatNotice{Kind: s.Kind, OrgID: orgID, ChatID: s.ChatID, Sender: s.Sender}); err != nil {
			h.log.Warn("chat: notify signal", "chat_id", s.ChatID, "err", err)
		}
	}
}

// publish delivers s to the chat's subscribers without blocking: a full
// subscriber drops its oldest signal to make room (wake-ups carry no data).
func (h *ChatHub) publish(s gallra.ChatSignal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[s.ChatID] {
		select {
		case sub.ch <- s:
			continue
		default:
		}
		select {
		case <-sub.ch:
		default:
		}
		select {
		case sub.ch <- s:
		default:
		}
	}
}

// Subscribers counts this process's subscriptions (for benchmarks).
func (h *ChatHub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

func (h *ChatHub) subscribe(chatID int64) *chatSub {
	s := &chatSub{hub: h, chatID: chatID, ch: make(chan gallra.ChatSignal, 8)}
	h.mu.Lock()
	m := h.subs[chatID]
	if m == nil {
		m = map[*chatSub]struct{}{}
		h.subs[chatID] = m
	}
	m[s] = struct{}{}
	h.mu.Unlock()
	return s
}

type chatSub struct {
	hub    *ChatHub
	chatID int64
	ch     chan gallra.ChatSignal
	once   sync.Once
}

func (s *chatSub) Signals() <-chan gallra.ChatSignal { return s.ch }

func (s *chatSub) Close() {
	s.once.Do(func() {
		h := s.hub
		h.mu.Lock()
		defer h.mu.Unlock()
		if m := h.subs[s.chatID]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.subs, s.chatID)
				delete(h.seqs, s.chatID)
			}
		}
	})
}
