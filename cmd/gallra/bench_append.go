package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
)

// benchAppend grows one chat and one mail thread to N messages through the
// services serve uses (the store with each organisation's sensitive-data
// scanner), timing every write, and prints the median cost of the first
// and of the last W writes of each: a chat message (visitor and agent
// alternately, the widget's and the console's calls) and a staff mail
// reply (the API's and the workspace's call, queued for delivery). Equal
// medians mean appending does not depend on the conversation's length.
func benchAppend(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench append", "[--n N] [--window W] [--vacuum-every K] [--postgres URL]")
	n := fs.Int("n", 5000, "messages to grow each conversation to")
	window := fs.Int("window", 100, "writes at the start and at the end whose median is compared")
	vacuum := fs.Int("vacuum-every", 0, "PostgreSQL: VACUUM the conversation tables every this many messages, as autovacuum does on a server where it is on (0: never)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *window < 5 || *n < 2**window {
		return usageErr("give --window ≥ 5 and --n at least twice --window")
	}
	fmt.Fprintf(env.Stdout, "append: one chat and one mail thread grown to %d messages through the services; median of messages 1–%d vs %d–%d\n",
		*n, *window, *n-*window+1, *n)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		if t.URL != "" {
			av, err := db.ServerSetting(ctx, "autovacuum")
			if err != nil {
				cleanup()
				return err
			}
			fmt.Fprintf(env.Stdout, "%-8s autovacuum on this server: %s; VACUUM by the benchmark every %d messages (0: never)\n", t.Name, av, *vacuum)
		}
		chat, mail, err := appendOnce(ctx, db.WithScanner(orgpii.New(db)), *n, *vacuum)
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		for _, r := range []struct {
			name string
			lat  []time.Duration
		}{{"chat message", chat}, {"mail reply", mail}} {
			first, last := medianMS(r.lat[:*window]), medianMS(r.lat[len(r.lat)-*window:])
			fmt.Fprintf(env.Stdout, "%-8s %-12s at message 1–%d: %6.2f ms, at %d–%d: %6.2f ms (×%.2f)\n",
				t.Name, r.name, *window, first, *n-*window+1, *n, last, last/first)
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(env.Stdout, "load average at the end: %s", b)
	}
	return nil
}

// medianMS is the median of latencies, in milliseconds.
func medianMS(l []time.Duration) float64 {
	s := append([]time.Duration(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// appendOnce writes n chat messages and n mail messages (one inbound, then
// replies only: the worst case for finding the message replied to) and
// returns each write's latency in order. With vacuumEvery the conversation
// tables are vacuumed every so many writes (outside the timed calls).
func appendOnce(ctx context.Context, db *store.DB, n, vacuumEvery int) (chat, mail []time.Duration, err error) {
	vacuum := func(i int) error {
		if vacuumEvery > 0 && i%vacuumEvery == 0 {
			return db.Vacuum(ctx, "chat_conversations", "mail_conversations")
		}
		return nil
	}
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return nil, nil, err
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	chatCh, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleChat, Name: "Chatt"})
	if err != nil {
		return nil, nil, err
	}
	inbox, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleMail, Name: "Kundtjänst", Address: "kontakt@bench.example"})
	if err != nil {
		return nil, nil, err
	}
	// The services' clock moves a second per reading, so the visitor's
	// per-chat message limit (the same limit a real visitor meets) lets
	// every message through; the database keeps the wall clock.
	var tick atomic.Int64
	start := time.Now().UTC()
	clock := gallra.ClockFunc(func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) })
	svc := service.New(service.Deps{DB: db, Clock: clock, ChatHub: service.NewChatHub(db, service.ChatHubConfig{})})

	c, tok, err := svc.ChatLive.Start(ctx, gallra.NewChat{ChannelID: chatCh.ID, Name: "Kund", Email: "chatt@example.se", Message: "Hej, jag har en fråga om min faktura."})
	if err != nil {
		return nil, nil, fmt.Errorf("start chat: %w", err)
	}
	access := gallra.ChatVisitorAccess{ChatID: c.ID, Token: tok}
	chat = make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		t0 := time.Now()
		if i%2 == 1 {
			_, err = svc.ChatLive.VisitorMessage(ctx, access, fmt.Sprintf("Fakturan gäller november, rad %d stämmer inte.", i))
		} else {
			_, err = svc.ChatLive.AgentMessage(ctx, admin, c.ID, fmt.Sprintf("Jag tittar på rad %d åt dig.", i))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("chat message %d: %w", i, err)
		}
		chat = append(chat, time.Since(t0))
		if err := vacuum(i); err != nil {
			return nil, nil, err
		}
	}

	in, err := db.IngestMail(ctx, org.ID, inbox.ID, gallra.InboundMail{From: "kund@example.se", Subject: "Fråga om bygglov",
		Body: "Hej! När får jag besked om mitt bygglov?", MessageID: "first@example.se"})
	if err != nil {
		return nil, nil, err
	}
	body := "Hej!\n\nTack för ditt meddelande. Handläggningen tar normalt tre veckor; vi hör av oss så snart beslutet är fattat.\n\nVänliga hälsningar\nKundtjänst"
	mail = make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		t0 := time.Now()
		if _, err := svc.Mail.Reply(ctx, admin, in.ConversationID, gallra.MailReply{Body: body}); err != nil {
			return nil, nil, fmt.Errorf("mail reply %d: %w", i, err)
		}
		mail = append(mail, time.Since(t0))
		if err := vacuum(i); err != nil {
			return nil, nil, err
		}
	}
	return chat, mail, nil
}
