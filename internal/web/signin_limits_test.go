package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// When every password-hash slot is taken for longer than the limiter's
// wait, a sign-in and a login link's form answer 429 with Retry-After and a
// translated message, and work again once a slot is free (the link is not
// used up by the refusal).
func TestSignInBusyAnswers429(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		lim := hashlimit.New(hashlimit.Config{Slots: 1, Wait: 100 * time.Millisecond})
		e := newEnv(t, db.WithHashLimiter(lim), clock)
		link, err := e.db.CreateLoginLink(context.Background(), gallra.Actor{Type: gallra.ActorSystem}, e.fx.Org.ID, e.fx.Editor.ID, store.LinkReset, time.Hour)
		if err != nil {
			t.Fatalf("create login link: %v", err)
		}
		newPw := url.Values{"password": {testPassword + "!"}, "password2": {testPassword + "!"}}

		block, done := make(chan struct{}), make(chan struct{})
		started := make(chan struct{})
		go func() {
			defer close(done)
			_ = lim.Do(context.Background(), func() { close(started); <-block })
		}()
		<-started
		c := e.client()
		tests := []struct {
			name, path string
			form       url.Values
			want       string
		}{
			{"sign-in, Swedish", "/login", url.Values{"email": {e.fx.Admin.Email}, "password": {testPassword}}, "Inloggningen är hårt belastad"},
			{"login link, Swedish", "/login/link/" + link, newPw, "Inloggningen är hårt belastad"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.post(tt.path, tt.form)
				if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
					t.Fatalf("POST %s while hashing is busy = %d (Retry-After %q), want 429 with Retry-After", tt.path, r.Status, r.Header.Get("Retry-After"))
				}
				mustContain(t, "busy page", r.Body, tt.want)
			})
		}
		t.Run("sign-in, English", func(t *testing.T) {
			en := e.client()
			en.ip = "198.51.100.2"
			en.post("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
			r := en.post("/login", url.Values{"email": {e.fx.Admin.Email}, "password": {testPassword}})
			if r.Status != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429", r.Status)
			}
			mustContain(t, "English busy page", r.Body, "Sign-in is very busy right now")
		})
		close(block)
		<-done
		c.login(e.fx.Admin.Email)
		r := e.client().post("/login/link/"+link, newPw)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("login link once hashing is free = %d, want 303", r.Status)
		}
	})
}

// The sign-in limit per address counts an IPv6 client by its /64: fresh
// addresses from the same /64 share one bucket, another /64 has its own.
func TestSignInLimitKeysIPv6By64(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		attempt := func(ip string, i int) int {
			c := e.client()
			c.ip = ip
			return c.post("/login", url.Values{"email": {fmt.Sprintf("nobody%d@example.se", i)}, "password": {"not the password"}}).Status
		}
		for i := range 5 { // the burst
			if s := attempt(fmt.Sprintf("2001:db8:1:2::%x", i+1), i); s != http.StatusUnauthorized {
				t.Fatalf("attempt %d = %d, want 401", i, s)
			}
		}
		if s := attempt("2001:db8:1:2:ffff:ffff:ffff:ffff", 5); s != http.StatusTooManyRequests {
			t.Fatalf("a 6th attempt from a fresh address in the same /64 = %d, want 429", s)
		}
		if s := attempt("2001:db8:1:3::1", 6); s != http.StatusUnauthorized {
			t.Fatalf("an attempt from the next /64 = %d, want 401", s)
		}
	})
}
