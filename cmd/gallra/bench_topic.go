package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/httpapi"
)

// benchTopic seeds forum topics of large posts (by default 50 and 500 posts
// of 99 000 characters, the shape of issue 15's report), serves the real
// API on a loopback port and has concurrent anonymous clients read them
// through GET /api/v1/public/topics/{id}: first the first page over and
// over, then every page by the cursor. It prints, per database and topic
// size, the bytes of one page, the latencies, the peak growth of the
// process's resident set over its level before the load and the bytes
// allocated per request (the load generator runs in the same process, so
// both include it). Memory per request must not grow with the topic.
func benchTopic(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench topic", "[--posts N,N] [--size N] [--clients N] [--requests N] [--limit N] [--postgres URL]")
	postsFlag := fs.String("posts", "50,500", "topic sizes to seed, in posts, comma separated")
	size := fs.Int("size", 99_000, "characters per post")
	clients := fs.Int("clients", 4, "concurrent anonymous readers")
	requests := fs.Int("requests", 25, "first-page reads per reader")
	limit := fs.Int("limit", 0, fmt.Sprintf("posts per page asked for (0: the default %d)", gallra.DefaultThreadPage))
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sizes []int
	for _, f := range strings.Split(*postsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100_000 {
			return usageErr("--posts takes topic sizes from 1 to 100000, comma separated")
		}
		sizes = append(sizes, n)
	}
	switch {
	case *size < 1 || *size > gallra.MaxBodyLen:
		return usageErr("--size must be between 1 and %d", gallra.MaxBodyLen)
	case *clients < 1 || *clients > 256:
		return usageErr("--clients must be between 1 and 256")
	case *requests < 1 || *requests > 10_000:
		return usageErr("--requests must be between 1 and 10000")
	case *limit < 0 || *limit > gallra.MaxThreadPage:
		return usageErr("--limit must be between 0 and %d", gallra.MaxThreadPage)
	}
	fmt.Fprintf(env.Stdout, "topic: posts of %d characters, %d concurrent readers × %d first-page reads, then each walks every page\n", *size, *clients, *requests)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		if err := benchTopicOn(ctx, env, t, sizes, *size, *clients, *requests, *limit); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

func benchTopicOn(ctx context.Context, env *Env, t benchdb.Target, sizes []int, size, clients, requests, limit int) error {
	db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
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
	dir, err := os.MkdirTemp("", "gallra-bench-topic-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) // no export is made
	cfg, err := serviceSettings{artefactDir: dir}.check()
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	srv, err := startTopicServer(env, log, buildServices(db, env.Clock, log, cfg))
	if err != nil {
		return err
	}
	defer srv.Close()
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConns: clients + 4, MaxIdleConnsPerHost: clients + 4}}
	defer client.CloseIdleConnections()
	query := ""
	if limit > 0 {
		query = "?limit=" + strconv.Itoa(limit)
	}
	for _, n := range sizes {
		t0 := time.Now()
		topicID, err := benchdb.SeedTopic(ctx, db, org.ID, forum.ID, n, size)
		if err != nil {
			return fmt.Errorf("seed topic: %w", err)
		}
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: seeded %.0f MB of posts in %.1fs\n", t.Name, n, float64(n*size)/1e6, time.Since(t0).Seconds())
		url := fmt.Sprintf("%s/api/v1/public/topics/%d%s", srv.URL, topicID, query)

		// The first page, over and over.
		var lat []time.Duration
		var mu sync.Mutex
		var pageBytes atomic.Int64
		first, err := topicLoad(func() error {
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range requests {
						start := time.Now()
						nb, _, err := topicGet(ctx, client, url)
						if err != nil {
							errs <- err
							return
						}
						took := time.Since(start)
						pageBytes.Store(nb)
						mu.Lock()
						lat = append(lat, took)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			return <-errs
		})
		if err != nil {
			return err
		}
		reqs := int64(clients * requests)
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: first page %.2f MB, latency %s\n", t.Name, n, float64(pageBytes.Load())/1e6, fmtLatencies(lat))
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: first page: RSS growth peak %s over %s, %.1f MB allocated per request\n",
			t.Name, n, fmtKB(first.peakKB-first.beforeKB), fmtKB(first.beforeKB), float64(first.alloc)/float64(reqs)/1e6)

		// Every page, by the cursor.
		var pages, walked atomic.Int64
		var wlat []time.Duration
		walk, err := topicLoad(func() error {
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					next := int64(0)
					for {
						u := url
						if next > 0 {
							sep := "?"
							if query != "" {
								sep = "&"
							}
							u += sep + "after_id=" + strconv.FormatInt(next, 10)
						}
						start := time.Now()
						nb, nx, err := topicGet(ctx, client, u)
						if err != nil {
							errs <- err
							return
						}
						took := time.Since(start)
						mu.Lock()
						wlat = append(wlat, took)
						mu.Unlock()
						pages.Add(1)
						walked.Add(nb)
						if nx == nil {
							return
						}
						next = *nx
					}
				}()
			}
			wg.Wait()
			close(errs)
			return <-errs
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: walk: %d pages (%.1f MB) per reader, latency %s\n",
			t.Name, n, pages.Load()/int64(clients), float64(walked.Load())/float64(clients)/1e6, fmtLatencies(wlat))
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: walk: RSS growth peak %s, %.1f MB allocated per request\n",
			t.Name, n, fmtKB(walk.peakKB-walk.beforeKB), float64(walk.alloc)/float64(pages.Load())/1e6)
		fmt.Fprintf(env.Stdout, "%-8s %4d posts: public GET p99 %.1f ms, %.1f MB per response, RSS growth %s with %d readers\n",
			t.Name, n, msOf(signinPercentile(lat, 0.99)), float64(pageBytes.Load())/1e6, fmtKB(first.peakKB-first.beforeKB), clients)
	}
	return nil
}

