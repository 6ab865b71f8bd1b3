package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// holdSlot occupies one of l's slots with a "hash" that blocks until the
// returned release is called, and returns once it is in flight.
func holdSlot(t *testing.T, l *hashlimit.Limiter) (release func()) {
	t.Helper()
	started, block, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- l.Do(context.Background(), func() { close(started); <-block })
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the blocking hash did not start")
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		close(block)
		if err := <-done; err != nil {
			t.Errorf("blocking hash: %v", err)
		}
	}
	t.Cleanup(release)
	return release
}

// With every hash slot taken, sign-ins (known and unknown e-mails alike)
// and a login link's new password wait for the configured time and then
// fail with ERATELIMIT, without hashing; once the slot is free they work.
func TestPasswordHashingIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		const pw = "correct horse battery staple"
		const wait = 150 * time.Millisecond
		lim := hashlimit.New(hashlimit.Config{Slots: 1, Wait: wait})
		db = db.WithHashLimiter(lim)
		fx := storetest.MustFixture(t, db, "Kommunen")
		sys := gallra.Actor{Type: gallra.ActorSystem}
		if err := db.SetPassword(ctx, sys, fx.Org.ID, fx.Admin.ID, pw); err != nil {
			t.Fatalf("set password: %v", err)
		}
		link, err := db.CreateLoginLink(ctx, sys, fx.Org.ID, fx.Admin.ID, store.LinkReset, time.Hour)
		if err != nil {
			t.Fatalf("create login link: %v", err)
		}
		calls := []struct {
			name     string
			call     func() error
			freeCode string // the code once a slot is free ("" = success)
		}{
			{"known e-mail, right password", func() error { _, err := db.CheckPassword(ctx, fx.Admin.Email, pw); return err }, ""},
			{"known e-mail, wrong password", func() error { _, err := db.CheckPassword(ctx, fx.Admin.Email, "wrong password!!"); return err }, gallra.EUNAUTHORIZED},
			{"unknown e-mail", func() error { _, err := db.CheckPassword(ctx, "nobody@example.se", pw); return err }, gallra.EUNAUTHORIZED},
			{"login link", func() error { _, _, err := db.UseLoginLink(ctx, link, pw+"!"); return err }, ""},
		}
		release := holdSlot(t, lim)
		for _, c := range calls {
			t.Run(c.name+" while busy", func(t *testing.T) {
				start := time.Now()
				err := c.call()
				if code := gallra.ErrorCode(err); code != gallra.ERATELIMIT {
					t.Fatalf("err = %v (code %s), want %s", err, code, gallra.ERATELIMIT)
				}
				if d := time.Since(start); d < wait {
					t.Errorf("refused after %v, want a wait of at least %v", d, wait)
				}
			})
		}
		t.Run("waiting ends with the context", func(t *testing.T) {
			cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			_, err := db.CheckPassword(cctx, "nobody@example.se", pw)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the context's deadline", err)
			}
		})
		release()
		for _, c := range calls {
			t.Run(c.name+" when free", func(t *testing.T) {
				err := c.call()
				if c.freeCode == "" && err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if c.freeCode != "" && gallra.ErrorCode(err) != c.freeCode {
					t.Fatalf("err = %v, want %s", err, c.freeCode)
				}
			})
		}
	})
}

// A caller that finds every slot taken waits for one rather than failing at
// once.
func TestPasswordHashWaitsForASlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		lim := hashlimit.New(hashlimit.Config{Slots: 1, Wait: 5 * time.Second})
		db = db.WithHashLimiter(lim)
		release := holdSlot(t, lim)
		time.AfterFunc(100*time.Millisecond, release)
		_, err := db.CheckPassword(context.Background(), "nobody@example.se", "some password")
		if gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Fatalf("err = %v, want %s after waiting for the slot", err, gallra.EUNAUTHORIZED)
		}
	})
}
