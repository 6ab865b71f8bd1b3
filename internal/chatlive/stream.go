package chatlive

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
)

// Source is one participant's view of one chat for a stream: the visitor's
// by token, an agent's by permission. Every rule is the service's.
type Source struct {
	// Self is the side reading; its own passing signals are not echoed.
	Self gallra.ChatSender
	// Events reads the state and the events after a sequence number.
	Events func(ctx context.Context, after int64) (*gallra.ChatState, []gallra.ChatEvent, error)
	// Subscribe subscribes to the chat's wake-ups.
	Subscribe func(ctx context.Context) (gallra.ChatSubscription, error)
	// Signal passes a typing or seen signal from Self.
	Signal func(ctx context.Context, kind gallra.ChatEventKind) error
}

// Frame is one WebSocket or long-poll message from the server.
type Frame struct {
	Type    string            `json:"type"` // "state", "event", "typing", "seen", "error"
	State   *gallra.ChatState `json:"state,omitempty"`
	Event   *gallra.ChatEvent `json:"event,omitempty"`
	Sender  gallra.ChatSender `json:"sender,omitempty"`
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
}

// Hello is the first message a WebSocket client sends: its chat token
// (visitors; never in the URL, which proxies log) and the last sequence
// number it has, so the server replays what came after.
type Hello struct {
	Type  string `json:"type"`
	Token string `json:"token,omitempty"`
	After int64  `json:"after"`
}

// clientFrame is any later client message: a passing signal.
type clientFrame struct {
	Type string `json:"type"` // "typing", "seen", "ping"
}

// Limits of a stream.
const (
	// MaxClientFrame is the largest client message accepted; bigger ones
	// close the connection (status 1009).
	MaxClientFrame = 4096
	// HelloTimeout is how long a new connection may take to say hello.
	HelloTimeout = 10 * time.Second
	// StateEvery refreshes a waiting chat's state (queue position, agents
	// online) without a wake-up.
	StateEvery   = 10 * time.Second
	writeTimeout = 10 * time.Second
)

