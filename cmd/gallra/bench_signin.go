package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
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
	"github.com/gallra/gallra/internal/hashlimit"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/web"
)

// signinAccounts is how many staff users with a password the sign-in
// benchmark creates; every fifth attempt is for one of them.
const signinAccounts = 20

// benchSignin starts the real server (API and UI composed as serve does, on
// a fresh SQLite database, behind a trusted X-Forwarded-For header) on a
// loopback port and fires a burst of concurrent sign-in attempts from many
// client addresses, known and unknown e-mails mixed, while one client keeps
// requesting a public GET (/readyz, which asks the database). It prints the
// sign-in latencies and statuses, the public GET's latencies, and the
// process's peak memory (VmHWM and the highest VmRSS sampled during the
// burst; the load generator runs in the same process, so both include it).
func benchSignin(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench signin", "[--attempts N] [--clients N] [--slots N | --no-limit]")
	attempts := fs.Int("attempts", 500, "concurrent sign-in attempts")
	clients := fs.Int("clients", 100, "client addresses the attempts come from (X-Forwarded-For)")
	slots := fs.Int("slots", 0, "password hashes in flight (0: hashlimit.DefaultSlots, half the cores, as serve does)")
	noLimit := fs.Bool("no-limit", false, "run without the bound on password hashes in flight, for comparison (needs ~19 MiB per attempt)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *attempts < 1 || *attempts > 5000 {
		return usageErr("--attempts must be between 1 and 5000")
	}
	if *clients < 1 || *clients > 60000 {
		return usageErr("--clients must be between 1 and 60000")
	}
	db, cleanup, err := benchdb.Open(ctx, benchdb.Targets("")[0], env.Clock)
	if err != nil {
		return err
	}
	defer cleanup()
	if *slots < 0 || *slots > 256 {
		return usageErr("--slots must be between 0 and 256")
	}
	lim := hashlimit.New(hashlimit.Config{Slots: *slots})
	if *noLimit {
		lim = hashlimit.New(hashlimit.Config{Slots: -1})
	}
	db = db.WithHashLimiter(lim)
	srv, accounts, err := startSigninServer(ctx, env, db)
	if err != nil {
		return err
	}
	defer srv.Close()
	if *noLimit {
		fmt.Fprintf(env.Stdout, "signin: hash limiter disabled\n")
	} else {
		fmt.Fprintf(env.Stdout, "signin: hash limiter %d slots, wait %v\n", lim.Slots(), hashlimit.DefaultWait)
	}
	fmt.Fprintf(env.Stdout, "signin: %d concurrent attempts from %d addresses (every 5th for one of %d accounts), RSS before %s\n",
		*attempts, *clients, len(accounts), fmtKB(procStatusKB("VmRSS")))

	client := &http.Client{
		Timeout:       2 * time.Minute,
		Transport:     &http.Transport{MaxIdleConns: *attempts + 10, MaxIdleConnsPerHost: *attempts + 10},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()

	var base []time.Duration // the public GET before the burst, on this (possibly shared) machine
	for t0 := time.Now(); time.Since(t0) < time.Second; time.Sleep(5 * time.Millisecond) {
		start := time.Now()
		if status, err := signinGet(ctx, client, srv.URL+"/readyz"); err != nil || status != http.StatusOK {
			return fmt.Errorf("public GET before the burst: status %d, %v", status, err)
		}
		base = append(base, time.Since(start))
	}
	fmt.Fprintf(env.Stdout, "signin: public GET /readyz before the burst: %d requests, latency %s\n", len(base), fmtLatencies(base))

	stop := make(chan struct{})
	var peakRSS atomic.Int64
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // sample the resident set while the burst runs
		defer bg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := procStatusKB("VmRSS"); kb > peakRSS.Load() {
				peakRSS.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var gets []time.Duration
	var slowest, slowestAt time.Duration    // the slowest GET, and when it started after the burst's start
	burstStart := time.Now().Add(time.Hour) // set just before the attempts are released
	var burstMu sync.Mutex
	var getErrs int
	go func() { // an unrelated public GET, one after another
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			status, err := signinGet(ctx, client, srv.URL+"/readyz")
			took := time.Since(start)
			gets = append(gets, took)
			if took > slowest {
				burstMu.Lock()
				slowest, slowestAt = took, start.Sub(burstStart)
				burstMu.Unlock()
			}
			if err != nil || status != http.StatusOK {
				getErrs++
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	type result struct {
		status int
		took   time.Duration
	}
	results := make([]result, *attempts)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	start := time.Now()
	for i := range *attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, pw := fmt.Sprintf("nobody%d@bench.example", i), "not the password at all"
			if i%5 == 0 {
				a := accounts[(i/5)%len(accounts)]
				email = a
				if (i/5)%2 == 0 {
					pw = signinPassword
				}
			}
			c := i % *clients
			ip := fmt.Sprintf("198.18.%d.%d", c/250, c%250+1)
			<-ready
			t0 := time.Now()
			status, err := signinPost(ctx, client, srv.URL, ip, email, pw)
			if err != nil {
				status = 0
			}
			results[i] = result{status, time.Since(t0)}
		}()
	}
	burstMu.Lock()
	burstStart = time.Now()
	burstMu.Unlock()
	close(ready)
	wg.Wait()
	burst := time.Since(start)
	close(stop)
	bg.Wait()

	counts := map[int]int{}
	var lat []time.Duration
	for _, r := range results {
		counts[r.status]++
		lat = append(lat, r.took)
	}
	var codes []string
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		name := strconv.Itoa(s)
		if s == 0 {
			name = "error"
		}
		codes = append(codes, fmt.Sprintf("%s: %d", name, counts[s]))
	}
	fmt.Fprintf(env.Stdout, "signin: burst took %.1fs; statuses %s\n", burst.Seconds(), strings.Join(codes, ", "))
	fmt.Fprintf(env.Stdout, "signin: sign-in latency %s\n", fmtLatencies(lat))
	fmt.Fprintf(env.Stdout, "signin: public GET /readyz during the burst: %d requests (%d failed), latency %s\n", len(gets), getErrs, fmtLatencies(gets))
	fmt.Fprintf(env.Stdout, "signin: slowest public GET %.1f ms, started %+.0f ms after the burst's start\n", msOf(slowest), msOf(slowestAt))
	fmt.Fprintf(env.Stdout, "signin: RSS peak sampled %s, VmHWM %s\n", fmtKB(peakRSS.Load()), fmtKB(procStatusKB("VmHWM")))
	fmt.Fprintf(env.Stdout, "signin: RSS peak %s, public GET p99 %.1f ms\n", fmtKB(peakRSS.Load()), msOf(signinPercentile(gets, 0.99)))
	return nil
}

// signinPassword is the benchmark accounts' password.
const signinPassword = "correct horse battery staple"

// startSigninServer creates an organisation with signinAccounts staff users
// who have a password, and serves the API and UI on a loopback port with
// X-Forwarded-For as the trusted proxy header.
func startSigninServer(ctx context.Context, env *Env, db *store.DB) (*httptest.Server, []string, error) {
	org, _, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return nil, nil, err
	}
	sys := gallra.Actor{Type: gallra.ActorSystem}
	var accounts []string
	for i := range signinAccounts {
		s, err := db.CreateStaff(ctx, sys, &gallra.Staff{OrgID: org.ID, Name: fmt.Sprintf("Staff %d", i), Email: fmt.Sprintf("staff%d@bench.example", i), Role: gallra.RoleEditor, Active: true})
		if err != nil {
			return nil, nil, fmt.Errorf("create staff: %w", err)
		}
		if err := db.SetPassword(ctx, sys, org.ID, s.ID, signinPassword); err != nil {
			return nil, nil, fmt.Errorf("set password: %w", err)
		}
		accounts = append(accounts, s.Email)
	}
	dir, err := os.MkdirTemp("", "gallra-bench-signin-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir) // no export is made
	cfg, err := serviceSettings{artefactDir: dir}.check()
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := buildServices(db, env.Clock, log, cfg)
	api, err := httpapi.New(httpapi.Config{Logger: log, Clock: env.Clock, TrustedProxyHeader: "X-Forwarded-For", Version: version,
		PolicyText: svc.retention.PublicPolicyText, Takeout: svc.takeout, Services: svc.features, Detectors: svc.detectors})
	if err != nil {
		return nil, nil, err
	}
	ui, err := newWebUI(env, log, "X-Forwarded-For", "", svc)
	if err != nil {
		return nil, nil, err
	}
	srv := httptest.NewUnstartedServer(web.Compose(api.Handler(), ui))
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	return srv, accounts, nil
}

func signinPost(ctx context.Context, c *http.Client, base, ip, email, pw string) (int, error) {
	form := url.Values{"email": {email}, "password": {pw}}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", ip)
	return signinDo(c, req)
}

func signinGet(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Forwarded-For", "192.0.2.200")
	return signinDo(c, req)
}

func signinDo(c *http.Client, req *http.Request) (int, error) {
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// procStatusKB reads a "Name: N kB" line of /proc/self/status (0 when it
// cannot: not Linux).
func procStatusKB(name string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func fmtKB(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// signinPercentile returns the p-th (0..1) of ds by nearest rank; 0 for none.
func signinPercentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtLatencies(ds []time.Duration) string {
	return fmt.Sprintf("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
		msOf(signinPercentile(ds, 0.5)), msOf(signinPercentile(ds, 0.9)), msOf(signinPercentile(ds, 0.99)), msOf(signinPercentile(ds, 1)))
}
