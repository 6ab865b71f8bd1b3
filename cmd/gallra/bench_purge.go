package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
)

// benchPurge seeds two identical forum channels with N expired posts each
// and measures, on the same database, (a) the retention purge anonymizing
// one channel and (b) a raw bulk UPDATE anonymizing the other (the floor),
// plus the p99 latency of a concurrent API-like read/write loop during (a).
// It does so --rounds times per database, each round on a fresh database,
// and sums up with the medians (the ratio: the median of the rounds'
// ratios; p99: the worst round's). The last line is the lowest median
// purge/raw ratio over the databases.
func benchPurge(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench purge", "[--n N] [--rounds R] [--batch B] [--postgres URL]")
	n := fs.Int("n", 200000, "expired posts per channel")
	rounds := fs.Int("rounds", 3, "measurements per database, each on a fresh database (the summary takes their medians)")
	batch := fs.Int("batch", 0, "purge batch size (rows per transaction; 0: adaptive, time-bounded batches as in production)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 100 {
		return usageErr("--n must be at least 100")
	}
	if *rounds < 1 || *rounds > 99 {
		return usageErr("--rounds must be between 1 and 99")
	}
	bs := "adaptive"
	if *batch > 0 {
		bs = fmt.Sprint(*batch)
	}
	worst := math.Inf(1)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		var purgeRates, rawRates, ratios []float64
		var p99 float64
		for round := 1; round <= *rounds; round++ {
			db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			r, err := purgeOnce(ctx, env, db, *n, *batch)
			cleanup()
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			ratio := r.purgeRate / r.rawRate
			purgeRates, rawRates, ratios = append(purgeRates, r.purgeRate), append(rawRates, r.rawRate), append(ratios, ratio)
			p99 = math.Max(p99, r.p99)
			tag := fmt.Sprintf("%-8s %d/%d", t.Name, round, *rounds)
			fmt.Fprintf(env.Stdout, "%s seed:  %d posts in 2 channels in %.2fs\n", tag, 2**n, r.seed.Seconds())
			fmt.Fprintf(env.Stdout, "%s purge: %d posts anonymized in %7.2fs = %9.0f rows/s (batch %s, pii redaction, persons removed: %d)\n",
				tag, r.purged, r.purge.Seconds(), r.purgeRate, bs, r.persons)
			fmt.Fprintf(env.Stdout, "%s raw:   %d posts anonymized in %7.2fs = %9.0f rows/s (one bulk UPDATE of the author columns; leaves out body redaction, "+
				"topic titles, person deletion, hold checks, batches, lease, run records and audit)\n", tag, r.raw, r.rawDur.Seconds(), r.rawRate)
			fmt.Fprintf(env.Stdout, "%s concurrent store calls during purge: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
				tag, r.ops, r.p50, r.p99, r.max)
			fmt.Fprintf(env.Stdout, "%s purge/raw ratio: %.2f\n", tag, ratio)
		}
		med := median(ratios)
		worst = math.Min(worst, med)
		fmt.Fprintf(env.Stdout, "%-8s median of %d: purge %.0f rows/s, raw %.0f rows/s, purge/raw ratio %.2f (rounds %s); worst p99 during purge %.1f ms\n",
			t.Name, *rounds, median(purgeRates), median(rawRates), med, fmtRatios(ratios), p99)
	}
	fmt.Fprintf(env.Stdout, "purge/raw ratio: %.2f\n", worst)
	return nil
}

// median returns the middle value of xs (the mean of the two middle ones
// for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

type purgeBench struct {
	seed, purge, rawDur time.Duration
	purged, raw         int64
	persons             int64
	purgeRate, rawRate  float64
	ops                 int
	p50, p99, max       float64
}

