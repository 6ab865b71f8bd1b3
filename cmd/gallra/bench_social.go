package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/social"
	"github.com/gallra/gallra/internal/takeout"
)

// benchSocial posts N signed Meta webhook deliveries (one comment each)
// with C senders side by side to the API over loopback HTTP, then applies
// them with the social.webhooks job, and prints deliveries accepted/s with
// the p50/p99 answer time (what Meta waits for), and changes applied/s.
func benchSocial(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench social", "[--n N] [--senders C] [--postgres URL]")
	n := fs.Int("n", 2000, "deliveries to post")
	senders := fs.Int("senders", 8, "concurrent senders")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 10 || *senders < 1 || *senders > 256 {
		return usageErr("--n must be at least 10 and --senders between 1 and 256")
	}
	const secret = "bench-app-secret-0123456789abcdef"
	meta, err := social.NewMeta(social.MetaConfig{GraphURL: "http://127.0.0.1:1/v21.0", AppSecret: secret, VerifyToken: "vt"})
	if err != nil {
		return err
	}
	box, err := secretbox.New("bench-secret-key-0123456789abcdef0123")
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "social: %d signed webhook deliveries from %d senders over loopback HTTP, then applied by the job\n", *n, *senders)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		err = func() error {
			defer cleanup()
			svc := service.New(service.Deps{DB: db, Clock: env.Clock, Secrets: box, Social: service.SocialConfig{Connectors: []social.Connector{meta}}})
			_, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
			if err != nil {
				return err
			}
			ch, err := svc.Channels.CreateChannel(ctx, admin, gallra.NewChannel{Module: gallra.ModuleSocial, Name: "Sidan"})
			if err != nil {
				return err
			}
			if _, err := svc.SocialConnect.Connect(ctx, admin, ch.ID, gallra.SocialAccountSettings{PageID: "1000", AccessToken: "tok"}); err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "gallra-bench-social")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			api, err := httpapi.New(httpapi.Config{Services: svc, Clock: env.Clock, Version: "bench", Takeout: takeout.New(db, nil, takeout.Config{ArtefactDir: dir}), Detectors: orgpii.New(db)})
			if err != nil {
				return err
			}
			srv := httptest.NewServer(api.Handler())
			defer srv.Close()
			bodies := make([]string, *n)
			now := env.Clock.Now().Unix()
			for i := range bodies {
				bodies[i] = fmt.Sprintf(`{"object":"page","entry":[{"id":"1000","time":%d,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1000_1_%d","post_id":"1000_1","parent_id":"1000_1","from":{"id":"%d","name":"Testperson"},"message":"Kommentar nummer %d om vägarbetet på Storgatan.","created_time":%d}}]}]}`,
					now, i, 5000+i%100, i, now)
			}
			lat := make([]time.Duration, *n)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failed int
			next := make(chan int)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *senders}}
			start := time.Now()
			for w := 0; w < *senders; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/v1/social/meta/webhook", strings.NewReader(bodies[i]))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("X-Hub-Signature-256", social.SignDelivery([]byte(bodies[i]), secret))
						t0 := time.Now()
						res, err := client.Do(req)
						lat[i] = time.Since(t0)
						ok := err == nil && res.StatusCode == 200
						if err == nil {
							io.Copy(io.Discard, res.Body)
							res.Body.Close()
						}
						if !ok {
							mu.Lock()
							failed++
							mu.Unlock()
						}
					}
				}()
			}
			for i := range bodies {
				next <- i
			}
			close(next)
			wg.Wait()
			accept := time.Since(start)
			start = time.Now()
			if _, err := svc.SocialPlatform.ProcessWebhooks(ctx); err != nil {
				return err
			}
			apply := time.Since(start)
			counts, err := db.WebhookEventCounts(ctx, gallra.PlatformMeta)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: accepted %.0f deliveries/s (p50 %.1f ms, p99 %.1f ms, %d refused); applied %.0f/s (%d done, %d failed)\n",
				t.Name, float64(*n)/accept.Seconds(), quantileMS(lat, 0.50), quantileMS(lat, 0.99), failed, float64(*n)/apply.Seconds(), counts["done"], counts["failed"])
			return nil
		}()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}
