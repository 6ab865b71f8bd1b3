package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
)

// benchWeb seeds a forum of --posts posts (topics of 20, plus one topic of
// 100 posts), serves the public site on a loopback port and has --clients
// concurrent readers fetch, for --duration each, the 100-post topic's page
// and then search pages for the forum's words. It prints requests/s and
// p50/p99 per database, with the load average before and after.
func benchWeb(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench web", "[--posts N] [--clients N] [--duration D] [--optimize] [--postgres URL]")
	posts := fs.Int("posts", 1_000_000, "posts in the forum")
	clients := fs.Int("clients", 8, "concurrent readers")
	dur := fs.Duration("duration", 10*time.Second, "how long each load runs")
	optimize := fs.Bool("optimize", false, "merge the SQLite search index's segments after seeding")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *posts < 100 || *posts > 10_000_000:
		return usageErr("--posts must be between 100 and 10000000")
	case *clients < 1 || *clients > 256:
		return usageErr("--clients must be between 1 and 256")
	case *dur < time.Second:
		return usageErr("--duration must be at least 1s")
	}
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		if err := benchWebOn(ctx, env, t, *posts, *clients, *dur, *optimize); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func benchWebOn(ctx context.Context, env *Env, t benchdb.Target, posts, clients int, dur time.Duration, optimize bool) error {
	db, cleanup, err := benchdb.Open(ctx, t, gallra.SystemClock{})
	if err != nil {
		return err
	}
	defer cleanup()
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return err
	}
	forum, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: "Forum"})
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := benchdb.SeedForum(ctx, db, org.ID, forum.ID, (posts-100)/20, 20, nil); err != nil {
		return err
	}
	big, err := benchdb.SeedForum(ctx, db, org.ID, forum.ID, 1, 100, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: seeded %d posts in %s\n", t.Name, posts, time.Since(start).Round(time.Second))
	if optimize {
		start = time.Now()
		if err := db.OptimizeSearch(ctx); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: search index optimized in %s\n", t.Name, time.Since(start).Round(time.Second))
	}
	svc := service.NewSite(service.Deps{DB: db}, nil)
	if _, err := svc.SaveSettings(ctx, admin, gallra.SiteSettings{Slug: "bench", IPStorage: gallra.IPTruncated}); err != nil {
		return err
	}
	h, err := site.New(site.Config{Service: svc, Key: []byte(strings.Repeat("b", 32))})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(h.Wrap(http.NotFoundHandler()))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()

	topic := srv.URL + "/p/bench/t/" + strconv.FormatInt(big[0], 10)
	var n atomic.Int64
	search := func(int) string {
		i := n.Add(1)
		return srv.URL + "/p/bench/search?q=" + url.QueryEscape(benchdb.RareWord(int(i*7919)))
	}
	for _, load := range []struct {
		name string
		url  func(int) string
	}{{"topic page (100-post topic, first page)", func(int) string { return topic }}, {"search (one rare word, ~1 post in 2,000)", search}} {
		before := loadavg()
		rps, p50, p99, errs := webLoad(ctx, client, clients, dur, load.url)
		fmt.Fprintf(env.Stdout, "%s: %s: %.0f req/s, p50 %s, p99 %s, %d errors (loadavg before %s, after %s)\n",
			t.Name, load.name, rps, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), errs, before, loadavg())
	}
	return nil
}

// webLoad runs clients loops of GETs for dur and returns requests/s,
// p50, p99 and the count of non-200 answers.
func webLoad(ctx context.Context, client *http.Client, clients int, dur time.Duration, next func(int) string) (float64, time.Duration, time.Duration, int64) {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	begin := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				res, err := client.Get(next(c))
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(begin)
	if len(lat) == 0 {
		return 0, 0, 0, errs.Load()
	}
	slices.Sort(lat)
	return float64(len(lat)) / el.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100], errs.Load()
}
