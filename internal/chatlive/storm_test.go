package chatlive_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestReconnectStorm: many connections of one chat opened and dropped at
// once leave nothing behind (no subscription, no goroutine), and a client
// reconnecting afterwards still gets every line exactly once.
func TestReconnectStorm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fx := storetest.MustFixture(t, db, "Kommunen")
		s := newSrv(t, db, service.ChatHubConfig{})
		id, tok := s.start(fx.Channels[gallra.ModuleChat].ID, "Hej")
		base := runtime.NumGoroutine()
		for round := 0; round < 3; round++ {
			var cls []*client
			for i := 0; i < 50; i++ {
				cls = append(cls, s.dial(id, tok, 0))
			}
			for _, cl := range cls {
				cl.waitEvent(body("Hej"), 10*time.Second)
				cl.c.CloseNow()
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for s.hub.Subscribers() != 0 || runtime.NumGoroutine() > base+5 {
			if time.Now().After(deadline) {
				t.Fatalf("after the storm: %d subscriptions, %d goroutines (were %d)", s.hub.Subscribers(), runtime.NumGoroutine(), base)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cl := s.dial(id, tok, 0)
		cl.waitEvent(body("Hej"), 5*time.Second)
		if s.hub.Subscribers() != 1 {
			t.Errorf("subscriptions with one client = %d", s.hub.Subscribers())
		}
	})
}
