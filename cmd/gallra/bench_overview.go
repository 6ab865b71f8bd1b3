package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
)

// benchOverview measures what the admin overview and the retention preview
// cost per purged channel at N/10 and N due forum posts: the exact preview
// (counts every due row; what the overview ran per channel before), the
// count a purge cycle does once, and the kept counts the overview now
// reads (PreviewCounts).
func benchOverview(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench overview", "[--n N] [--postgres URL]")
	n := fs.Int("n", 1_000_000, "due forum posts in the large database (the small one has N/10)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1000 {
		return usageErr("--n must be at least 1000")
	}
	var worst time.Duration
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		for _, size := range []int{*n / 10, *n} {
			exact, count, cached, err := overviewOnce(ctx, env, t, size)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			fmt.Fprintf(env.Stdout, "%-8s %8d due posts: exact preview %8.1f ms | count per purge cycle %8.1f ms | overview/preview from kept counts %6.3f ms\n",
				t.Name, size, ms(exact), ms(count), ms(cached))
			worst = max(worst, cached)
		}
	}
	fmt.Fprintf(env.Stdout, "overview per channel at the largest size, worst database: %.3f ms\n", ms(worst))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func overviewOnce(ctx context.Context, env *Env, t benchdb.Target, n int) (exact, count, cached time.Duration, err error) {
	db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
	if err != nil {
		return 0, 0, 0, err
	}
	defer cleanup()
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return 0, 0, 0, err
	}
	c, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: "Forum"})
	if err != nil {
		return 0, 0, 0, err
	}
	if err := seedForum(ctx, db, org.ID, c.ID, n, db.Now().AddDate(-4, 0, 0), 0); err != nil {
		return 0, 0, 0, fmt.Errorf("seed: %w", err)
	}
	if db.Dialect() == store.Postgres {
		if err := db.Analyze(ctx); err != nil {
			return 0, 0, 0, err
		}
	}
	e := retention.New(db, nil, retention.Config{})
	median := func(k int, fn func() error) (time.Duration, error) {
		var ds []time.Duration
		for range k {
			start := time.Now()
			if err := fn(); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[k/2], nil
	}
	var due int
	if exact, err = median(3, func() error {
		pv, err := e.Preview(ctx, org.ID, c.ID, nil)
		if err == nil {
			due = pv.DueNow.Count
		}
		return err
	}); err != nil {
		return 0, 0, 0, err
	}
	if due != n {
		return 0, 0, 0, fmt.Errorf("preview counts %d due posts, %d were written", due, n)
	}
	// The first view counts (as a purge cycle does) and keeps the counts.
	if count, err = median(1, func() error { _, err := e.PreviewCounts(ctx, org.ID, c.ID); return err }); err != nil {
		return 0, 0, 0, err
	}
	var blocks []time.Duration
	for range 9 {
		start := time.Now()
		for range 20 {
			pv, err := e.PreviewCounts(ctx, org.ID, c.ID)
			if err != nil {
				return 0, 0, 0, err
			}
			if !pv.Cached || pv.DueNow.Count != n {
				return 0, 0, 0, fmt.Errorf("kept counts: cached %v, %d due", pv.Cached, pv.DueNow.Count)
			}
		}
		blocks = append(blocks, time.Since(start)/20)
	}
	slices.Sort(blocks)
	return exact, count, blocks[4], nil
}
