package chatlive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// srv is one running chat server (one "gallra serve" process's chat side).
type srv struct {
	t    *testing.T
	db   *store.DB
	svc  *gallra.Services
	hub  *service.ChatHub
	http *httptest.Server
}

func newSrv(t *testing.T, db *store.DB, cfg service.ChatHubConfig) *srv {
	t.Helper()
	hub := service.NewChatHub(db, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	svc := service.New(service.Deps{DB: db, ChatHub: hub})
	h, err := chatlive.New(chatlive.Config{Service: svc.ChatLive, PollWait: 2 * time.Second,
		Notice: func(ctx context.Context, orgID, channelID int64, lang string) (string, error) {
			return "notice " + lang, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	s := &srv{t: t, db: db, svc: svc, hub: hub, http: httptest.NewServer(h)}
	t.Cleanup(s.http.Close)
	return s
}

func (s *srv) post(path string, body any) (int, map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(s.http.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func (s *srv) start(channel int64, msg string) (int64, string) {
	s.t.Helper()
	code, out := s.post("/chat/api/start", map[string]any{"channel": channel, "message": msg})
	if code != http.StatusCreated {
		s.t.Fatalf("start chat: %d %v", code, out)
	}
	return int64(out["chat_id"].(float64)), out["token"].(string)
}

// client is a visitor's WebSocket.
type client struct {
	t    *testing.T
	c    *websocket.Conn
	last int64
	seen []gallra.ChatEvent
}

func (s *srv) dial(id int64, token string, after int64) *client {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.http.URL, "http")+fmt.Sprintf("/chat/ws/%d", id), nil)
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	b, _ := json.Marshal(chatlive.Hello{Type: "hello", Token: token, After: after})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatal(err)
	}
	cl := &client{t: s.t, c: c, last: after}
	s.t.Cleanup(func() { c.CloseNow() })
	return cl
}

// next reads the next frame (within d).
func (cl *client) next(d time.Duration) (chatlive.Frame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := cl.c.Read(ctx)
	if err != nil {
		return chatlive.Frame{}, err
	}
	var f chatlive.Frame
	if err := json.Unmarshal(b, &f); err != nil {
		cl.t.Fatalf("frame %s: %v", b, err)
	}
	if f.Type == "event" {
		if f.Event.Seq != cl.last+1 {
			cl.t.Fatalf("event seq %d after %d: a gap or a repeat", f.Event.Seq, cl.last)
		}
		cl.last = f.Event.Seq
		cl.seen = append(cl.seen, *f.Event)
	}
	return f, nil
}

// waitEvent reads frames until an event with body (or kind) arrives.
func (cl *client) waitEvent(match func(gallra.ChatEvent) bool, d time.Duration) gallra.ChatEvent {
	cl.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		f, err := cl.next(time.Until(deadline))
		if err != nil {
			cl.t.Fatalf("waiting for an event: %v", err)
		}
		if f.Type == "event" && match(*f.Event) {
			return *f.Event
		}
	}
	cl.t.Fatalf("no matching event within %v (seen %d)", d, len(cl.seen))
	return gallra.ChatEvent{}
}

func body(s string) func(gallra.ChatEvent) bool {
	return func(e gallra.ChatEvent) bool { return e.Kind == gallra.ChatEventMessage && e.Body == s }
}

func TestWebSocketDeliveryAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		ch := fx.Channels[gallra.ModuleChat].ID
		id, tok := s.start(ch, "Hej, jag har en fråga")

		cl := s.dial(id, tok, 0)
		f, err := cl.next(5 * time.Second)
		if err != nil || f.Type != "state" || f.State.Position != 1 || f.State.Accepted {
			t.Fatalf("first frame = %+v, %v; want the state with queue position 1", f, err)
		}
		cl.waitEvent(body("Hej, jag har en fråga"), 5*time.Second)

		// The agent accepts and answers: joined, then the message.
		if _, err := s.svc.ChatLive.Accept(ctx, fx.Admin, id); err != nil {
			t.Fatal(err)
		}
		j := cl.waitEvent(func(e gallra.ChatEvent) bool { return e.Kind == gallra.ChatEventJoined }, 5*time.Second)
		if j.AgentName != fx.Admin.Name {
			t.Errorf("joined agent = %q, want %q", j.AgentName, fx.Admin.Name)
		}
		if _, err := s.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, "Hej! Vad gäller det?"); err != nil {
			t.Fatal(err)
		}
		cl.waitEvent(body("Hej! Vad gäller det?"), 5*time.Second)

		// Typing reaches the visitor, not stored.
		if err := s.svc.ChatLive.AgentSignal(ctx, fx.Admin, id, gallra.ChatEventTyping); err != nil {
			t.Fatal(err)
		}
		for {
			f, err := cl.next(5 * time.Second)
			if err != nil {
				t.Fatalf("typing: %v", err)
			}
			if f.Type == "typing" {
				if f.Sender != gallra.SenderStaff {
					t.Errorf("typing sender = %q", f.Sender)
				}
				break
			}
		}

		// Cut the connection; the agent writes twice meanwhile; a new
		// connection from the last number gets exactly the gap.
		last := cl.last
		cl.c.CloseNow()
		for _, m := range []string{"Första medan du var borta", "Andra medan du var borta"} {
			if _, err := s.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, m); err != nil {
				t.Fatal(err)
			}
		}
		cl2 := s.dial(id, tok, last)
		cl2.waitEvent(body("Första medan du var borta"), 5*time.Second)
		cl2.waitEvent(body("Andra medan du var borta"), 5*time.Second)
		if len(cl2.seen) != 2 {
			t.Errorf("replay gave %d events, want the 2 missed", len(cl2.seen))
		}

		// The visitor writes by POST; the stream shows it.
		code, out := s.post(fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "Tack!"})
		if code != http.StatusCreated {
			t.Fatalf("visitor message: %d %v", code, out)
		}
		cl2.waitEvent(body("Tack!"), 5*time.Second)

		// Closing: a closed event; writing afterwards is refused clearly.
		if err := s.svc.ChatLive.AgentClose(ctx, fx.Admin, id); err != nil {
			t.Fatal(err)
		}
		cl2.waitEvent(func(e gallra.ChatEvent) bool { return e.Kind == gallra.ChatEventClosed }, 5*time.Second)
		code, out = s.post(fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "En sak till"})
		if code != http.StatusUnprocessableEntity {
			t.Errorf("message to a closed chat: %d %v, want 422", code, out)
		}
	})
}

