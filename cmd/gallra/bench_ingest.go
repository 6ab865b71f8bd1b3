package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
)

// benchIngest writes N forum posts and N chat messages (one topic or chat
// per 20 writes, each write its own transaction) three ways and prints
// writes/s per database: through the store alone (no sensitive-data flags:
// the floor), through the services serve builds (the public API's calls,
// with each organisation's sensitive-data scanner), and as public API POSTs
// over loopback HTTP to the handler serve runs. Each engine's durability
// setting is printed with its figures: PostgreSQL as configured (by
// default every commit waits for its WAL flush), SQLite in WAL mode with
// synchronous=NORMAL (a commit is in the WAL file, not yet flushed; see
// docs/configuration.md).
func benchIngest(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench ingest", "[--n N] [--workers W] [--postgres URL]")
	n := fs.Int("n", 5000, "writes of each kind (forum posts, chat messages) per path")
	workers := fs.Int("workers", 1, "concurrent writers (each its own topics and chats)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 100 {
		return usageErr("--n must be at least 100")
	}
	if *workers < 1 || *workers > 64 {
		return usageErr("--workers must be between 1 and 64")
	}
	fmt.Fprintf(env.Stdout, "ingest: %d forum posts and %d chat messages per path, %d writer(s), one transaction per write; paths: store (no sensitive-data flags), service (as serve: flags on), http (public API POSTs on loopback, per-IP limit off)\n", *n, *n, *workers)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		dur, err := db.Durability(ctx)
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		fmt.Fprintf(env.Stdout, "%-8s durability: %s (%s)\n", t.Name, dur, durabilityMeaning(t.Name, dur))
		res, err := ingestOnce(ctx, env, db, *n, *workers)
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		for _, r := range res {
			fmt.Fprintf(env.Stdout, "%-8s %-8s forum posts:   %6d writes in %7.2fs = %8.0f writes/s\n", t.Name, r.path, *n, r.posts.Seconds(), float64(*n)/r.posts.Seconds())
			fmt.Fprintf(env.Stdout, "%-8s %-8s chat messages: %6d writes in %7.2fs = %8.0f writes/s\n", t.Name, r.path, *n, r.chats.Seconds(), float64(*n)/r.chats.Seconds())
		}
		last := res[len(res)-1]
		fmt.Fprintf(env.Stdout, "%-8s ingest over HTTP: %.0f writes/s\n", t.Name, float64(2**n)/(last.posts+last.chats).Seconds())
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(env.Stdout, "load average at the end: %s", b)
	}
	return nil
}

// durabilityMeaning says in words what a Durability setting means for the
// figures next to it.
func durabilityMeaning(engine, dur string) string {
	switch {
	case engine == "postgres" && strings.Contains(dur, "fsync=on") && strings.Contains(dur, "synchronous_commit=on"):
		return "every commit waits for its WAL flush to disk"
	case engine == "postgres":
		return "commits do not all wait for a flush to disk: the last ones can be lost in a crash"
	case strings.Contains(dur, "synchronous=NORMAL") && strings.Contains(dur, "journal_mode=wal"):
		return "a commit is written to the WAL file, flushed at checkpoints: it survives a crash of the process, the last ones can be lost on power loss"
	case strings.Contains(dur, "synchronous=FULL"):
		return "every commit is flushed to disk"
	}
	return "see docs/configuration.md"
}

// ingestResult is one path's wall times.
type ingestResult struct {
	path         string
	posts, chats time.Duration
}

