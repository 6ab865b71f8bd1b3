package site_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The unsubscribe page: GET only asks (a link scanner changes nothing),
// the RFC 8058 one-click POST turns notifications off, a forged token is
// refused with a clear message in the organisation's language; no cookie.
func TestUnsubscribePage(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				ctx := context.Background()
				e := newEnv(t, db, clock, lang)
				key := []byte(strings.Repeat("n", 32))
				h, err := site.New(site.Config{Service: e.svc.WithNotifyKey(key), Clock: clock, Key: []byte(strings.Repeat("k", 32))})
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(h.Wrap(http.NotFoundHandler()))
				defer srv.Close()
				w, err := db.CreateSiteWrite(ctx, e.f.Org.ID, store.SiteWriteRow{SiteWrite: gallra.SiteWrite{ChannelID: e.forum, Title: "Snöröjning", Body: "När plogas Ängsvägen?", Author: gallra.Author{Name: "Fia", Email: "fia@example.org"}, Notify: true}})
				if err != nil {
					t.Fatal(err)
				}
				target := func() bool {
					_, _, ok, err := db.AnswerNotifyTarget(ctx, e.f.Org.ID, w.TopicID)
					if err != nil {
						t.Fatal(err)
					}
					return ok
				}
				good := service.UnsubscribeToken(key, e.f.Org.ID, w.PostID)
				forged := service.UnsubscribeToken([]byte(strings.Repeat("x", 32)), e.f.Org.ID, w.PostID)
				u := srv.URL + "/p/kommunen/unsubscribe?t="
				oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
				want := map[string][3]string{ // ask, refused, done
					"sv": {"Vill du sluta få e-post", "Länken för att avsluta är inte giltig", "Klart."},
					"en": {"Do you want to stop", "This unsubscribe link is not valid", "Done."},
				}[lang]

				res, err := http.Get(u + good)
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, res)
				if res.StatusCode != 200 || !strings.Contains(body, want[0]) || res.Header.Get("Set-Cookie") != "" || !target() {
					t.Fatalf("GET: %d cookie %q target %v", res.StatusCode, res.Header.Get("Set-Cookie"), target())
				}
				for _, tok := range []string{forged, "", strings.Repeat("9", 300)} {
					res, err = http.PostForm(u+url.QueryEscape(tok), oneClick)
					if err != nil {
						t.Fatal(err)
					}
					if body := readAll(t, res); res.StatusCode != 400 || !strings.Contains(body, want[1]) || !target() {
						t.Fatalf("forged token: %d, still a target: %v", res.StatusCode, target())
					}
				}
				res, err = http.PostForm(u+good, oneClick)
				if err != nil {
					t.Fatal(err)
				}
				if body := readAll(t, res); res.StatusCode != 200 || !strings.Contains(body, want[2]) || res.Header.Get("Set-Cookie") != "" {
					t.Fatalf("one-click POST: %d", res.StatusCode)
				}
				if target() {
					t.Fatal("still notified after unsubscribing")
				}
			})
		})
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, res.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
