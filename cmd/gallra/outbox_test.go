package main

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/storetest"
)

// TestOutboxCommand: `gallra outbox status` counts the queued reply and
// `gallra outbox deliver` sends it through GALLRA_SMTP_RELAY_URL, on both
// databases.
func TestOutboxCommand(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f := storetest.MustFixture(t, db, "Utkorg")
			m, err := db.IngestMail(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "kund@example.se", Subject: "Fråga", Body: "Hej", MessageID: "q1@example.se"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := service.New(service.Deps{DB: db}).Mail.Reply(ctx, f.Admin, m.ConversationID, gallra.MailReply{Body: "Svar"}); err != nil {
				t.Fatal(err)
			}
			env, out, errb := testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			if code := run(ctx, env, []string{"outbox", "status"}); code != 0 || !strings.Contains(out.String(), "pending 1, sending 0, sent 0, failed 0") ||
				!strings.Contains(out.String(), "answer notifications: pending 0, sending 0, sent 0, failed 0") {
				t.Fatalf("status: exit %d: %s %s", code, out, errb)
			}
			env, _, errb = testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			if code := run(ctx, env, []string{"outbox", "deliver"}); code != 2 || !strings.Contains(errb.String(), "GALLRA_SMTP_RELAY_URL") {
				t.Fatalf("deliver without relay: exit %d: %s", code, errb)
			}
			relay, err := startBenchRelay()
			if err != nil {
				t.Fatal(err)
			}
			defer relay.close()
			env, out, errb = testEnv(map[string]string{"GALLRA_DATABASE_URL": url, "GALLRA_SMTP_RELAY_URL": "smtp://" + relay.addr + "?starttls=none"})
			if code := run(ctx, env, []string{"outbox", "deliver"}); code != 0 || !strings.Contains(out.String(), "sent 1, to retry 0, failed 0") {
				t.Fatalf("deliver: exit %d: %s %s", code, out, errb)
			}
			if all, distinct := relay.counts(); all != 1 || distinct != 1 {
				t.Fatalf("relay got %d (%d distinct)", all, distinct)
			}
			env, out, _ = testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			if code := run(ctx, env, []string{"outbox", "status", "--json"}); code != 0 || !strings.Contains(out.String(), `"sent": 1`) {
				t.Fatalf("status --json: exit %d: %s", code, out)
			}
		})
	}
}
