package site_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The ask form offers "e-mail me when answered", unticked, in the
// organisation's language; only a ticked box makes the asker a
// notification target.
func TestAskNotifyOptIn(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				ctx := context.Background()
				e := newEnv(t, db, clock, lang)
				_, page, _ := e.get(t, "/f/"+itoa(e.forum)+"/ask")
				label := map[string]string{"sv": "Mejla mig när min fråga har besvarats", "en": "E-mail me when my question is answered"}[lang]
				if !strings.Contains(page, `name="notify" type="checkbox" value="1">`) || !strings.Contains(page, label) {
					t.Fatalf("ask form lacks the unticked opt-in %q", label)
				}
				for _, c := range []struct {
					title  string
					notify string
					want   bool
				}{{"Med notis", "1", true}, {"Utan notis", "", false}} {
					form := url.Values{"ts": {stamp(t, page)}, "title": {c.title}, "body": {"Fråga"}, "name": {"Fia"}, "email": {"fia@example.org"}, "notify": {c.notify}}
					clock.Advance(10 * time.Second)
					code, _, hdr := e.post(t, "/f/"+itoa(e.forum)+"/ask", form)
					if code != http.StatusSeeOther {
						t.Fatalf("%s: ask %d", c.title, code)
					}
					loc := strings.TrimPrefix(hdr.Get("Location"), "/p/kommunen/t/")
					id, _, _ := strings.Cut(loc, "?")
					id, _, _ = strings.Cut(id, "-")
					topic, err := strconv.ParseInt(id, 10, 64)
					if err != nil {
						t.Fatalf("%s: location %q", c.title, hdr.Get("Location"))
					}
					if _, _, ok, err := db.AnswerNotifyTarget(ctx, e.f.Org.ID, topic); ok != c.want || err != nil {
						t.Fatalf("%s: target %v %v, want %v", c.title, ok, err, c.want)
					}
				}
			})
		})
	}
}