func ingestOnce(ctx context.Context, env *Env, db *store.DB, n, workers int) ([]ingestResult, error) {
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return nil, err
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	forum, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: "Forum"})
	if err != nil {
		return nil, err
	}
	chatCh, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleChat, Name: "Chat"})
	if err != nil {
		return nil, err
	}
	var out []ingestResult
	run := func(path string, post func(ctx context.Context, w, count int) error, chat func(ctx context.Context, w, count int) error) error {
		r := ingestResult{path: path}
		if r.posts, err = parallel(ctx, n, workers, post); err != nil {
			return fmt.Errorf("%s: forum posts: %w", path, err)
		}
		if r.chats, err = parallel(ctx, n, workers, chat); err != nil {
			return fmt.Errorf("%s: chat messages: %w", path, err)
		}
		out = append(out, r)
		return nil
	}
	if err := run("store", func(ctx context.Context, w, count int) error {
		return writePosts(ctx, db, org.ID, forum.ID, w, count)
	}, func(ctx context.Context, w, count int) error {
		return writeChats(ctx, db, org.ID, chatCh.ID, w, count)
	}); err != nil {
		return nil, err
	}

	// The services as serve builds them, on the handle serve uses.
	cfg, err := serviceSettings{}.check()
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := buildServices(db.WithScanner(orgpii.New(db)), env.Clock, log, cfg)
	if err := run("service", func(ctx context.Context, w, count int) error {
		return ingestThreads(ctx, w+workers, count, func(title, body string, a gallra.Author) (int64, error) {
			t, err := svc.features.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: forum.ID, Title: title, Body: body, Author: a})
			if err != nil {
				return 0, err
			}
			return t.ID, nil
		}, func(topic int64, body string, a gallra.Author) error {
			_, err := svc.features.Forum.AddPublicPost(ctx, gallra.NewPost{TopicID: topic, Body: body, Author: a})
			return err
		})
	}, func(ctx context.Context, w, count int) error {
		var secret string
		return ingestThreads(ctx, w+workers, count, func(_, body string, a gallra.Author) (int64, error) {
			c, s, err := svc.features.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: chatCh.ID, Name: a.Name, Email: a.Email, IP: a.IP, Message: body})
			if err != nil {
				return 0, err
			}
			secret = s
			return c.ID, nil
		}, func(chat int64, body string, _ gallra.Author) error {
			_, err := svc.features.Chat.PublicMessage(ctx, chat, secret, body)
			return err
		})
	}); err != nil {
		return nil, err
	}

	// The public API over loopback HTTP, the handler serve runs (the
	// per-IP limit of public POSTs off: every client here is 127.0.0.1).
	api, err := httpapi.New(httpapi.Config{Logger: log, Clock: env.Clock, Version: version, PublicRate: rate.Inf, PublicBurst: 1,
		PolicyText: svc.retention.PublicPolicyText, Takeout: svc.takeout, Services: svc.features, Detectors: svc.detectors})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	post := func(ctx context.Context, path, token string, in, out any) error {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+path, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-Chat-Token", token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST %s: %s: %s", path, resp.Status, body)
		}
		if out != nil {
			return json.Unmarshal(body, out)
		}
		return nil
	}
	if err := run("http", func(ctx context.Context, w, count int) error {
		return ingestThreads(ctx, w+2*workers, count, func(title, body string, a gallra.Author) (int64, error) {
			var t httpapi.PublicTopic
			err := post(ctx, fmt.Sprintf("/api/v1/public/channels/%d/topics", forum.ID), "", httpapi.PublicTopicCreate{Title: title, Body: body, AuthorName: a.Name, AuthorEmail: a.Email}, &t)
			return t.ID, err
		}, func(topic int64, body string, a gallra.Author) error {
			return post(ctx, fmt.Sprintf("/api/v1/public/topics/%d/posts", topic), "", httpapi.PublicPostCreate{Body: body, AuthorName: a.Name, AuthorEmail: a.Email}, nil)
		})
	}, func(ctx context.Context, w, count int) error {
		var token string
		return ingestThreads(ctx, w+2*workers, count, func(_, body string, a gallra.Author) (int64, error) {
			var c httpapi.PublicChatStarted
			err := post(ctx, fmt.Sprintf("/api/v1/public/channels/%d/chats", chatCh.ID), "", httpapi.PublicChatStart{Name: a.Name, Email: a.Email, Message: body}, &c)
			token = c.ChatToken
			return c.ChatID, err
		}, func(chat int64, body string, _ gallra.Author) error {
			return post(ctx, fmt.Sprintf("/api/v1/public/chats/%d/messages", chat), token, httpapi.PublicChatMessage{Message: body}, nil)
		})
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// ingestThreads writes count messages as writer w: every benchPerThread-th
// starts a thread (a topic or a chat) with start, the others add to it.
func ingestThreads(ctx context.Context, w, count int, start func(title, body string, a gallra.Author) (int64, error), add func(thread int64, body string, a gallra.Author) error) error {
	body := "Hej! Jag undrar när sophämtningen sker i mitt område, och om det går att beställa extra tömning."
	var thread int64
	for i := 0; i < count; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := w*1000 + i%500
		a := gallra.Author{Name: fmt.Sprintf("Kund %d", k), Email: fmt.Sprintf("kund%d@example.se", k), IP: "192.0.2.10"}
		var err error
		if i%benchPerThread == 0 {
			thread, err = start(fmt.Sprintf("Fråga %d-%d", w, i), body, a)
		} else {
			err = add(thread, body, a)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parallel splits n writes over workers and returns the wall time.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, worker, count int) error) (time.Duration, error) {
	start := time.Now()
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		count := n / workers
		if w < n%workers {
			count++
		}
		go func(w, count int) { errs <- fn(ctx, w, count) }(w, count)
	}
	var first error
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return time.Since(start), first
}

const benchPerThread = 20

func writePosts(ctx context.Context, db *store.DB, orgID, channelID int64, w, count int) error {
	var topicID int64
	body := "Hej! Jag undrar när sophämtningen sker i mitt område, och om det går att beställa extra tömning."
	for i := 0; i < count; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := w*1000 + i%500
		a := gallra.Author{Name: fmt.Sprintf("Kund %d", k), Email: fmt.Sprintf("kund%d@example.se", k), IP: "192.0.2.10"}
		if i%benchPerThread == 0 {
			t, err := db.CreateTopic(ctx, orgID, gallra.NewTopic{ChannelID: channelID, Title: fmt.Sprintf("Fråga %d-%d", w, i), Body: body, Author: a})
			if err != nil {
				return err
			}
			topicID = t.ID
			continue
		}
		if _, err := db.CreatePost(ctx, orgID, gallra.NewPost{TopicID: topicID, Body: body, Author: a}); err != nil {
			return err
		}
	}
	return nil
}

func writeChats(ctx context.Context, db *store.DB, orgID, channelID int64, w, count int) error {
	var chatID int64
	var secret string
	for i := 0; i < count; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i%benchPerThread == 0 {
			c, s, err := db.StartChat(ctx, orgID, gallra.NewChat{ChannelID: channelID, Name: "Kund", Email: fmt.Sprintf("chat%d@example.se", w*1000+i%500), Message: "Hej, jag behöver hjälp med min faktura."})
			if err != nil {
				return err
			}
			chatID, secret = c.ID, s
			continue
		}
		if _, err := db.CustomerChatMessage(ctx, orgID, chatID, secret, "Fakturan gäller november och beloppet stämmer inte."); err != nil {
			return err
		}
	}
	return nil
}
