package retention

import (
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The overview's counts are computed once per purge cycle and kept with
// their time: a view does not count again until the next run, a policy
// change or the maximum age; each run's counts equal an exact preview's.
func TestPreviewCountsPerPurgeCycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := New(db, nil, Config{BatchSize: 3, CountsMaxAge: 48 * time.Hour})
		forum := f.Channels[gallra.ModuleForum].ID
		if _, err := e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
			t.Fatal(err)
		}
		t0 := clock.Now()
		for range 3 {
			mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		}
		clock.Set(t0.AddDate(1, 0, 0).Add(-2 * time.Hour)) // due within 7 days
		first, err := e.PreviewCounts(ctx, f.Org.ID, forum)
		if err != nil || first.Cached || first.Next7Days.Count != 3 || first.DueNow.Count != 0 || !first.At.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("first view (counted now): %+v %v", first, err)
		}
		// New due content: the kept counts stay until the next cycle.
		clock.Advance(time.Hour)
		for range 2 {
			mustTopic(t, db, f, "Gammal", "Text", "bo@example.se")
		}
		clock.Set(t0.AddDate(1, 0, 0).Add(time.Hour)) // the first three are due now
		kept, err := e.PreviewCounts(ctx, f.Org.ID, forum)
		if err != nil || !kept.Cached || !kept.At.Equal(first.At) || kept.Next7Days.Count != 3 || len(kept.Next7Days.IDs) != 0 || !kept.Next7Days.Truncated {
			t.Fatalf("second view (kept counts): %+v %v", kept, err)
		}
		exact, err := e.Preview(ctx, f.Org.ID, forum, nil)
		if err != nil || exact.DueNow.Count != 3 || len(exact.DueNow.IDs) != 3 {
			t.Fatalf("exact preview: %+v %v", exact, err)
		}
		// A purge run counts again: nothing due now.
		mustRun(t, e)
		after, err := e.PreviewCounts(ctx, f.Org.ID, forum)
		if err != nil || !after.Cached || !after.At.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("after the run: %+v %v", after, err)
		}
		exact, err = e.Preview(ctx, f.Org.ID, forum, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []struct {
			name          string
			cached, exact gallra.RetentionBucket
		}{{"due", after.DueNow, exact.DueNow}, {"held", after.Held, exact.Held}, {"7", after.Next7Days, exact.Next7Days}, {"30", after.Next30Days, exact.Next30Days}} {
			if b.cached.Count != b.exact.Count {
				t.Errorf("bucket %s: cached %d, exact %d", b.name, b.cached.Count, b.exact.Count)
			}
		}
		if after.DueNow.Count != 0 {
			t.Errorf("due after the run: %d, want 0", after.DueNow.Count)
		}
		// A policy change is counted afresh at the next view.
		if _, err := e.ChangeChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Years}, Action: gallra.ActionDelete}, "Längre lagring prövas"); err != nil {
			t.Fatal(err)
		}
		changed, err := e.PreviewCounts(ctx, f.Org.ID, forum)
		if err != nil || changed.Cached || changed.Next30Days.Count != 0 {
			t.Errorf("after a policy change: %+v %v", changed, err)
		}
		// Counts older than the maximum age are counted again.
		clock.Advance(49 * time.Hour)
		old, err := e.PreviewCounts(ctx, f.Org.ID, forum)
		if err != nil || old.Cached {
			t.Errorf("counts past their maximum age: %+v %v", old, err)
		}
	})
}
