package web_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The overview shows when its due counts were computed (the last purge
// cycle, or the first view), in Swedish and English, in Stockholm time.
func TestOverviewShowsWhenCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Admin.Email)
		stockholm, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			t.Skip("no time zone data:", err)
		}
		counted := clock.Now().In(stockholm).Format("2006-01-02 15:04")
		mustContain(t, "overview", c.get("/").Body, "räknat "+counted)
		// An hour on, the counts are those of the first view.
		clock.Advance(time.Hour)
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "English overview", c.get("/").Body, "counted "+counted)
	})
}
