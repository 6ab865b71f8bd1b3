package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestChatLogExport: an admin exports a chat flow's logs for a date range
// as JSON and as CSV (formula cells defused); the export is audited; an
// editor, another organisation and a bad range are refused.
func TestChatLogExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		if _, err := db.StaffChatMessage(ctx, e.a.Org.ID, e.ids["chatid"], e.a.Admin.ID, "=HYPERLINK(\"x\")"); err != nil {
			t.Fatal(err)
		}
		day := storetest.Start().Format("2006-01-02")
		res := e.do("GET", "/api/v1/channels/{chat}/chat-log?from="+day+"&to="+day, "admin", nil, nil)
		if res.Status != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("json export: %d %s", res.Status, res.Body)
		}
		var chats []gallra.ChatLogChat
		if err := json.Unmarshal(res.Body, &chats); err != nil {
			t.Fatalf("json export is not an array of chats: %v: %s", err, res.Body)
		}
		if len(chats) != 1 || len(chats[0].Lines) != 2 || chats[0].Lines[0].Body != "hi there" || chats[0].ParticipantEmail != custEmail {
			t.Errorf("json export = %+v", chats)
		}
		res = e.do("GET", "/api/v1/channels/{chat}/chat-log?from="+day+"&to="+day+"&format=csv", "admin", nil, nil)
		rows, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		if err != nil || res.Status != 200 || len(rows) != 3 {
			t.Fatalf("csv export: %d %v %q", res.Status, err, res.Body)
		}
		if got := rows[2][10]; got != `'=HYPERLINK("x")` {
			t.Errorf("formula cell = %q, want it defused with an apostrophe", got)
		}
		// A range without chats: an empty array.
		res = e.do("GET", "/api/v1/channels/{chat}/chat-log?from=2020-01-01&to=2020-01-31", "admin", nil, nil)
		if res.Status != 200 || strings.TrimSpace(string(res.Body)) != "[]" {
			t.Errorf("empty range: %d %q", res.Status, res.Body)
		}
		for _, tc := range []struct {
			name, path, who string
			want            int
		}{
			{"editor", "/api/v1/channels/{chat}/chat-log?from=2026-01-01&to=2026-01-31", "editor", 403},
			{"other organisation", "/api/v1/channels/{chat}/chat-log?from=2026-01-01&to=2026-01-31", "other", 404},
			{"forum channel", "/api/v1/channels/{forum}/chat-log?from=2026-01-01&to=2026-01-31", "admin", 404},
			{"bad date", "/api/v1/channels/{chat}/chat-log?from=jan&to=2026-01-31", "admin", 400},
			{"reversed", "/api/v1/channels/{chat}/chat-log?from=2026-02-01&to=2026-01-01", "admin", 400},
			{"bad format", "/api/v1/channels/{chat}/chat-log?from=2026-01-01&to=2026-01-31&format=xml", "admin", 400},
		} {
			if res := e.do("GET", tc.path, tc.who, nil, nil); res.Status != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.name, res.Status, res.Body, tc.want)
			}
		}
		entries, err := db.ListAudit(ctx, e.a.Org.ID, gallra.AuditFilter{Action: "chat.log_exported"})
		if err != nil || len(entries) != 3 {
			t.Errorf("audit entries = %d (%v), want 3", len(entries), err)
		}
	})
}

// TestChatConsoleAPI: the queue, accept, presence and settings through the
// API follow the console's rules.
func TestChatConsoleAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		res := e.do("GET", "/api/v1/chat/queue", "admin", nil, nil)
		var q ChatQueue
		if err := json.Unmarshal(res.Body, &q); err != nil || res.Status != 200 || len(q.Items) != 1 || q.Items[0].ID != e.ids["chatid"] {
			t.Fatalf("queue: %d %s", res.Status, res.Body)
		}
		if res := e.do("GET", "/api/v1/chat/queue", "editor", nil, nil); res.Status != 200 || strings.Contains(string(res.Body), "hi there") {
			t.Errorf("editor without the chat channel: %d %s", res.Status, res.Body)
		}
		if res := e.do("POST", "/api/v1/chats/{chatid}/accept", "admin", nil, nil); res.Status != 200 || !strings.Contains(string(res.Body), `"joined"`) {
			t.Errorf("accept: %d %s", res.Status, res.Body)
		}
		if res := e.do("POST", "/api/v1/chat/presence", "admin", map[string]string{"status": "online"}, nil); res.Status != 204 {
			t.Errorf("presence: %d %s", res.Status, res.Body)
		}
		if res := e.do("POST", "/api/v1/chat/presence", "admin", map[string]string{"status": "busy"}, nil); res.Status != 400 {
			t.Errorf("bad presence: %d %s", res.Status, res.Body)
		}
		if res := e.do("PUT", "/api/v1/chat/settings", "editor", map[string]bool{"store_ip": true}, nil); res.Status != 403 {
			t.Errorf("editor changing settings: %d", res.Status)
		}
		if res := e.do("PUT", "/api/v1/chat/settings", "admin", map[string]bool{"store_ip": true}, nil); res.Status != 200 || !strings.Contains(string(res.Body), `"store_ip":true`) {
			t.Errorf("settings: %d %s", res.Status, res.Body)
		}
	})
}
