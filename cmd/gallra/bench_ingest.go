package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/store"
)

// benchIngest writes N forum posts and N chat messages through the store
// (the same code path as the API), each write its own transaction, and prints
// writes/s per database.
func benchIngest(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench ingest", "[--n N] [--postgres URL]")
	n := fs.Int("n", 20000, "writes of each kind (forum posts, chat messages)")
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
	fmt.Fprintf(env.Stdout, "ingest: %d forum posts and %d chat messages, %d writer(s), one transaction per write\n", *n, *n, *workers)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		posts, chats, err := ingestOnce(ctx, db, *n, *workers)
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		fmt.Fprintf(env.Stdout, "%-8s forum posts:   %6d writes in %7.2fs = %8.0f writes/s\n", t.Name, *n, posts.Seconds(), float64(*n)/posts.Seconds())
		fmt.Fprintf(env.Stdout, "%-8s chat messages: %6d writes in %7.2fs = %8.0f writes/s\n", t.Name, *n, chats.Seconds(), float64(*n)/chats.Seconds())
		fmt.Fprintf(env.Stdout, "%-8s ingest: %.0f writes/s\n", t.Name, float64(2**n)/(posts+chats).Seconds())
	}
	return nil
}

func ingestOnce(ctx context.Context, db *store.DB, n, workers int) (posts, chats time.Duration, err error) {
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return 0, 0, err
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	forum, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: "Forum"})
	if err != nil {
		return 0, 0, err
	}
	chatCh, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleChat, Name: "Chat"})
	if err != nil {
		return 0, 0, err
	}
	posts, err = parallel(ctx, n, workers, func(ctx context.Context, w, count int) error {
		return writePosts(ctx, db, org.ID, forum.ID, w, count)
	})
	if err != nil {
		return 0, 0, err
	}
	chats, err = parallel(ctx, n, workers, func(ctx context.Context, w, count int) error {
		return writeChats(ctx, db, org.ID, chatCh.ID, w, count)
	})
	return posts, chats, err
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
