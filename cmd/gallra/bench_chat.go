package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
)

// benchChat holds M visitor WebSockets on a loopback chat server (the
// widget's /chat/ handler, the service and its hub, one process), measures
// the memory each idle connection costs, then lets A of the visitors write
// one message a second each (a POST, as the widget does), each answered by
// an agent (the service call the console makes). It prints connections
// held, RSS per idle connection (server and client sides in one process:
// an upper bound for the server), delivered messages/s and the delivery
// latency (the write starting to the frame arriving at the visitor's
// socket), per database.
func benchChat(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench chat", "[--conns M] [--active A] [--duration D] [--postgres URL]")
	conns := fs.Int("conns", 2000, "visitor WebSockets to hold")
	active := fs.Int("active", 250, "visitors writing, one message a second each, every one answered by an agent")
	dur := fs.Duration("duration", 15*time.Second, "how long the visitors write")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *conns < 1 || *active < 1 || *active > *conns {
		return usageErr("give --conns ≥ 1 and --active between 1 and --conns")
	}
	if *dur < time.Second {
		return usageErr("--duration must be at least 1s")
	}
	fmt.Fprintf(env.Stdout, "chat: %d visitor WebSockets on loopback; %d of them write 1 message/s for %s, each answered by an agent\n", *conns, *active, *dur)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		r, err := chatOnce(ctx, db, *conns, *active, *dur)
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		fmt.Fprintf(env.Stdout, "%-8s held %d connections; RSS +%.1f KB per idle connection (both sides); %d messages delivered in %.1fs = %.0f msg/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d send errors\n",
			t.Name, r.held, r.rssPerConn/1024, len(r.lat), r.wall.Seconds(), float64(len(r.lat))/r.wall.Seconds(), r.q(0.5), r.q(0.99), r.q(1), r.errors)
		fmt.Fprintf(env.Stdout, "%-8s   visitor messages (POST) p50 %.1f ms, p99 %.1f ms; agent answers (service call) p50 %.1f ms, p99 %.1f ms\n",
			t.Name, quantile(r.visitor, 0.5), quantile(r.visitor, 0.99), quantile(r.agent, 0.5), quantile(r.agent, 0.99))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(env.Stdout, "load average at the end: %s", b)
	}
	return nil
}

type chatBenchResult struct {
	held       int
	rssPerConn float64
	lat        []time.Duration
	// visitor and agent are the latencies of the two paths apart: the
	// visitor's POST, and the agent's service call.
	visitor, agent []time.Duration
	wall           time.Duration
	errors         int
}

func (r chatBenchResult) q(p float64) float64 { return quantile(r.lat, p) }

// quantile of sorted latencies, in milliseconds.
func quantile(l []time.Duration, p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	return float64(l[int(p*float64(len(l)-1))]) / float64(time.Millisecond)
}

// rssBytes is this process's resident set size, from /proc/self/status.
func rssBytes() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// benchVisitor is one visitor's socket; arrivals receives the body of
// every message event.
type benchVisitor struct {
	id       int64
	token    string
	c        *websocket.Conn
	arrivals chan string
}

