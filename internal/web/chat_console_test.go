package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestChatAdminPage: the chat settings page (admins only) turns IP storage
// on, shows the widget's script line and exports a channel's chat log as
// CSV; an editor is refused.
func TestChatAdminPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		ch := e.fx.Channels[gallra.ModuleChat].ID
		if _, _, err := e.svc.ChatLive.Start(ctx, gallra.NewChat{ChannelID: ch, Message: "Hej från chatten"}); err != nil {
			t.Fatal(err)
		}
		admin := e.client()
		admin.login(e.fx.Admin.Email)
		r := admin.get("/admin/chat")
		mustContain(t, "chat settings page", r.Body, "Spara besökarnas IP-adresser", "/chat/widget.js", "Exportera chattloggar")
		r = admin.post("/admin/chat", url.Values{"store_ip": {"on"}})
		if r.Status != 303 {
			t.Fatalf("save settings: %d", r.Status)
		}
		if s, _ := e.svc.ChatLive.Settings(ctx, e.fx.Admin); !s.StoreIP {
			t.Error("IP storage not turned on")
		}
		day := storetest.Start().Format("2006-01-02")
		r = admin.get("/admin/chat/export?channel=" + itoa64(ch) + "&from=" + day + "&to=" + day + "&format=csv")
		if r.Status != 200 || !strings.Contains(r.Body, "Hej från chatten") || !strings.HasPrefix(r.Body, "chat_id,") {
			t.Errorf("csv export from the UI: %d %q", r.Status, r.Body)
		}
		r = admin.get("/admin/chat/export?channel=" + itoa64(ch) + "&from=x&to=" + day + "&format=csv")
		if r.Status != 400 {
			t.Errorf("bad date from the UI: %d", r.Status)
		}
		// An offline message shows the address to answer to.
		off, err := e.svc.ChatLive.Offline(ctx, gallra.NewChat{ChannelID: ch, Email: "svar@example.se", Message: "Ring mig"})
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "offline message page", admin.get("/workspace/chats/"+itoa64(off.ID)).Body, "svar@example.se", "Ring mig", "Anonym")
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		if r := ed.get("/admin/chat"); r.Status != 403 {
			t.Errorf("editor on the chat settings page: %d", r.Status)
		}
		if r := ed.get("/workspace/chats"); r.Status != 200 || strings.Contains(r.Body, "Hej från chatten") {
			t.Errorf("editor without the chat channel: %d, sees the chat: %v", r.Status, strings.Contains(r.Body, "Hej från chatten"))
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestChatPagesAccessible: every control of the widget's page (sv, en,
// online and offline) and of the console pages has a label, ids are
// unique, and the widget's text colours have a contrast of at least 4.5:1.
func TestChatPagesAccessible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		g := newChatServer(t, e)
		ch := e.fx.Channels[gallra.ModuleChat].ID
		get := func(path string) string {
			res, err := http.Get(g.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			return string(b)
		}
		for _, l := range []string{"sv", "en"} {
			if n := checkLabels(t, "widget offline "+l, get("/chat/frame/"+itoa64(ch)+"?lang="+l)); n < 6 {
				t.Errorf("widget %s: %d controls checked", l, n)
			}
		}
		if err := e.svc.ChatLive.Heartbeat(ctx, e.fx.Admin, gallra.AgentOnline); err != nil {
			t.Fatal(err)
		}
		checkLabels(t, "widget online", get("/chat/frame/"+itoa64(ch)+"?lang=sv"))
		c, _, err := e.svc.ChatLive.Start(ctx, gallra.NewChat{ChannelID: ch, Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		admin := e.client()
		admin.login(e.fx.Admin.Email)
		checkLabels(t, "console queue", admin.get("/workspace/chats").Body)
		checkLabels(t, "console chat", admin.get("/workspace/chats/"+itoa64(c.ID)).Body)
		checkLabels(t, "chat settings", admin.get("/admin/chat").Body)
		for _, p := range [][2]string{{"#1b1f24", "#ffffff"}, {"#4a545e", "#ffffff"}, {"#ffffff", "#0b4f6c"}, {"#9b1c1c", "#ffffff"}, {"#4a545e", "#eceff2"}, {"#1b1f24", "#eef5f8"}} {
			if r := contrast(p[0], p[1]); r < 4.5 {
				t.Errorf("widget: contrast of %s on %s is %.2f:1, want at least 4.5:1", p[0], p[1], r)
			}
		}
	})
}