// topicLoadResult is what topicLoad measured around a load.
type topicLoadResult struct {
	beforeKB, peakKB int64  // resident set before the load, and its sampled peak during it
	alloc            uint64 // bytes allocated during the load
}

// topicLoad runs fn after returning freed memory to the system, sampling
// the resident set every 5 ms while it runs.
func topicLoad(fn func() error) (topicLoadResult, error) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := topicLoadResult{beforeKB: procStatusKB("VmRSS")}
	alloc0 := ms.TotalAlloc
	var peak atomic.Int64
	peak.Store(r.beforeKB)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := procStatusKB("VmRSS"); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := fn()
	close(stop)
	<-done
	runtime.ReadMemStats(&ms)
	r.peakKB, r.alloc = peak.Load(), ms.TotalAlloc-alloc0
	return r, err
}

// topicGet reads one page and returns its size and next cursor.
func topicGet(ctx context.Context, c *http.Client, url string) (int64, *int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	// The cursor is the document's last field: keep only the tail, so the
	// load generator's own memory stays small.
	buf := make([]byte, 32<<10)
	var tail []byte
	var n int64
	for {
		k, err := res.Body.Read(buf)
		n += int64(k)
		tail = append(tail, buf[:k]...)
		if len(tail) > 64 {
			tail = append(tail[:0], tail[len(tail)-64:]...)
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return 0, nil, fmt.Errorf("GET %s: %w", url, err)
		}
	}
	_, after, ok := strings.Cut(string(tail), `"next_after_id":`)
	if !ok {
		return 0, nil, fmt.Errorf("GET %s: no next_after_id at the end of the answer", url)
	}
	after = strings.TrimRight(after, "}\n ")
	if after == "null" {
		return n, nil, nil
	}
	next, err := strconv.ParseInt(after, 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: next_after_id %q", url, after)
	}
	return n, &next, nil
}

// startTopicServer serves the API (as serve builds it) on a loopback port.
func startTopicServer(env *Env, log *slog.Logger, svc *services) (*httptest.Server, error) {
	api, err := httpapi.New(httpapi.Config{Logger: log, Clock: env.Clock, Version: version,
		PolicyText: svc.retention.PublicPolicyText, Takeout: svc.takeout, Services: svc.features, Detectors: svc.detectors})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(api.Handler())
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	return srv, nil
}