func purgeOnce(ctx context.Context, env *Env, db *store.DB, n, batch int) (*purgeBench, error) {
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return nil, err
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	var chans [3]*gallra.Channel
	for i, name := range []string{"Purged", "Raw", "Live"} {
		if chans[i], err = db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: name}); err != nil {
			return nil, err
		}
	}
	e := retention.New(db, orgpii.New(db), retention.Config{BatchSize: batch})
	// The raw channel and the live channel are never purged by the run.
	for _, c := range chans[1:] {
		if _, err := e.ChangeChannelPolicy(ctx, admin, c.ID, &gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize}, "bench: never purge the other channels"); err != nil {
			return nil, err
		}
	}
	r := &purgeBench{}
	start := time.Now()
	old := db.Now().AddDate(-4, 0, 0)
	for i, c := range chans[:2] {
		if err := seedForum(ctx, db, org.ID, c.ID, n, old, int64(i)*int64(n)); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	r.seed = time.Since(start)
	// Each measured phase starts with the database written back and a
	// collected heap, so neither pays for what came before it.
	settle := func() error {
		runtime.GC()
		err := db.Checkpoint(ctx)
		if err != nil && db.Dialect() == store.Postgres {
			// CHECKPOINT needs superuser or pg_checkpoint: measure without.
			fmt.Fprintf(env.Stderr, "bench purge: %v (measuring without it)\n", err)
			return nil
		}
		return err
	}
	if err := settle(); err != nil {
		return nil, err
	}
	live, err := db.CreateTopic(ctx, org.ID, gallra.NewTopic{ChannelID: chans[2].ID, Title: "Live", Body: "Live", Author: gallra.Author{Name: "Live", Email: "live@bench.example"}})
	if err != nil {
		return nil, err
	}

	// (a) our purge, with a concurrent API-like loop.
	lctx, stop := context.WithCancel(ctx)
	var lat []float64
	var loopErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; lctx.Err() == nil; i++ {
			t0 := time.Now()
			var err error
			if i%2 == 0 {
				_, err = db.CreatePost(lctx, org.ID, gallra.NewPost{TopicID: live.ID, Body: "Ett svar under purgen", Author: gallra.Author{Name: "Kund", Email: fmt.Sprintf("k%d@bench.example", i%50)}})
			} else {
				_, err = db.ListTopics(lctx, org.ID, chans[2].ID, gallra.Page{Limit: 20})
			}
			if err != nil {
				if lctx.Err() == nil {
					loopErr = err
				}
				return
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	stopProfile, err := startProfile(env, db.Dialect())
	if err != nil {
		stop()
		wg.Wait()
		return nil, err
	}
	start = time.Now()
	res, err := e.Run(ctx, retention.RunOptions{Trigger: "bench", OrgID: org.ID, ChannelID: chans[0].ID})
	r.purge = time.Since(start)
	stopProfile()
	stop()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if loopErr != nil {
		return nil, fmt.Errorf("concurrent store loop: %w", loopErr)
	}
	r.purged, r.persons = res.Anonymized, res.PersonsDeleted
	r.purgeRate = float64(r.purged) / r.purge.Seconds()
	if len(lat) > 0 {
		slices.Sort(lat)
		r.ops, r.p50, r.p99, r.max = len(lat), lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}

	// (b) the floor: one bulk UPDATE of the same kind of rows.
	if err := settle(); err != nil {
		return nil, err
	}
	start = time.Now()
	r.raw, err = db.AnonymizeFloor(ctx, chans[1].ID, db.Now().AddDate(-3, 0, 0))
	r.rawDur = time.Since(start)
	if err != nil {
		return nil, err
	}
	r.rawRate = float64(r.raw) / r.rawDur.Seconds()
	if r.raw != r.purged {
		return nil, fmt.Errorf("purge anonymized %d rows but the raw update %d", r.purged, r.raw)
	}
	return r, nil
}

// startProfile starts a CPU profile of the purge phase when
// GALLRA_BENCH_CPUPROFILE names a file prefix (one file per database:
// PREFIX.sqlite, PREFIX.postgres). It returns the function that stops it.
func startProfile(env *Env, d store.Dialect) (func(), error) {
	prefix := env.Getenv("GALLRA_BENCH_CPUPROFILE")
	if prefix == "" {
		return func() {}, nil
	}
	name := prefix + ".sqlite"
	if d == store.Postgres {
		name = prefix + ".postgres"
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// seedForum inserts n posts (10 per topic, one person per 10 posts, every
// 20th body with a phone number) created around at, with multi-row INSERTs
// in large transactions. Ids are explicit, from base, so both channels get
// identical content.
func seedForum(ctx context.Context, db *store.DB, orgID, channelID int64, n int, at time.Time, base int64) error {
	persons := (n + 9) / 10
	insert := func(table string, cols []string, rows int, row func(i int, args []any) []any) error {
		for lo := 0; lo < rows; lo += 10_000 {
			err := db.Update(ctx, func(tx *store.Tx) error {
				ins, err := tx.Inserter(table, cols...)
				if err != nil {
					return err
				}
				for i := lo; i < min(rows, lo+10_000); i++ {
					if err := ins.Add(ctx, row(i, nil)...); err != nil {
						return err
					}
				}
				return ins.Flush(ctx)
			})
			if err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
		}
		return nil
	}
	ms := at.UnixMilli()
	pbase := base/10 + 1_000_000
	err := insert("persons", []string{"id", "org_id", "email", "email_key", "name", "created_at"}, persons, func(i int, a []any) []any {
		e := fmt.Sprintf("kund%d@bench.example", pbase+int64(i))
		return append(a, pbase+int64(i), orgID, e, e, fmt.Sprintf("Kund %d", i), ms)
	})
	if err != nil {
		return err
	}
	tbase := base/10 + 1_000_000
	err = insert("forum_topics", []string{"id", "org_id", "channel_id", "title", "person_id", "created_at", "last_activity_at"}, persons, func(i int, a []any) []any {
		return append(a, tbase+int64(i), orgID, channelID, fmt.Sprintf("Fråga %d om sophämtning", i), pbase+int64(i), ms+int64(i)*1000, ms+int64(i)*1000+9000)
	})
	if err != nil {
		return err
	}
	err = insert("forum_posts", []string{"id", "org_id", "channel_id", "topic_id", "kind", "person_id", "author_name", "author_email", "author_ip", "body", "created_at", "updated_at"}, n, func(i int, a []any) []any {
		topic, p := i/10, (i*7)%persons
		body := "Hej! Jag undrar när sophämtningen sker i mitt område, och om det går att beställa extra tömning."
		if i%20 == 0 {
			body += " Ring mig på 070-123 45 67."
		}
		t := ms + int64(topic)*1000 + int64(i%10)*1000
		return append(a, base+int64(i)+2_000_000, orgID, channelID, tbase+int64(topic), "post", pbase+int64(p),
			fmt.Sprintf("Kund %d", p), fmt.Sprintf("kund%d@bench.example", pbase+int64(p)), "192.0.2.10", body, t, t)
	})
	if err != nil {
		return err
	}
	// Explicit ids: move the identity sequences past them.
	return db.AfterBulkLoad(ctx, "persons", "forum_topics", "forum_posts")
}
