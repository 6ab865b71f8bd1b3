package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/web"
)

// chatServer is Gallra as serve composes it (API, UI and the chat under
// /chat/) with a log of the requests it got and whether it ever set a
// cookie on a chat path.
type chatServer struct {
	*httptest.Server
	mu         sync.Mutex
	requests   []string
	chatCookie bool
}

func (s *chatServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func newChatServer(t *testing.T, e *env) *chatServer {
	t.Helper()
	api, err := httpapi.New(httpapi.Config{Services: e.svc, Takeout: e.tk, Detectors: orgpii.New(e.db), Clock: e.clock, PolicyText: e.ret.PublicPolicyText})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Config{Services: e.svc, Clock: e.clock, Retention: e.ret, Requests: e.tk})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := chatlive.New(chatlive.Config{Service: e.svc.ChatLive, Clock: e.clock, Notice: e.ret.ChannelPolicyText, PollWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := &chatServer{}
	root := web.WithChat(web.Compose(api.Handler(), ui), ch)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		root.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/chat/") && w.Header().Get("Set-Cookie") != "" {
			s.mu.Lock()
			s.chatCookie = true
			s.mu.Unlock()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// hostPage serves an organisation's page embedding the widget, on another
// origin (localhost, while Gallra is 127.0.0.1).
func hostPage(t *testing.T, gallraURL string, channel int64) string {
	t.Helper()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := r.URL.Query().Get("lang")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Kommunen</title></head>
<body style="font-family:sans-serif;margin:2rem"><main><h1>Kommunens webbplats</h1><p>Välkommen till kommunen. Har du frågor? Chatta med oss.</p></main>
<script src="%s/chat/widget.js" data-channel="%d" data-lang="%s" async></script></body></html>`, lang, gallraURL, channel, lang)
	}))
	t.Cleanup(h.Close)
	return strings.Replace(h.URL, "127.0.0.1", "localhost", 1)
}

func evalStr(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

// waitJS waits until js evaluates to true.
func waitJS(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after 15s: %s (%v)", what, js, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserChat: a host page on another origin embeds the widget; before
// the click nothing of Gallra is stored and nothing but widget.js is
// requested; the visitor and an agent (two browser contexts) chat both
// ways; the visitor's connection is cut, the agent writes meanwhile, and
// the gap is refilled in order; the visitor deletes the chat and no row is
// left. Screenshots: widget (sv, en, 390 px) and console (sv, en).
func TestBrowserChat(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		g := newChatServer(t, e)
		chID := e.fx.Channels[gallra.ModuleChat].ID
		host := hostPage(t, g.URL, chID)
		shot := string(db.Dialect()) + "-chat"

		// The agent signs in and opens the console: online.
		agent := &page{t: t, ctx: tab(t, bctx), base: g.URL, shot: shot}
		agent.open("/login")
		agent.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		agent.submit(`main button[type="submit"]`)
		agent.open("/workspace/chats")
		agent.want("console", "Chatt", "Din tillgänglighet", "Ingen väntar.")
		waitOnline(t, e, chID)

		// The visitor's page: the button, and nothing else.
		seen := len(g.log())
		visitor := &page{t: t, ctx: tab(t, bctx), base: host, shot: shot}
		visitor.do("host page", chromedp.Navigate(host+"/?lang=sv"), chromedp.WaitVisible(chromedp.CSS("#gallra-chat-button")))
		time.Sleep(300 * time.Millisecond)
		if got := evalStr(t, visitor.ctx, `document.cookie + "|" + localStorage.length + "|" + sessionStorage.length`); got != "|0|0" {
			t.Errorf("before the click: cookie|localStorage|sessionStorage = %q, want empty", got)
		}
		if got := evalStr(t, visitor.ctx, `performance.getEntriesByType("resource").map(e => e.name).filter(n => n.startsWith(`+"`"+g.URL+"`"+`)).join(",")`); got != g.URL+"/chat/widget.js" {
			t.Errorf("before the click the page requested from Gallra: %q, want only widget.js", got)
		}
		// The agent's console keeps polling its queue meanwhile: only
		// what the visitor's page asked for counts.
		var l []string
		for _, r := range g.log()[seen:] {
			if !strings.Contains(r, " /workspace/") {
				l = append(l, r)
			}
		}
		if len(l) != 1 || l[0] != "GET /chat/widget.js" {
			t.Errorf("before the click Gallra got %v, want only GET /chat/widget.js", l)
		}
		if n := rowCountWeb(t, db, `SELECT COUNT(*) FROM chat_conversations`); n != 0 {
			t.Errorf("before the click: %d chats stored", n)
		}
		visitor.do("open the widget", chromedp.Click(chromedp.CSS("#gallra-chat-button")), chromedp.WaitVisible(chromedp.CSS("#gallra-chat-frame")))
		waitLog(t, g, fmt.Sprintf("GET /chat/frame/%d", chID))
		time.Sleep(500 * time.Millisecond)
		visitor.screenshot("01-host-open-sv")
		visitor.do("phone", chromedp.EmulateViewport(390, 844))
		time.Sleep(300 * time.Millisecond)
		visitor.screenshot("01n-host-open-sv-390")
		visitor.do("desktop", chromedp.EmulateViewport(1280, 900))

		// The conversation page itself (what the iframe shows), at a
		// phone's width: the privacy notice from the real setting.
		v := &page{t: t, ctx: visitor.ctx, base: g.URL, shot: shot}
		frame := fmt.Sprintf("/chat/frame/%d?lang=sv", chID)
		v.narrow(frame, "02n-widget-start-sv-390")
		notice, _ := e.ret.ChannelPolicyText(ctx, e.fx.Org.ID, chID, "sv")
		v.want("privacy notice", notice, "Du kan chatta anonymt")
		v.do("start", chromedp.SendKeys(chromedp.CSS("#first"), "Hej, när töms soptunnan?"), chromedp.Click(chromedp.CSS("#start-form button")))
		waitJS(t, v.ctx, "talk view", `!document.getElementById("talk").hidden && document.querySelectorAll("#log li.customer").length === 1`)
		waitJS(t, v.ctx, "queue position", `document.getElementById("status").textContent.includes("nummer 1")`)

		// The agent sees it waiting, accepts and answers.
		agent.open("/workspace/chats")
		agent.want("queue", "Hej, när töms soptunnan?", "Anonym")
		agent.screenshot("03-console-queue-sv")
		agent.submit(`#queue form button`)
		agent.want("chat page", "Hej, när töms soptunnan?")
		// "Seen" is a passing signal, not stored: both sockets must be
		// open before the reply, or a slow machine drops it (a person
		// takes longer to type than a socket takes to connect).
		waitJS(t, agent.ctx, "console connected", `!!window.__gallraConsole.ws && window.__gallraConsole.ws.readyState === 1`)
		waitJS(t, v.ctx, "widget connected", `!!window.__gallraChat.ws && window.__gallraChat.ws.readyState === 1`)
		agent.do("reply", chromedp.SendKeys(chromedp.CSS("#chat-body"), "Hej! På tisdagar."), chromedp.Click(chromedp.CSS("#chat-reply button")))
		waitJS(t, v.ctx, "agent's reply at the visitor", `[...document.querySelectorAll("#log li.staff")].some(li => li.textContent.includes("På tisdagar"))`)
		waitJS(t, agent.ctx, "seen by the visitor", `document.getElementById("chat-seen").textContent === "Läst av besökaren"`)
		v.do("visitor answers", chromedp.SendKeys(chromedp.CSS("#msg"), "Tack!\r"))
		waitJS(t, agent.ctx, "visitor's answer at the agent", `[...document.querySelectorAll("#chatlog li.in")].some(li => li.textContent.includes("Tack!"))`)
		waitJS(t, v.ctx, "seen by the agent", `document.getElementById("seen").textContent === "Läst"`)
		agent.screenshot("04-console-chat-sv")

		// Cut the visitor's connection; the agent writes twice; on
		// reconnect the gap is refilled, in order, once.
		evalStr(t, v.ctx, `(__gallraChat.pause(), "ok")`)
		chatID := int64(0)
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT id FROM chat_conversations`).Scan(&chatID)
		}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"Gapet ett", "Gapet två"} {
			if _, err := e.svc.ChatLive.AgentMessage(ctx, e.fx.Admin, chatID, m); err != nil {
				t.Fatal(err)
			}
		}
		evalStr(t, v.ctx, `(__gallraChat.resume(), "ok")`)
		waitJS(t, v.ctx, "gap refilled", `[...document.querySelectorAll("#log li.staff")].some(li => li.textContent.includes("Gapet två"))`)
		seqs := evalStr(t, v.ctx, `[...document.querySelectorAll("#log li")].map(li => li.dataset.seq).join(",")`)
		if want := "1,2,3,4,5,6"; seqs != want {
			t.Errorf("visitor's lines by sequence number = %s, want %s (no gap, no repeat)", seqs, want)
		}
		// A picture from the file picker reaches the agent as a file.
		pic := filepath.Join(t.TempDir(), "karta.png")
		var pb bytes.Buffer
		if err := png.Encode(&pb, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pic, pb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		v.do("send a file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{pic}))
		waitJS(t, v.ctx, "file at the visitor", `[...document.querySelectorAll("#log li.customer button.file")].some(b => b.textContent.includes("karta.png"))`)
		waitJS(t, agent.ctx, "file at the agent", `[...document.querySelectorAll("#chatlog li.in a[download]")].some(a => a.textContent === "karta.png")`)
		v.narrow(frame, "05n-widget-chat-sv-390")
		waitJS(t, v.ctx, "restored after reload", `document.querySelectorAll("#log li").length === 7`)

		// Delete this chat now.
		v.do("delete", chromedp.Click(chromedp.CSS("#delete")), chromedp.WaitVisible(chromedp.CSS("#confirm-yes")), chromedp.Click(chromedp.CSS("#confirm-yes")))
		waitJS(t, v.ctx, "deleted view", `!document.getElementById("deleted").hidden && sessionStorage.length === 0`)
		for _, q := range []string{`SELECT COUNT(*) FROM chat_conversations`, `SELECT COUNT(*) FROM chat_messages`, `SELECT COUNT(*) FROM chat_events`} {
			if n := rowCountWeb(t, db, q); n != 0 {
				t.Errorf("after delete: %s = %d", q, n)
			}
		}
		g.mu.Lock()
		if g.chatCookie {
			t.Error("a chat path set a cookie")
		}
		g.mu.Unlock()

		// English: the widget's start view at 390 px, the console.
		en := &page{t: t, ctx: tab(t, bctx), base: g.URL, shot: shot}
		en.narrow(fmt.Sprintf("/chat/frame/%d?lang=en", chID), "06n-widget-start-en-390")
		en.want("english widget", "Start the chat", "You can chat anonymously", "Privacy")
		en.do("start en", chromedp.SendKeys(chromedp.CSS("#first"), "Hello, I have a question"), chromedp.Click(chromedp.CSS("#start-form button")))
		waitJS(t, en.ctx, "en talk view", `document.getElementById("status").textContent.includes("number 1")`)
		en.screenshot("07-widget-chat-en")
		evalStr(t, agent.ctx, `document.cookie = "gallra_lang=en; path=/"`)
		agent.open("/workspace/chats")
		agent.want("console en", "Your availability", "Waiting in the queue", "Hello, I have a question")
		agent.screenshot("08-console-queue-en")
		agent.narrow("/workspace/chats", "08n-console-queue-en-390")

		// Nobody online: the widget shows the offline form; a message
		// left becomes an offline chat in the console.
		agent.do("leave the console", chromedp.Navigate("about:blank"))
		if err := e.svc.ChatLive.Heartbeat(ctx, e.fx.Admin, gallra.AgentAway); err != nil {
			t.Fatal(err)
		}
		off := &page{t: t, ctx: tab(t, bctx), base: g.URL, shot: shot}
		off.narrow(fmt.Sprintf("/chat/frame/%d?lang=sv", chID), "09n-widget-offline-sv-390")
		off.want("offline form", "Ingen kan svara just nu")
		off.do("leave a message", chromedp.SendKeys(chromedp.CSS("#omsg"), "Ring mig gärna imorgon"), chromedp.SendKeys(chromedp.CSS("#oemail"), "besok@example.se"),
			chromedp.Click(chromedp.CSS("#offline-form button")))
		waitJS(t, off.ctx, "offline sent", `!document.getElementById("offline-done").hidden`)
		q, err := e.svc.ChatLive.Queue(ctx, e.fx.Admin)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range q {
			found = found || (it.Offline && it.Preview == "Ring mig gärna imorgon")
		}
		if !found {
			t.Errorf("the offline message is not in the console's queue: %+v", q)
		}
	})
}

func waitOnline(t *testing.T, e *env, ch int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := e.svc.ChatLive.WidgetInfo(context.Background(), ch)
		if err == nil && info.Agents > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent never became online (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitLog(t *testing.T, g *chatServer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, l := range g.log() {
			if l == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Gallra never got %s: %v", want, g.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func rowCountWeb(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(context.Background(), q).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
