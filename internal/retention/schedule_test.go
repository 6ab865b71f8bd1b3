package retention

import (
	"log/slog"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The schedule reports the registered interval and the queued run; "run
// now" is for administrators, audited, queued once however often it is
// asked, and run by the worker through the same purge for that
// organisation only.
func TestScheduleAndRunNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := New(db, nil, Config{})
		s, err := e.Schedule(ctx)
		if err != nil || s.Interval != DefaultInterval || s.Next != nil {
			t.Fatalf("before registering: %+v %v", s, err)
		}
		r := jobs.New(db, slog.New(slog.DiscardHandler))
		e.Register(r, 30*time.Minute)
		if err := r.EnqueueSchedules(ctx); err != nil {
			t.Fatal(err)
		}
		s, err = e.Schedule(ctx)
		if err != nil || s.Interval != 30*time.Minute || s.Next == nil || !s.Next.Equal(clock.Now().Truncate(time.Millisecond)) || s.Running {
			t.Fatalf("registered: %+v %v", s, err)
		}
		// The scheduled run happens; the next is 30 minutes after it.
		if ran, err := r.RunOne(ctx); !ran || err != nil {
			t.Fatalf("scheduled run: %v %v", ran, err)
		}
		if s, _ = e.Schedule(ctx); s.Next == nil || s.Next.Sub(clock.Now()) < 29*time.Minute {
			t.Errorf("after a run: next %v, now %v", s.Next, clock.Now())
		}
		if err := e.RunNow(ctx, f.Editor); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor runs now: %v", err)
		}
		for range 2 {
			if err := e.RunNow(ctx, f.Admin); err != nil {
				t.Fatalf("admin runs now: %v", err)
			}
		}
		if es, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "retention.purge_requested"}); len(es) != 2 || es[0].ActorID != f.Admin.ID {
			t.Errorf("run-now audit entries: %+v", es)
		}
		if ran, err := r.RunOne(ctx); !ran || err != nil {
			t.Fatalf("manual run: %v %v", ran, err)
		}
		if ran, _ := r.RunOne(ctx); ran {
			t.Error("asking twice queued two runs")
		}
		runs, err := e.Runs(ctx, f.Org.ID, 5)
		if err != nil || len(runs) == 0 || runs[0].Trigger != "staff" || runs[0].OrgID != f.Org.ID {
			t.Fatalf("runs: %+v %v", runs, err)
		}
	})
}
