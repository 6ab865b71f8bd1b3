package chatlive_test

import (
	"context"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestTwoServersOnePostgres runs two chat servers, each on its own
// database handle of one PostgreSQL schema (as two `gallra serve`
// processes are): a visitor connected to A gets what an agent on B writes
// (woken by NOTIFY, or by polling when A does not listen), B's typing
// reaches A (NOTIFY only: typing is never stored), and when A goes away
// mid-chat the visitor reconnects to B from its last number and misses
// nothing.
func TestTwoServersOnePostgres(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), url, storetest.NewClock(storetest.Start()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA := open()
	if _, err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbB := open()
	fx := storetest.MustFixture(t, dbA, "Kommunen")
	ch := fx.Channels[gallra.ModuleChat].ID
	ctx := context.Background()

	for _, tc := range []struct {
		name   string
		cfgA   service.ChatHubConfig
		typing bool
	}{
		{"notify", service.ChatHubConfig{PollListening: time.Minute}, true},
		{"polling fallback", service.ChatHubConfig{NoListen: true, Poll: 200 * time.Millisecond}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newSrv(t, dbA, tc.cfgA)
			b := newSrv(t, dbB, service.ChatHubConfig{})
			waitListening(t, b.hub)
			if !tc.cfgA.NoListen {
				waitListening(t, a.hub)
			}
			id, tok := a.start(ch, "Hej från besökaren")
			cl := a.dial(id, tok, 0)
			cl.waitEvent(body("Hej från besökaren"), 5*time.Second)

			if _, err := b.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, "Svar från server B"); err != nil {
				t.Fatal(err)
			}
			// With PollListening a minute, only the notification can
			// deliver this within the wait.
			cl.waitEvent(body("Svar från server B"), 10*time.Second)

			if tc.typing {
				if err := b.svc.ChatLive.AgentSignal(ctx, fx.Admin, id, gallra.ChatEventTyping); err != nil {
					t.Fatal(err)
				}
				for {
					f, err := cl.next(10 * time.Second)
					if err != nil {
						t.Fatalf("typing from B: %v", err)
					}
					if f.Type == "typing" {
						break
					}
				}
			}

			// A goes away mid-chat; B takes the messages; the visitor
			// reconnects to B from its last number.
			last := cl.last
			a.http.CloseClientConnections()
			a.http.Close()
			for _, m := range []string{"Medan A var borta 1", "Medan A var borta 2"} {
				if _, err := b.svc.ChatLive.AgentMessage(ctx, fx.Admin, id, m); err != nil {
					t.Fatal(err)
				}
			}
			if code, out := b.post("/chat/api/"+itoa(id)+"/messages", map[string]any{"token": tok, "message": "Jag är tillbaka"}); code != 201 {
				t.Fatalf("visitor message on B: %d %v", code, out)
			}
			cl2 := b.dial(id, tok, last)
			cl2.waitEvent(body("Medan A var borta 1"), 5*time.Second)
			cl2.waitEvent(body("Medan A var borta 2"), 5*time.Second)
			cl2.waitEvent(body("Jag är tillbaka"), 5*time.Second)
		})
	}
}

func waitListening(t *testing.T, h *service.ChatHub) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !h.Listening() {
		if time.Now().After(deadline) {
			t.Fatal("the hub did not start listening for notifications")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
