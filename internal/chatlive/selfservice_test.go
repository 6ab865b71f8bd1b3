package chatlive_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func rowCount(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.View(context.Background(), func(tx *store.Tx) error { return tx.RawForTests().QueryRow(context.Background(), q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVisitorDeleteNow: "delete this chat now" removes the chat, its
// messages and lines, and its (anonymous) person at once; the statistics
// still count it; the audit entry has ids and counts, no content; a held
// chat is refused; a second request is a clean 404.
func TestVisitorDeleteNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		ch := fx.Channels[gallra.ModuleChat].ID
		before, err := db.ChannelTotals(ctx, fx.Org.ID, ch)
		if err != nil {
			t.Fatal(err)
		}
		code, out := s.post("/chat/api/start", map[string]any{"channel": ch, "message": "Mitt hemliga ärende", "name": "Vera Visitor", "email": "vera@example.se"})
		if code != 201 {
			t.Fatalf("start: %d %v", code, out)
		}
		id, tok := int64(out["chat_id"].(float64)), out["token"].(string)
		if _, err := s.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, "Svar"); err != nil {
			t.Fatal(err)
		}
		cl := s.dial(id, tok, 0)
		cl.waitEvent(body("Svar"), 5*time.Second)

		// Transcript first (sv and en).
		for _, l := range []struct{ lang, you string }{{"sv", "Du: Mitt hemliga ärende"}, {"en", "You: Mitt hemliga ärende"}} {
			res, err := http.PostForm(s.http.URL+fmt.Sprintf("/chat/api/%d/transcript", id), url.Values{"token": {tok}, "lang": {l.lang}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(b), l.you) || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("transcript %s: %d %q %q", l.lang, res.StatusCode, res.Header.Get("Content-Disposition"), b)
			}
		}

		// A held chat cannot be deleted by its visitor.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE chat_conversations SET held_at = 1, hold_reason = 'test' WHERE id = ?`, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if code, out := s.post(fmt.Sprintf("/chat/api/%d/delete", id), map[string]any{"token": tok}); code != 422 {
			t.Errorf("delete of a held chat: %d %v, want 422", code, out)
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE chat_conversations SET held_at = NULL, hold_reason = NULL WHERE id = ?`, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		if code, out := s.post(fmt.Sprintf("/chat/api/%d/delete", id), map[string]any{"token": "wrong"}); code != 404 {
			t.Errorf("delete with a wrong token: %d %v", code, out)
		}
		if code, out := s.post(fmt.Sprintf("/chat/api/%d/delete", id), map[string]any{"token": tok}); code != 200 {
			t.Fatalf("delete: %d %v", code, out)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM chat_conversations WHERE id = ?`,
			`SELECT COUNT(*) FROM chat_messages WHERE conversation_id = ?`,
			`SELECT COUNT(*) FROM chat_events WHERE conversation_id = ?`,
		} {
			if n := rowCount(t, db, q, id); n != 0 {
				t.Errorf("%s: %d rows left", q, n)
			}
		}
		if n := rowCount(t, db, `SELECT COUNT(*) FROM persons WHERE email = 'vera@example.se'`); n != 0 {
			t.Errorf("the visitor's person row is left (%d)", n)
		}
		after, err := db.ChannelTotals(ctx, fx.Org.ID, ch)
		if err != nil {
			t.Fatal(err)
		}
		if after.Conversations != before.Conversations+1 || after.Messages != before.Messages+2 {
			t.Errorf("statistics: before %+v after %+v; want the deleted chat (1 conversation, 2 messages) counted", before, after)
		}
		entries, err := db.ListAudit(ctx, fx.Org.ID, gallra.AuditFilter{Action: "chat.deleted_by_visitor"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit: %v %v", entries, err)
		}
		raw, _ := json.Marshal(entries[0])
		for _, secret := range []string{"hemliga", "Vera", "vera@example.se", "Svar"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the audit entry holds %q: %s", secret, raw)
			}
		}
		// The open stream is told the chat is gone.
		for {
			f, err := cl.next(5 * time.Second)
			if err != nil {
				t.Fatalf("stream after delete: %v", err)
			}
			if f.Type == "error" {
				if f.Code != gallra.ENOTFOUND {
					t.Errorf("stream error after delete = %q", f.Code)
				}
				break
			}
		}
		if code, _ := s.post(fmt.Sprintf("/chat/api/%d/delete", id), map[string]any{"token": tok}); code != 404 {
			t.Errorf("second delete: %d, want 404", code)
		}
	})
}

// TestNoIPUnlessTurnedOn: a chat stores no IP address until the
// organisation turns it on (an admin only; audited).
func TestNoIPUnlessTurnedOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		ch := fx.Channels[gallra.ModuleChat].ID
		ip := func(id int64) string {
			var v string
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT participant_ip FROM chat_conversations WHERE id = ?`, id).Scan(&v)
			}); err != nil {
				t.Fatal(err)
			}
			return v
		}
		id, _ := s.start(ch, "Hej")
		if got := ip(id); got != "" {
			t.Errorf("IP stored by default: %q", got)
		}
		if _, err := s.svc.ChatLive.SetSettings(ctx, fx.Editor, gallra.ChatSettings{StoreIP: true}); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor turning IP storage on: %v, want forbidden", err)
		}
		if _, err := s.svc.ChatLive.SetSettings(ctx, fx.Admin, gallra.ChatSettings{StoreIP: true}); err != nil {
			t.Fatal(err)
		}
		id2, _ := s.start(ch, "Hej igen")
		if got := ip(id2); got != "127.0.0.1" {
			t.Errorf("IP with the setting on: %q, want 127.0.0.1", got)
		}
		entries, err := db.ListAudit(ctx, fx.Org.ID, gallra.AuditFilter{Action: "chat.settings_changed"})
		if err != nil || len(entries) != 1 {
			t.Errorf("settings audit: %v %v", entries, err)
		}
	})
}
