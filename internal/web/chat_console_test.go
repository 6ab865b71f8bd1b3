package web_test

import (
	"context"
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