func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		ch := fx.Channels[gallra.ModuleChat].ID
		id, tok := s.start(ch, "Hej")
		id2, _ := s.start(ch, "Hej igen")

		// A token for another chat: an error frame, no events.
		cl := s.dial(id2, tok, 0)
		f, err := cl.next(5 * time.Second)
		if err != nil || f.Type != "error" || f.Code != gallra.ENOTFOUND {
			t.Errorf("other chat's token: %+v %v, want a not_found error frame", f, err)
		}
		// No hello at all but garbage: an error frame.
		c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.http.URL, "http")+fmt.Sprintf("/chat/ws/%d", id), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Write(context.Background(), websocket.MessageText, []byte("{not json"))
		cl = &client{t: t, c: c}
		if f, err := cl.next(5 * time.Second); err != nil || f.Type != "error" || f.Code != gallra.EINVALID {
			t.Errorf("bad hello: %+v %v", f, err)
		}
		// An oversize frame closes the connection with 1009.
		cl = s.dial(id, tok, 0)
		if _, err := cl.next(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		_ = cl.c.Write(context.Background(), websocket.MessageText, bytes.Repeat([]byte("x"), chatlive.MaxClientFrame+1))
		var closeErr error
		for closeErr == nil {
			_, closeErr = cl.next(5 * time.Second)
		}
		if websocket.CloseStatus(closeErr) != websocket.StatusMessageTooBig {
			t.Errorf("oversize frame: %v, want close 1009", closeErr)
		}
		// Wrong token on a POST, missing message, unknown field, flood.
		for _, tc := range []struct {
			name string
			path string
			body any
			want int
		}{
			{"wrong token", fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": "nope", "message": "x"}, 404},
			{"empty message", fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": " "}, 400},
			{"unknown field", fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "x", "admin": true}, 400},
			{"bad signal", fmt.Sprintf("/chat/api/%d/signal", id), map[string]any{"token": tok, "kind": "message"}, 400},
			{"unknown channel", "/chat/api/start", map[string]any{"channel": 999999, "message": "x"}, 404},
			{"forum channel", "/chat/api/start", map[string]any{"channel": fx.Channels[gallra.ModuleForum].ID, "message": "x"}, 404},
			{"bad e-mail", "/chat/api/start", map[string]any{"channel": ch, "message": "x", "email": "not-an-address"}, 400},
		} {
			if code, out := s.post(tc.path, tc.body); code != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.want)
			}
		}
		flooded := false
		for i := 0; i < 30; i++ {
			code, _ := s.post(fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": fmt.Sprintf("m%d", i)})
			if code == http.StatusTooManyRequests {
				flooded = true
				break
			}
			if code != http.StatusCreated {
				t.Fatalf("message %d: %d", i, code)
			}
		}
		if !flooded {
			t.Error("30 messages at once were all accepted; want the flood refused with 429")
		}
	})
}

func TestLongPoll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		id, tok := s.start(fx.Channels[gallra.ModuleChat].ID, "Hej")
		code, out := s.post(fmt.Sprintf("/chat/api/%d/poll", id), map[string]any{"token": tok, "after": 0})
		if code != 200 || len(out["events"].([]any)) != 1 {
			t.Fatalf("first poll: %d %v", code, out)
		}
		// A poll with nothing new waits; an agent's message answers it.
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, _ = s.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, "Svar")
		}()
		start := time.Now()
		code, out = s.post(fmt.Sprintf("/chat/api/%d/poll", id), map[string]any{"token": tok, "after": 1})
		evs, _ := out["events"].([]any)
		if code != 200 || len(evs) != 2 { // joined + message
			t.Fatalf("waiting poll: %d %v", code, out)
		}
		if time.Since(start) < 200*time.Millisecond {
			t.Errorf("the poll answered before the message was written")
		}
		// A poll with nothing happening ends empty after the wait.
		code, out = s.post(fmt.Sprintf("/chat/api/%d/poll", id), map[string]any{"token": tok, "after": 3})
		if evs, _ := out["events"].([]any); code != 200 || len(evs) != 0 {
			t.Errorf("idle poll: %d %v", code, out)
		}
	})
}

func itoa(id int64) string { return fmt.Sprint(id) }