func chatOnce(ctx context.Context, db *store.DB, conns, active int, dur time.Duration) (chatBenchResult, error) {
	var res chatBenchResult
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return res, err
	}
	ch, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleChat, Name: "Chatt"})
	if err != nil {
		return res, err
	}
	hub := service.NewChatHub(db, service.ChatHubConfig{})
	hctx, stopHub := context.WithCancel(ctx)
	defer stopHub()
	go hub.Run(hctx)
	svc := service.New(service.Deps{DB: db, ChatHub: hub})
	h, err := chatlive.New(chatlive.Config{Service: svc.ChatLive, PostRate: rate.Inf, PostBurst: 1})
	if err != nil {
		return res, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// The chats (through the service: the start route's per-IP limit is
	// for the public, and every visitor here is 127.0.0.1).
	vs := make([]*benchVisitor, conns)
	for i := range vs {
		c, tok, err := svc.ChatLive.Start(ctx, gallra.NewChat{ChannelID: ch.ID, Message: "Hej " + strconv.Itoa(i)})
		if err != nil {
			return res, fmt.Errorf("start chat %d: %w", i, err)
		}
		vs[i] = &benchVisitor{id: c.ID, token: tok}
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := rssBytes()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	var dialErr error
	var mu sync.Mutex
	for _, v := range vs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := v.dial(ctx, base); err != nil {
				mu.Lock()
				dialErr = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if dialErr != nil {
		return res, fmt.Errorf("dial: %w", dialErr)
	}
	defer func() {
		for _, v := range vs {
			v.c.CloseNow()
		}
	}()
	time.Sleep(time.Second)
	runtime.GC()
	debug.FreeOSMemory()
	res.held = hub.Subscribers()
	res.rssPerConn = (rssBytes() - rss0) / float64(conns)

	// The writing phase: each active visitor writes once a second (spread
	// over the second), waits for its message and the agent's answer.
	start := time.Now()
	end := start.Add(dur)
	lats := make([][]time.Duration, active)
	vlats := make([][]time.Duration, active)
	alats := make([][]time.Duration, active)
	errs := make([]int, active)
	for i := 0; i < active; i++ {
		v := vs[i]
		wg.Go(func() {
			time.Sleep(time.Duration(i) * time.Second / time.Duration(active))
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for n := 0; time.Now().Before(end); n++ {
				body := fmt.Sprintf("v%d-%d", v.id, n)
				t0 := time.Now()
				if err := v.post(ctx, client, base, body); err != nil {
					errs[i]++
				} else if d, ok := v.await(body, t0); ok {
					lats[i] = append(lats[i], d)
					vlats[i] = append(vlats[i], d)
					answer := "a" + body
					t1 := time.Now()
					if _, err := svc.ChatLive.AgentMessage(ctx, admin, v.id, answer); err != nil {
						errs[i]++
					} else if d, ok := v.await(answer, t1); ok {
						lats[i] = append(lats[i], d)
						alats[i] = append(alats[i], d)
					} else {
						errs[i]++
					}
				} else {
					errs[i]++
				}
				<-tick.C
			}
		})
	}
	wg.Wait()
	res.wall = min(time.Since(start), dur) // the writing window; the last tick waits past it
	for i := range lats {
		res.lat = append(res.lat, lats[i]...)
		res.visitor = append(res.visitor, vlats[i]...)
		res.agent = append(res.agent, alats[i]...)
		res.errors += errs[i]
	}
	for _, l := range [][]time.Duration{res.lat, res.visitor, res.agent} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	return res, nil
}

func (v *benchVisitor) dial(ctx context.Context, base string) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/chat/ws/"+strconv.FormatInt(v.id, 10), nil)
	if err != nil {
		return err
	}
	hello, _ := json.Marshal(chatlive.Hello{Type: "hello", Token: v.token})
	if err := c.Write(dctx, websocket.MessageText, hello); err != nil {
		return err
	}
	v.c = c
	v.arrivals = make(chan string, 16)
	got := make(chan struct{})
	go func() {
		first := true
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f chatlive.Frame
			if json.Unmarshal(b, &f) != nil || f.Type != "event" || f.Event.Kind != gallra.ChatEventMessage {
				continue
			}
			if first {
				first = false
				close(got)
				continue
			}
			select {
			case v.arrivals <- f.Event.Body:
			default:
			}
		}
	}()
	select {
	case <-got:
		return nil
	case <-dctx.Done():
		return errors.New("no first event")
	}
}

func (v *benchVisitor) post(ctx context.Context, client *http.Client, base, body string) error {
	b, _ := json.Marshal(map[string]string{"token": v.token, "message": body})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/chat/api/"+strconv.FormatInt(v.id, 10)+"/messages", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// await waits (up to 10 s) for body to arrive and returns the time since t0.
func (v *benchVisitor) await(body string, t0 time.Time) (time.Duration, bool) {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-v.arrivals:
			if got == body {
				return time.Since(t0), true
			}
		case <-timeout:
			return 0, false
		}
	}
}
