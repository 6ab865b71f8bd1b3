package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestPIICommand(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string
	}{
		{"scan", []string{"pii", "scan"}, "Ring 070-123 45 67", 0, []string{`{"findings":[{"kind":"phone","start":5,"end":18,"text":"070-123 45 67","confidence":`}},
		{"scan lines", []string{"pii", "scan", "--lines"}, "pnr 850709-9805\ninget här\n", 0, []string{`"personnummer"`, "{\"findings\":[]}\n"}},
		{"scan kinds", []string{"pii", "scan", "--kinds", "email"}, "a@example.se 070-1234567", 0, []string{`"email"`}},
		{"custom pattern", []string{"pii", "scan", "--pattern", `kundnummer=KN-\d{6}`}, "KN-123456", 0, []string{`"name":"kundnummer"`}},
		{"redact mask", []string{"pii", "redact", "--operator", "mask", "--keep", "2"}, "070-123 45 67", 0, []string{`67"}`}},
		{"bad kind", []string{"pii", "scan", "--kinds", "shoe"}, "", 2, []string{`unknown kind "shoe"`}},
		{"bad pattern", []string{"pii", "scan", "--pattern", "x=("}, "", 2, []string{"x"}},
		{"invalid UTF-8", []string{"pii", "scan"}, "a\xffb", 1, []string{"not valid UTF-8"}},
		{"no subcommand", []string{"pii"}, "", 2, []string{"scan or redact"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, out, errb := testEnv(nil)
			env.Stdin = strings.NewReader(c.stdin)
			code := run(context.Background(), env, c.args)
			all := out.String() + errb.String()
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, all)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q: %s", w, all)
				}
			}
		})
	}
}

func TestSensitiveIdentifiersAreFlagged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		db = db.WithScanner(orgpii.New(db))
		f := storetest.MustFixture(t, db, "Flag")
		top, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Fråga", Body: "Ring 070-123 45 67", Author: gallra.Author{Name: "E", Email: "e@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetTopic(ctx, f.Org.ID, top.ID); len(got.SensitiveKinds) != 0 {
			t.Errorf("a phone number flagged the topic: %v", got.SensitiveKinds)
		}
		if _, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: top.ID, Body: "Mitt personnummer är 850709-9805", Author: gallra.Author{Name: "E", Email: "e@example.se"}}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.GetTopic(ctx, f.Org.ID, top.ID)
		if strings.Join(got.SensitiveKinds, ",") != "personnummer" {
			t.Errorf("sensitive kinds = %v", got.SensitiveKinds)
		}
		m, err := db.IngestMail(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "k@example.se", Subject: "Betalning", Body: "Kortet 4111 1111 1111 1111 drogs två gånger."})
		if err != nil {
			t.Fatal(err)
		}
		kinds, err := db.SensitiveKinds(ctx, f.Org.ID, gallra.SubjectMailConversation, m.ConversationID)
		if err != nil || strings.Join(kinds, ",") != "card" {
			t.Errorf("mail sensitive kinds = %v, %v", kinds, err)
		}
		raw, _ := json.Marshal(got)
		if !strings.Contains(string(raw), `"sensitive_kinds":["personnummer"]`) {
			t.Errorf("topic JSON: %s", raw)
		}
	})
}
