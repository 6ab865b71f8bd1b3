package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/service"
)

// benchOrgDelete measures the deletion of a whole organisation (the
// operator's `gallra org delete`) holding N messages over every module:
// rows/s of the batched deletion, the time of the final scrub, and the p99
// of another organisation's writes (a forum post each) made meanwhile, which
// shows how much the deletion's batches hold the database from the
// customers who stay.
func benchOrgDelete(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench orgdelete", "[--n N] [--batch B] [--postgres URL]")
	n := fs.Int("n", 200_000, "messages of the organisation to delete")
	batch := fs.Int("batch", 500, "rows per deletion transaction")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 20_000 {
		return usageErr("--n must be at least 20000")
	}
	var worst float64
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		res, err := orgDeleteOnce(ctx, env, t, *n, *batch)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		fmt.Fprintf(env.Stdout, "%-8s %8d messages, %8d rows: seed %5.1fs | delete %6.2fs, %7.0f rows/s | scrub %5.2fs | other organisation's writes meanwhile: %d, p50 %.1f ms, p99 %.1f ms\n",
			t.Name, *n, res.rows, res.seed.Seconds(), res.del.Seconds(), float64(res.rows)/res.del.Seconds(), res.scrub.Seconds(),
			len(res.lat), quantileMS(res.lat, 0.50), quantileMS(res.lat, 0.99))
		if p := quantileMS(res.lat, 0.99); p > worst {
			worst = p
		}
	}
	fmt.Fprintf(env.Stdout, "orgdelete p99 of other organisations' writes: %.1f ms\n", worst)
	return nil
}

type orgDeleteResult struct {
	seed, del, scrub time.Duration
	rows             int64
	lat              []time.Duration
}

// quantileMS is the q-quantile of lat in milliseconds (0 when empty).
func quantileMS(lat []time.Duration, q float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
}

func orgDeleteOnce(ctx context.Context, env *Env, t benchdb.Target, n, batch int) (*orgDeleteResult, error) {
	db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &orgDeleteResult{}
	doomed, admin, _, err := db.Bootstrap(ctx, "Doomed", "Bench Admin", "admin@doomed.example", "")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := seedTakeout(ctx, db, doomed.ID, admin, n); err != nil {
		return nil, fmt.Errorf("seed %d rows: %w", n, err)
	}
	res.seed = time.Since(start)
	kept, keptAdmin, _, err := db.Bootstrap(ctx, "Kept", "Kept Admin", "admin@kept.example", "")
	if err != nil {
		return nil, err
	}
	forum, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: keptAdmin.ID}, &gallra.Channel{OrgID: kept.ID, Module: gallra.ModuleForum, Name: "Forum"})
	if err != nil {
		return nil, err
	}
	// Planner statistics after the bulk load, as a running system has.
	if err := db.Analyze(ctx); err != nil {
		return nil, err
	}
	op := service.New(service.Deps{DB: db, Clock: env.Clock}).Operator
	if _, err := op.DisableOrganisation(ctx, doomed.ID); err != nil {
		return nil, err
	}
	if _, err := db.BeginOrganisationDeletion(ctx, doomed.ID, true); err != nil {
		return nil, err
	}
	// The other organisation writes a post every 5 ms while the deletion
	// runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			s := time.Now()
			if _, err := db.CreateTopic(ctx, kept.ID, gallra.NewTopic{ChannelID: forum.ID, Title: "Fråga", Body: "Hej",
				Author: gallra.Author{Name: "Kund", Email: fmt.Sprintf("kund%d@kept.example", i%100)}}); err != nil {
				werr = err
				return
			}
			res.lat = append(res.lat, time.Since(s))
		}
	}()
	start = time.Now()
	for {
		p, err := db.DeleteOrganisationBatch(ctx, doomed.ID, batch, nil)
		if err != nil {
			close(stop)
			wg.Wait()
			return nil, err
		}
		res.rows += p.Deleted
		if p.Done {
			break
		}
	}
	res.del = time.Since(start)
	close(stop)
	wg.Wait()
	if werr != nil {
		return nil, fmt.Errorf("other organisation's write: %w", werr)
	}
	start = time.Now()
	if err := db.ScrubDeletedOrganisation(ctx); err != nil {
		return nil, err
	}
	res.scrub = time.Since(start)
	left, err := db.OrgRowCounts(ctx, doomed.ID)
	if err != nil {
		return nil, err
	}
	if len(left) > 0 {
		return nil, fmt.Errorf("rows left after the deletion: %v", left)
	}
	return res, nil
}
