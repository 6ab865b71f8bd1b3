package retention

import (
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The retention purge of a forum takes its answer notifications with the
// asker's post, whether the post is deleted or anonymized: no notification
// row is left for either organisation.
func TestPurgeRemovesAnswerNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := mustEngine(db, nil)
		orgs := map[gallra.Action]*storetest.Fixture{gallra.ActionDelete: storetest.MustFixture(t, db, "Radera"), gallra.ActionAnonymize: storetest.MustFixture(t, db, "Anonym")}
		t0 := clock.Now()
		for action, f := range orgs {
			forum := f.Channels[gallra.ModuleForum].ID
			if _, err := e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: action}); err != nil {
				t.Fatal(err)
			}
			svc := service.NewSite(service.Deps{DB: db, Clock: clock}, nil).WithNotify(service.NotifyConfig{BaseURL: "https://gallra.example"})
			slug := "s-" + string(action)
			if _, err := svc.SaveSettings(ctx, f.Admin, gallra.SiteSettings{Slug: slug, IPStorage: gallra.IPNone}); err != nil {
				t.Fatal(err)
			}
			site, err := svc.SiteBySlug(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			q, err := svc.Write(ctx, site, gallra.SiteWrite{ChannelID: forum, Title: "Fråga", Body: "Hur gör jag?", Author: gallra.Author{Name: "Fia", Email: "fia@example.org"}, Elapsed: time.Minute, Notify: true})
			if err != nil {
				t.Fatal(err)
			}
			if w, err := svc.Answer(ctx, f.Admin, q.TopicID, "Så här.", true); err != nil || !w.Notified {
				t.Fatalf("%s: answer %+v %v", action, w, err)
			}
		}
		count := func(org int64) int {
			var n int
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM site_notify_outbox WHERE org_id = ?`, org).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for action, f := range orgs {
			if n := count(f.Org.ID); n != 1 {
				t.Fatalf("%s: %d rows before the purge", action, n)
			}
		}
		clock.Set(t0.AddDate(2, 0, 0))
		mustRun(t, e)
		for action, f := range orgs {
			if n := count(f.Org.ID); n != 0 {
				t.Errorf("%s: %d notification rows left after the purge", action, n)
			}
		}
	})
}
