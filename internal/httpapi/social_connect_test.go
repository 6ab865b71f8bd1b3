package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/social"
	"github.com/gallra/gallra/internal/social/metatest"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestMetaWebhookHTTP drives the public Meta endpoints over HTTP: the
// subscription check, signed deliveries (refused, accepted, replayed), the
// data deletion callback and its status, against a fake Graph API.
func TestMetaWebhookHTTP(t *testing.T) {
	const secret = "http-app-secret-0123456789abcdef"
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		graph := metatest.Start(t, secret)
		graph.AddToken("tok", true)
		meta, err := social.NewMeta(social.MetaConfig{GraphURL: graph.GraphURL(), AppSecret: secret, VerifyToken: "vt-123"})
		if err != nil {
			t.Fatal(err)
		}
		box, _ := secretbox.New("http-test-secret-key-0123456789abcdef")
		var svc *gallra.Services
		e := newEnv(t, db, clock, func(c *Config) {
			svc = service.New(service.Deps{DB: db, Clock: clock, Secrets: box, Social: service.SocialConfig{Connectors: []social.Connector{meta}, StatusBaseURL: "https://kommun.example"}})
			c.Services = svc
		})
		if r := e.do("PUT", "/api/v1/channels/{social}/social-account", "admin", `{"page_id":"555000","access_token":"tok"}`, nil); r.Status != 200 || strings.Contains(string(r.Body), "tok\"") {
			t.Fatalf("connect: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/channels/{social}/social-account", "editor", `{"page_id":"555000","access_token":"tok"}`, nil); r.Status != 403 {
			t.Errorf("editor connect: %d", r.Status)
		}

		get := func(q string) (int, string) {
			res, err := http.Get(e.ts.URL + "/api/v1/social/meta/webhook?" + q)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if st, body := get("hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=CHALLENGE_ACCEPTED"); st != 200 || body != "CHALLENGE_ACCEPTED" {
			t.Errorf("challenge: %d %q", st, body)
		}
		if st, _ := get("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=x"); st != 401 {
			t.Errorf("wrong verify token: %d", st)
		}

		post := func(body, sig string) int {
			req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/social/meta/webhook", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if sig != "" {
				req.Header.Set("X-Hub-Signature-256", sig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		body := fmt.Sprintf(`{"object":"page","entry":[{"id":"555000","time":%d,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"555000_1_2","post_id":"555000_1","parent_id":"555000_1","from":{"id":"4242","name":"Testperson"},"message":"Hej från webhooken","created_time":%d}}]}]}`,
			clock.Now().Unix(), clock.Now().Unix())
		if st := post(body, ""); st != 401 {
			t.Errorf("unsigned: %d", st)
		}
		if st := post(body, social.SignDelivery([]byte(body), "other-secret-00000000000000")); st != 401 {
			t.Errorf("wrong signature: %d", st)
		}
		for i := 0; i < 3; i++ { // Meta retries: answered 200, stored once
			if st := post(body, social.SignDelivery([]byte(body), secret)); st != 200 {
				t.Errorf("signed delivery %d: %d", i, st)
			}
		}
		if st := post(strings.Repeat(" ", social.MaxDelivery+1), "sha256=00"); st != 413 {
			t.Errorf("oversized: %d", st)
		}
		counts, _ := db.WebhookEventCounts(context.Background(), gallra.PlatformMeta)
		if counts["pending"] != 1 {
			t.Errorf("stored deliveries: %v", counts)
		}
		if _, err := svc.SocialPlatform.ProcessWebhooks(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := e.do("GET", "/api/v1/channels/{social}/social-items", "admin", nil, nil)
		if !strings.Contains(string(r.Body), "Hej från webhooken") {
			t.Errorf("item not mirrored: %s", r.Body)
		}

		// Data deletion callback: a form with signed_request.
		form := url.Values{"signed_request": {social.SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "4242", "issued_at": time.Now().Unix()}, secret)}}
		res, err := http.PostForm(e.ts.URL+"/api/v1/social/meta/data-deletion", form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), `"confirmation_code"`) || !strings.Contains(string(b), `"url":"https://kommun.example/social/deletion/`) {
			t.Fatalf("data deletion: %d %s", res.StatusCode, b)
		}
		if r := e.do("GET", "/api/v1/channels/{social}/social-items", "admin", nil, nil); strings.Contains(string(r.Body), "Hej från webhooken") {
			t.Errorf("item of the deleted user still mirrored")
		}
		bad := url.Values{"signed_request": {"abc.def"}}
		if res, _ := http.PostForm(e.ts.URL+"/api/v1/social/meta/data-deletion", bad); res.StatusCode != 401 {
			t.Errorf("bad signed_request: %d", res.StatusCode)
		}
	})
}
