package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func generous(c *Config) { c.PublicBurst = 10000 }

func TestPublic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, generous)
		// Make one post anonymized and one removed, as purges and erasure do.
		ctx := context.Background()
		// This organisation keeps writers' addresses in full (forum: the
		// site's setting; chat: the chat setting), so the staff views below
		// show what was recorded; the default (truncated, none) is
		// TestPublicRateLimitAndProxy's.
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: e.a.Admin.ID}
		if err := db.SaveSiteSettings(ctx, actor, gallra.SiteSettings{OrgID: e.a.Org.ID, Slug: "public-test", IPStorage: gallra.IPFull}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetChatSettings(ctx, actor, e.a.Org.ID, gallra.ChatSettings{StoreIP: true}); err != nil {
			t.Fatal(err)
		}
		c2 := must(db.CreatePost(ctx, e.a.Org.ID, gallra.NewPost{TopicID: e.ids["topic"], Body: "second post", Author: gallra.Author{Name: "Other Person", Email: "other@example.se", IP: custIP}}))
		c3 := must(db.CreatePost(ctx, e.a.Org.ID, gallra.NewPost{TopicID: e.ids["topic"], Body: "third post secret", Author: gallra.Author{Name: "Third", Email: "third@example.se"}}))
		err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.RawForTests().Exec(ctx, `UPDATE forum_posts SET author_name = '', author_email = '', author_ip = '', anonymized_at = ? WHERE id = ?`, tx.Now.UnixMilli(), c2.ID); err != nil {
				return err
			}
			_, err := tx.RawForTests().Exec(ctx, `UPDATE forum_posts SET body = '', author_name = '', author_email = '', author_ip = '', removed = 1 WHERE id = ?`, c3.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		e.run([]scenario{
			{name: "public forum channel", method: "GET", path: "/api/v1/public/channels/{forum}", status: 200, want: []string{`"module":"forum"`, `"policy_text":null`}, notWant: []string{"org_id"}},
			{name: "public chat channel", method: "GET", path: "/api/v1/public/channels/{chat}", status: 200, want: []string{`"module":"chat"`}},
			{name: "public mail channel is not found", method: "GET", path: "/api/v1/public/channels/{mail}", status: 404},
			{name: "public absent channel", method: "GET", path: "/api/v1/public/channels/999999", status: 404},
			{name: "public channel bad id", method: "GET", path: "/api/v1/public/channels/abc", status: 400},
			{name: "start topic", method: "POST", path: "/api/v1/public/channels/{forum}/topics", body: `{"title":"Public q","body":"my question","author_name":"Pia","author_email":"pia@example.se"}`, status: 201, want: []string{"Public q", `"author_name":"Pia"`}, notWant: []string{"pia@example.se", "127.0.0.1"}},
			{name: "start topic bad email", method: "POST", path: "/api/v1/public/channels/{forum}/topics", body: `{"title":"q","body":"b","author_name":"Pia","author_email":"pia"}`, status: 400, want: []string{"author_email is not a valid e-mail"}},
			{name: "start topic missing title", method: "POST", path: "/api/v1/public/channels/{forum}/topics", body: `{"body":"b","author_name":"Pia","author_email":"pia@example.se"}`, status: 400, want: []string{"title is required"}},
			{name: "start topic unknown field", method: "POST", path: "/api/v1/public/channels/{forum}/topics", body: `{"title":"q","body":"b","author_name":"P","author_email":"p@example.se","ip":"1.2.3.4"}`, status: 400, want: []string{`unknown field \"ip\"`}},
			{name: "start topic in chat channel", method: "POST", path: "/api/v1/public/channels/{chat}/topics", body: `{"title":"q","body":"b","author_name":"P","author_email":"p@example.se"}`, status: 404},
			{name: "post in topic", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: `{"body":"an answer","author_name":"Ola","author_email":"ola@example.se"}`, status: 201, want: []string{`"kind":"post"`}, notWant: []string{"ola@example.se"}},
			{name: "comment on post", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: `{"body":"a comment","author_name":"Ola","author_email":"ola@example.se","parent_id":{post}}`, status: 201, want: []string{`"kind":"comment"`, `"parent_id":{post}`}},
			{name: "comment on foreign parent", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: `{"body":"x","author_name":"Ola","author_email":"ola@example.se","parent_id":999999}`, status: 400, want: []string{"parent_id"}},
			{name: "post in absent topic", method: "POST", path: "/api/v1/public/topics/999999/posts", body: `{"body":"x","author_name":"Ola","author_email":"ola@example.se"}`, status: 404},
			{name: "read topic hides e-mail and IP", method: "GET", path: "/api/v1/public/topics/{topic}", status: 200,
				want:    []string{"hello world question", "Kund Karlsson", `"author_name":"Anonymous"`, `"anonymized":true`, `"removed":true`, RemovedBody, "a comment"},
				notWant: []string{custEmail, custIP, "other@example.se", "author_email", "author_ip", "person_id", "org_id", "third post secret", "127.0.0.1"}},
			{name: "read absent topic", method: "GET", path: "/api/v1/public/topics/999999", status: 404},
		})
		// The staff view shows the client IP recorded from RemoteAddr.
		list := e.do("GET", "/api/v1/channels/{forum}/topics", "admin", nil, nil).JSON(t)
		newest := list["items"].([]any)[0].(map[string]any)
		topic := e.do("GET", fmt.Sprintf("/api/v1/topics/%v", newest["id"]), "admin", nil, nil)
		if !strings.Contains(string(topic.Body), `"author_ip":"127.0.0.1"`) {
			t.Errorf("public topic did not record the client IP: %s", topic.Body)
		}

		// Chats: start, write with the token in the header or body, read.
		res := e.do("POST", "/api/v1/public/channels/{chat}/chats", "", `{"message":"anonymous hello"}`, nil)
		if res.Status != 201 {
			t.Fatalf("start chat: %d %s", res.Status, res.Body)
		}
		var started PublicChatStarted
		if err := json.Unmarshal(res.Body, &started); err != nil || started.ChatID == 0 || !strings.HasPrefix(started.ChatToken, "gal_") {
			t.Fatalf("start chat answer %s (%v)", res.Body, err)
		}
		e.ids["newchat"] = started.ChatID
		tk := map[string]string{"X-Chat-Token": started.ChatToken}
		wrong := map[string]string{"X-Chat-Token": e.chatTk}
		e.run([]scenario{
			{name: "start chat with bad email", method: "POST", path: "/api/v1/public/channels/{chat}/chats", body: `{"email":"x","message":"hi"}`, status: 400},
			{name: "start chat without message", method: "POST", path: "/api/v1/public/channels/{chat}/chats", body: `{"name":"A"}`, status: 400, want: []string{"message is required"}},
			{name: "start chat in forum", method: "POST", path: "/api/v1/public/channels/{forum}/chats", body: `{"message":"hi"}`, status: 404},
			{name: "chat message with header token", method: "POST", path: "/api/v1/public/chats/{newchat}/messages", hdr: tk, body: `{"message":"second line"}`, status: 201, want: []string{`"sender":"customer"`}},
			{name: "chat message with body token", method: "POST", path: "/api/v1/public/chats/{newchat}/messages", body: `{"message":"third line","chat_token":"` + started.ChatToken + `"}`, status: 201},
			{name: "chat message with another chat's token", method: "POST", path: "/api/v1/public/chats/{newchat}/messages", hdr: wrong, body: `{"message":"x"}`, status: 404},
			{name: "chat message without token", method: "POST", path: "/api/v1/public/chats/{newchat}/messages", body: `{"message":"x"}`, status: 404},
			{name: "read chat", method: "GET", path: "/api/v1/public/chats/{newchat}", hdr: tk, status: 200, want: []string{"anonymous hello", "second line", "third line"}, notWant: []string{"participant_ip", "127.0.0.1"}},
			{name: "read chat wrong token", method: "GET", path: "/api/v1/public/chats/{newchat}", hdr: wrong, status: 404},
			{name: "read chat no token", method: "GET", path: "/api/v1/public/chats/{newchat}", status: 404},
			{name: "staff reads customer chat", method: "GET", path: "/api/v1/chats/{newchat}", who: "admin", status: 200, want: []string{`"participant_ip":"127.0.0.1"`, `"sender":"customer"`}},
			{name: "security headers", method: "GET", path: "/api/v1/public/channels/{forum}", status: 200},
		})
		// Every response carries the security headers and a request id.
		res = e.do("GET", "/api/v1/public/channels/{forum}", "", nil, map[string]string{"X-Request-ID": "abc-123"})
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Request-Id": "abc-123"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("header %s = %q, want %q", h, got, want)
			}
		}
		if id := e.do("GET", "/healthz", "", nil, map[string]string{"X-Request-ID": "bad id with spaces"}).Header.Get("X-Request-ID"); len(id) != 24 {
			t.Errorf("unsafe request id not replaced: %q", id)
		}
		// Metrics are labelled by route pattern, never by raw path.
		m := e.metrics()
		if regexp.MustCompile(`route="[^"]*/[0-9]+`).MatchString(m) {
			t.Errorf("metrics carry raw ids in labels:\n%s", m)
		}
		if !strings.Contains(m, `route="POST /api/v1/public/chats/{id}/messages"`) || !strings.Contains(m, `code="404"`) {
			t.Errorf("metrics lack the route pattern label:\n%.2000s", m)
		}
		if strings.Contains(e.logs.String(), custEmail) || strings.Contains(e.logs.String(), "pia@example.se") || strings.Contains(e.logs.String(), started.ChatToken) {
			t.Errorf("logs contain personal data or secrets")
		}
	})
}

func TestPublicRateLimitAndProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		noProxy := newEnv(t, db, clock, func(c *Config) { c.PublicBurst = 3 })
		post := func(e *env, ip string) response {
			t.Helper()
			var hdr map[string]string
			if ip != "" {
				hdr = map[string]string{"X-Forwarded-For": "198.51.100.250, " + ip}
			}
			return e.do("POST", "/api/v1/public/channels/{forum}/topics", "", `{"title":"t","body":"b","author_name":"N","author_email":"n@example.se"}`, hdr)
		}
		lastIP := func(e *env) string {
			list := e.do("GET", "/api/v1/channels/{forum}/topics?limit=1", "admin", nil, nil).JSON(t)
			id := list["items"].([]any)[0].(map[string]any)["id"]
			var topic map[string]any
			_ = json.Unmarshal(e.do("GET", fmt.Sprintf("/api/v1/topics/%v", id), "admin", nil, nil).Body, &topic)
			return topic["posts"].([]any)[0].(map[string]any)["author_ip"].(string)
		}
		// Without a configured proxy header, the header is ignored: every
		// request counts against the connection's address.
		for i := 0; i < 3; i++ {
			if res := post(noProxy, fmt.Sprintf("192.0.2.%d", i+1)); res.Status != 201 {
				t.Fatalf("post %d: %d %s", i, res.Status, res.Body)
			}
		}
		// The organisation has no site setting: addresses are kept
		// truncated to their /24 (service.IPStorageOf).
		if ip := lastIP(noProxy); ip != "127.0.0.0" {
			t.Errorf("without a trusted proxy the IP is %q, want RemoteAddr 127.0.0.1 truncated to 127.0.0.0", ip)
		}
		res := post(noProxy, "192.0.2.99")
		if res.Status != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(string(res.Body), `"rate_limited"`) {
			t.Fatalf("4th post: %d %s, want 429 with Retry-After", res.Status, res.Body)
		}
		if res := noProxy.do("GET", "/api/v1/public/topics/{topic}", "", nil, nil); res.Status != 200 {
			t.Errorf("GETs are not rate limited: %d", res.Status)
		}
		clock.Advance(10 * time.Second) // 20/min refills one token every 3 s
		if res := post(noProxy, ""); res.Status != 201 {
			t.Errorf("after the bucket refilled: %d %s", res.Status, res.Body)
		}

		// With a trusted proxy header, the last hop is the client address and
		// each address has its own bucket.
		proxied := newEnvOnOrgs(t, noProxy, func(c *Config) { c.PublicBurst = 1; c.TrustedProxyHeader = "X-Forwarded-For" })
		if res := post(proxied, "192.0.2.10"); res.Status != 201 {
			t.Fatalf("proxied post: %d %s", res.Status, res.Body)
		}
		if ip := lastIP(proxied); ip != "192.0.2.0" {
			t.Errorf("with a trusted proxy the IP is %q, want the last hop 192.0.2.10 truncated to 192.0.2.0", ip)
		}
		if res := post(proxied, "192.0.2.10"); res.Status != 429 {
			t.Errorf("second post from the same client: %d, want 429", res.Status)
		}
		if res := post(proxied, "192.0.2.11"); res.Status != 201 {
			t.Errorf("post from another client: %d, want 201", res.Status)
		}
	})
}

