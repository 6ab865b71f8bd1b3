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
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 100 {
		return usageErr("--n must be at least 100")
	}
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		posts, chats, err := ingestOnce(ctx, db, *n)
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

func ingestOnce(ctx context.Context, db *store.DB, n int) (posts, chats time.Duration, err error) {
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
	const perTopic = 20
	var topicID int64
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		a := store.Author{Name: fmt.Sprintf("Kund %d", i%500), Email: fmt.Sprintf("kund%d@example.se", i%500), IP: "192.0.2.10"}
		body := "Hej! Jag undrar när sophämtningen sker i mitt område, och om det går att beställa extra tömning."
		if i%perTopic == 0 {
			t, err := db.CreateTopic(ctx, org.ID, store.NewTopic{ChannelID: forum.ID, Title: fmt.Sprintf("Fråga %d", i), Body: body, Author: a})
			if err != nil {
				return 0, 0, err
			}
			topicID = t.ID
			continue
		}
		if _, err := db.CreatePost(ctx, org.ID, store.NewPost{TopicID: topicID, Body: body, Author: a}); err != nil {
			return 0, 0, err
		}
	}
	posts = time.Since(start)
	start = time.Now()
	var chatID int64
	var secret string
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		if i%perTopic == 0 {
			c, s, err := db.StartChat(ctx, org.ID, store.NewChat{ChannelID: chatCh.ID, Name: "Kund", Email: fmt.Sprintf("chat%d@example.se", i%500), Message: "Hej, jag behöver hjälp med min faktura."})
			if err != nil {
				return 0, 0, err
			}
			chatID, secret = c.ID, s
			continue
		}
		if _, err := db.CustomerChatMessage(ctx, org.ID, chatID, secret, "Fakturan gäller november och beloppet stämmer inte."); err != nil {
			return 0, 0, err
		}
	}
	chats = time.Since(start)
	return posts, chats, nil
}
