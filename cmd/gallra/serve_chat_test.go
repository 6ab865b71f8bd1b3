package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestTwoServeProcessesShareChats runs `gallra serve` twice on one
// PostgreSQL database, as two processes behind a load balancer would be:
// the widget is served, a visitor's WebSocket on A gets the messages
// written through B, and after A stops the visitor
// reconnects to B from its last number and gets what it missed.
func TestTwoServeProcessesShareChats(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	const token = "gal_test-bootstrap-token-0123456789"
	start := func(name string, demo bool) (string, context.CancelFunc, chan int) {
		env, out, errb := testEnv(map[string]string{"GALLRA_BOOTSTRAP_TOKEN": token, "GALLRA_DATABASE_URL": url})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		args := []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"}
		if demo {
			args = append(args, "--demo")
		}
		go func() { done <- run(ctx, env, args) }()
		re := regexp.MustCompile(`listening on (http://[^/\s]+)/`)
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m[1], cancel, done
			}
		}
		cancel()
		t.Fatalf("serve %s did not start:\n%s\n%s", name, out.String(), errb.String())
		return "", nil, nil
	}
	stop := func(cancel context.CancelFunc, done chan int) {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}
	a, stopA, doneA := start("A", true)
	b, stopB, doneB := start("B", false)
	defer stop(stopB, doneB)
	stopped := false
	defer func() {
		if !stopped {
			stop(stopA, doneA)
		}
	}()

	// The demo's chat channel, from the API.
	req, _ := http.NewRequest("GET", a+"/api/v1/channels", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var chans struct {
		Items []struct {
			ID     int64  `json:"id"`
			Module string `json:"module"`
		} `json:"items"`
	}
	_ = json.NewDecoder(res.Body).Decode(&chans)
	res.Body.Close()
	var ch int64
	for _, c := range chans.Items {
		if c.Module == "chat" {
			ch = c.ID
		}
	}
	if ch == 0 {
		t.Fatalf("no chat channel in the demo: %+v", chans)
	}
	if res, err := http.Get(b + "/chat/widget.js"); err != nil || res.StatusCode != 200 || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("widget.js from B: %v %v", res, err)
	}

	post := func(base, path string, body any) map[string]any {
		t.Helper()
		raw, _ := json.Marshal(body)
		res, err := http.Post(base+path, "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	started := post(a, "/chat/api/start", map[string]any{"channel": ch, "message": "Hej från besökaren"})
	id, tok := int64(started["chat_id"].(float64)), started["token"].(string)

	dial := func(base string, after int64) *websocket.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/chat/ws/"+strconv.FormatInt(id, 10), nil)
		if err != nil {
			t.Fatal(err)
		}
		hello, _ := json.Marshal(chatlive.Hello{Type: "hello", Token: tok, After: after})
		if err := c.Write(ctx, websocket.MessageText, hello); err != nil {
			t.Fatal(err)
		}
		return c
	}
	last := int64(0)
	await := func(c *websocket.Conn, want func(chatlive.Frame) bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for {
			_, raw, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for a frame: %v", err)
			}
			var f chatlive.Frame
			_ = json.Unmarshal(raw, &f)
			if f.Type == "event" {
				if f.Event.Seq != last+1 {
					t.Fatalf("event %d after %d", f.Event.Seq, last)
				}
				last = f.Event.Seq
			}
			if want(f) {
				return
			}
		}
	}
	msg := func(s string) func(chatlive.Frame) bool {
		return func(f chatlive.Frame) bool { return f.Type == "event" && f.Event.Body == s }
	}
	ca := dial(a, 0)
	await(ca, msg("Hej från besökaren"))

	post(b, fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "Skrivet via B"})
	await(ca, msg("Skrivet via B"))
	post(b, fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "Och en till"})
	await(ca, msg("Och en till"))

	// A stops mid-chat; messages keep coming through B; the visitor
	// reconnects to B from its last number.
	ca.CloseNow()
	stop(stopA, doneA)
	stopped = true
	post(b, fmt.Sprintf("/chat/api/%d/messages", id), map[string]any{"token": tok, "message": "Medan A var nere"})
	cb := dial(b, last)
	defer cb.CloseNow()
	await(cb, msg("Medan A var nere"))
}
