package retention

import (
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The regular purge removes access-log entries past each organisation's
// period (its own, or 12 months), counts them in a dry run, audits them,
// and a second run finds nothing more.
func TestPurgeAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		a := storetest.MustFixture(t, db, "Alfa")
		b := storetest.MustFixture(t, db, "Beta")
		if err := db.SetAccessLogMonths(ctx, staff(a), a.Org.ID, 2); err != nil {
			t.Fatal(err)
		}
		t0 := clock.Now()
		// Alfa: 5 reads 13 months ago and 4 reads a month ago; Beta the same.
		for i, back := range []int{13, 13, 13, 13, 13, 1, 1, 1, 1} {
			clock.Set(t0.AddDate(0, -back, 0).Add(-1))
			for _, f := range []*storetest.Fixture{a, b} {
				if err := db.RecordRead(ctx, f.Org.ID, store.AccessRecord{StaffID: f.Admin.ID, SubjectType: gallra.SubjectPerson, SubjectID: int64(i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		clock.Set(t0)
		e := mustEngine(db, nil)
		dry, err := e.Run(ctx, RunOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.AccessLogDeleted != 10 || len(dry.AccessLog) != 2 {
			t.Fatalf("dry run: %d entries %+v, want 5 of each organisation", dry.AccessLogDeleted, dry.AccessLog)
		}
		if n, _ := db.CountAccessLog(ctx, a.Org.ID, t0.AddDate(-5, 0, 0), t0); n != 9 {
			t.Fatalf("the dry run deleted: %d left", n)
		}
		// Alfa keeps 2 months: the 13-month-old reads go, the recent stay;
		// Beta keeps 12 months: only the 13-month-old go.
		clock.Set(t0.AddDate(0, 1, 1))
		res := mustRun(t, e)
		if res.AccessLogDeleted != 14 {
			t.Errorf("run deleted %d entries (%+v), want 9 of Alfa and 5 of Beta", res.AccessLogDeleted, res.AccessLog)
		}
		for _, c := range []struct {
			f    *storetest.Fixture
			left int64
		}{{a, 0}, {b, 4}} {
			if n, _ := db.CountAccessLog(ctx, c.f.Org.ID, t0.AddDate(-5, 0, 0), clock.Now()); n != c.left {
				t.Errorf("%s: %d entries left, want %d", c.f.Org.Name, n, c.left)
			}
		}
		entries, err := db.ListAudit(ctx, a.Org.ID, gallra.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		audited := false
		for _, en := range entries {
			audited = audited || en.Action == "access_log.purged" && en.Details["deleted"] == float64(9)
		}
		if !audited {
			t.Error("the access-log purge of Alfa is not audited with its count")
		}
		if again := mustRun(t, e); again.AccessLogDeleted != 0 {
			t.Errorf("second run deleted %d", again.AccessLogDeleted)
		}
	})
}