// newEnvOnOrgs starts a second server with other options on the same
// database and organisations as base.
func newEnvOnOrgs(t *testing.T, base *env, opts ...func(*Config)) *env {
	t.Helper()
	cfg := Config{Clock: base.clock}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(onDB(cfg, base.db))
	if err != nil {
		t.Fatal(err)
	}
	e := *base
	e.t, e.srv = t, srv
	e.ts = newTestServer(t, srv)
	return &e
}

func TestContentDisposition(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":          `attachment; filename="report.pdf"`,
		`../../etc/passwd`:    `attachment; filename="passwd"`,
		"a\"b;\r\nc.txt":      `attachment; filename="abc.txt"`,
		"":                    `attachment; filename="attachment"`,
		"faktura-åäö.pdf":     `attachment; filename="faktura-___.pdf"; filename*=UTF-8''faktura-%C3%A5%C3%A4%C3%B6.pdf`,
		"..hidden":            `attachment; filename="hidden"`,
		`C:\Users\x\evil.exe`: `attachment; filename="evil.exe"`,
	} {
		if got := contentDisposition(in); got != want {
			t.Errorf("contentDisposition(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"text/html": "application/octet-stream", "image/svg+xml": "application/octet-stream", "application/pdf": "application/pdf", "bogus": "application/octet-stream"} {
		if got := safeContentType(in); got != want {
			t.Errorf("safeContentType(%q) = %q, want %q", in, got, want)
		}
	}
}