// ServeWS upgrades the request to a WebSocket, reads the hello, asks open
// for the participant's Source and streams: the events after the hello's
// number, then every new event as it is stored, the state when it changes
// and the other side's typing. A wrong token closes with an error frame.
func ServeWS(w http.ResponseWriter, r *http.Request, log *slog.Logger, open func(ctx context.Context, h Hello) (Source, error)) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept wrote the response
	}
	defer c.CloseNow()
	c.SetReadLimit(MaxClientFrame)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	hctx, hcancel := context.WithTimeout(ctx, HelloTimeout)
	var h Hello
	_, data, err := c.Read(hctx)
	hcancel()
	if err != nil {
		return
	}
	if err := json.Unmarshal(data, &h); err != nil || h.Type != "hello" || h.After < 0 {
		writeFrame(ctx, c, Frame{Type: "error", Code: gallra.EINVALID, Message: "the first message must be {\"type\":\"hello\",\"token\":…,\"after\":N}"})
		c.Close(websocket.StatusPolicyViolation, "bad hello")
		return
	}
	src, err := open(ctx, h)
	if err != nil {
		writeFrame(ctx, c, errFrame(err))
		c.Close(websocket.StatusPolicyViolation, gallra.ErrorCode(err))
		return
	}
	sub, err := src.Subscribe(ctx)
	if err != nil {
		writeFrame(ctx, c, errFrame(err))
		c.Close(websocket.StatusPolicyViolation, gallra.ErrorCode(err))
		return
	}
	defer sub.Close()

	// Reader: passing signals; any error (or an oversize frame) ends the
	// stream.
	go func() {
		defer cancel()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			var f clientFrame
			if json.Unmarshal(data, &f) != nil {
				continue
			}
			if f.Type == string(gallra.ChatEventTyping) || f.Type == string(gallra.ChatEventSeen) {
				_ = src.Signal(ctx, gallra.ChatEventKind(f.Type))
			}
		}
	}()

	err = pump(ctx, src, sub, h.After, func(f Frame) error { return writeFrame(ctx, c, f) })
	if err != nil && ctx.Err() == nil {
		if code := gallra.ErrorCode(err); code != gallra.EINTERNAL {
			_ = writeFrame(ctx, c, errFrame(err))
			c.Close(websocket.StatusNormalClosure, code)
			return
		}
		log.Warn("chat: stream failed", "err", err)
		c.Close(websocket.StatusInternalError, "internal error")
		return
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// pump sends the state and the events after `after`, then follows the
// chat until ctx ends or a read fails (the chat was deleted: ENOTFOUND).
func pump(ctx context.Context, src Source, sub gallra.ChatSubscription, after int64, send func(Frame) error) error {
	var last gallra.ChatState
	first := true
	catchUp := func() error {
		for {
			st, evs, err := src.Events(ctx, after)
			if err != nil {
				return err
			}
			if first || *st != last {
				first = false
				last = *st
				if err := send(Frame{Type: "state", State: st}); err != nil {
					return err
				}
			}
			for i := range evs {
				if err := send(Frame{Type: "event", Event: &evs[i]}); err != nil {
					return err
				}
				after = evs[i].Seq
			}
			if len(evs) < 200 {
				return nil
			}
		}
	}
	if err := catchUp(); err != nil {
		return err
	}
	// Timers are spread out: streams opened together (a reconnect storm)
	// must not all refresh in the same instant.
	jitter := func() time.Duration { return StateEvery/2 + rand.N(StateEvery) }
	t := time.NewTimer(jitter())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sub.Signals():
			if s.Kind == gallra.ChatEventTyping || s.Kind == gallra.ChatEventSeen {
				if s.Sender != src.Self {
					if err := send(Frame{Type: string(s.Kind), Sender: s.Sender}); err != nil {
						return err
					}
				}
				continue
			}
			if err := catchUp(); err != nil {
				return err
			}
		case <-t.C:
			t.Reset(jitter())
			// Only a waiting chat's state moves without an event of its
			// own (its place in the queue, agents coming and going).
			if last.Accepted || last.Closed {
				continue
			}
			if err := catchUp(); err != nil {
				return err
			}
		}
	}
}

func writeFrame(ctx context.Context, c *websocket.Conn, f Frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return c.Write(wctx, websocket.MessageText, b)
}

func errFrame(err error) Frame {
	return Frame{Type: "error", Code: gallra.ErrorCode(err), Message: gallra.ErrorMessage(err)}
}

// PollResult is the answer of a long-poll: the state, the events after the
// client's number and the other side's passing signals meanwhile.
type PollResult struct {
	State  *gallra.ChatState  `json:"state"`
	Events []gallra.ChatEvent `json:"events"`
	Typing gallra.ChatSender  `json:"typing,omitempty"`
}

// Poll answers a long-poll: at once when events after `after` exist, else
// when one arrives or the other side types, else after wait.
func Poll(ctx context.Context, src Source, after int64, wait time.Duration) (*PollResult, error) {
	sub, err := src.Subscribe(ctx)
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	t := time.NewTimer(wait)
	defer t.Stop()
	var typing gallra.ChatSender
	for {
		st, evs, err := src.Events(ctx, after)
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 || typing != "" {
			return &PollResult{State: st, Events: evs, Typing: typing}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return &PollResult{State: st, Events: evs}, nil
		case s := <-sub.Signals():
			if s.Kind == gallra.ChatEventTyping && s.Sender != src.Self {
				typing = s.Sender
			}
		}
	}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a coded error as JSON {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	code := gallra.ErrorCode(err)
	if code == gallra.EINTERNAL && !errors.Is(err, context.Canceled) {
		log.Error("chat: request failed", "err", err)
	}
	writeJSON(w, httpstatus.Code(code), map[string]any{"error": map[string]string{"code": code, "message": gallra.ErrorMessage(err)}})
}
