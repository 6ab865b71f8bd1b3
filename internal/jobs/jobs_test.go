package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunOneRetriesThenFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		r := jobs.New(db, quiet())
		var calls atomic.Int32
		r.Handle("flaky", func(ctx context.Context, j *store.Job) error {
			calls.Add(1)
			return errors.New("boom")
		})
		if _, err := db.EnqueueJob(ctx, "flaky", 0, "", `{"x":1}`, clock.Now()); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			if _, err := r.RunOne(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour) // past every retry back-off
		}
		if calls.Load() != 5 {
			t.Errorf("handler ran %d times, want 5 (max attempts)", calls.Load())
		}
		js, _ := db.ListJobs(ctx, "flaky", 10)
		if len(js) != 1 || js[0].Status != store.JobFailed || js[0].LastError != "boom" {
			t.Fatalf("job after retries: %+v", js)
		}
	})
}

func TestDeleteFinishedJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		r := jobs.New(db, quiet())
		r.Handle("ok", func(ctx context.Context, j *store.Job) error { return nil })
		for i := 0; i < 3; i++ {
			if _, err := db.EnqueueJob(ctx, "ok", 0, "", "", clock.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := r.RunOne(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.EnqueueJob(ctx, "ok", 0, "", "", clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(8 * 24 * time.Hour)
		n, err := db.DeleteFinishedJobs(ctx, clock.Now().AddDate(0, 0, -7), clock.Now().AddDate(0, 0, -90))
		if err != nil || n != 3 {
			t.Fatalf("deleted %d, %v; want the 3 done jobs", n, err)
		}
		if left, _ := db.ListJobs(ctx, "", 10); len(left) != 1 || left[0].Status != store.JobPending {
			t.Fatalf("left: %+v", left)
		}
	})
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		if _, err := db.EnqueueJob(ctx, "work", 0, "", "", clock.Now()); err != nil {
			t.Fatal(err)
		}
		// A worker claims the job and "dies" (never finishes).
		j, err := db.ClaimJob(ctx, "dead-worker", time.Minute)
		if err != nil || j == nil {
			t.Fatalf("claim: %v %v", j, err)
		}
		if again, _ := db.ClaimJob(ctx, "other", time.Minute); again != nil {
			t.Fatal("a leased job was claimed twice")
		}
		clock.Advance(2 * time.Minute)
		r := jobs.New(db, quiet())
		var ran atomic.Bool
		r.Handle("work", func(ctx context.Context, j *store.Job) error { ran.Store(true); return nil })
		if ok, err := r.RunOne(ctx); err != nil || !ok || !ran.Load() {
			t.Fatalf("takeover: ok=%v err=%v ran=%v", ok, err, ran.Load())
		}
		// The dead worker can no longer extend or finish it.
		if err := db.ExtendJobLease(ctx, j.ID, "dead-worker", time.Minute); err == nil {
			t.Error("stale worker extended a lost lease")
		}
	})
}

func TestScheduleEnqueuesOnceAcrossRunners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		var runs atomic.Int32
		h := func(ctx context.Context, j *store.Job) error { runs.Add(1); return nil }
		a, b := jobs.New(db, quiet()), jobs.New(db, quiet())
		for _, r := range []*jobs.Runner{a, b} {
			r.Handle("tick", h)
			r.Every("tick", time.Hour)
		}
		// Both start: their initial enqueues collapse into one pending job.
		for _, r := range []*jobs.Runner{a, b} {
			if err := r.EnqueueSchedules(ctx); err != nil {
				t.Fatal(err)
			}
		}
		js, _ := db.ListJobs(ctx, "tick", 10)
		if len(js) != 1 {
			t.Fatalf("pending scheduled jobs: %d, want 1", len(js))
		}
		if ok, _ := a.RunOne(ctx); !ok {
			t.Fatal("no due job")
		}
		if ok, _ := b.RunOne(ctx); ok {
			t.Fatal("next run should not be due yet")
		}
		clock.Advance(61 * time.Minute)
		if ok, _ := b.RunOne(ctx); !ok {
			t.Fatal("next run not due after the interval")
		}
		if runs.Load() != 2 {
			t.Errorf("runs = %d, want 2", runs.Load())
		}
	})
}

func TestLeaseExcludesSecondHolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		if ok, err := db.AcquireLease(ctx, "purge", "a", time.Minute); err != nil || !ok {
			t.Fatalf("first acquire: %v %v", ok, err)
		}
		if ok, _ := db.AcquireLease(ctx, "purge", "b", time.Minute); ok {
			t.Fatal("second holder got a held lease")
		}
		if ok, _ := db.AcquireLease(ctx, "purge", "a", time.Minute); !ok {
			t.Fatal("holder could not renew")
		}
		clock.Advance(2 * time.Minute)
		if ok, _ := db.AcquireLease(ctx, "purge", "b", time.Minute); !ok {
			t.Fatal("expired lease not taken over")
		}
		if err := db.ReleaseLease(ctx, "purge", "a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.AcquireLease(ctx, "purge", "a", time.Minute); ok {
			t.Fatal("release by a non-holder freed the lease")
		}
	})
}
