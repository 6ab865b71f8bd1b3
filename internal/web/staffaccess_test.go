package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestStaffAccessEndsForGood deactivates (through the API and through the
// UI) and deletes (through the API) a signed-in staff user who also holds an
// API token and a pending login link: all three stop working at once, and
// reactivating the user revives none of them (a new link is needed). A
// deleted user keeps no role and cannot be reactivated.
func TestStaffAccessEndsForGood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		sys := gallra.Actor{Type: gallra.ActorSystem}
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		adminAPI := func(method, path, body string) resp {
			return ad.doRaw(method, path, body, map[string]string{"Authorization": "Bearer " + e.fx.AdminToken, "Content-Type": "application/json"})
		}
		setActive := map[string]func(id int64, active bool) int{
			"api": func(id int64, active bool) int {
				return adminAPI("PATCH", fmt.Sprintf("/api/v1/staff/%d", id), fmt.Sprintf(`{"active":%t}`, active)).Status
			},
			"ui": func(id int64, active bool) int {
				return ad.post(fmt.Sprintf("/admin/staff/%d/active", id), url.Values{"active": {strconv.FormatBool(active)}}).Status
			},
		}
		// Sign-in and link posts are rate limited per address: each
		// anonymous browser comes from its own.
		n := 0
		fresh := func(t *testing.T) *client {
			n++
			c := e.client()
			c.t, c.ip = t, fmt.Sprintf("203.0.113.%d", n)
			return c
		}
		for i, tc := range []struct {
			name   string
			path   string // "api" or "ui"
			delete bool
		}{
			{"deactivate through the API", "api", false},
			{"deactivate through the UI", "ui", false},
			{"delete through the API", "api", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ad.t = t
				email := fmt.Sprintf("vera%d@kommunen.example", i)
				s, err := db.CreateStaff(ctx, sys, &gallra.Staff{OrgID: e.fx.Org.ID, Name: "Vera Viss", Email: email, Role: gallra.RoleAdmin, Active: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SetMembership(ctx, sys, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID, s.ID, true); err != nil {
					t.Fatal(err)
				}
				if err := db.SetPassword(ctx, sys, e.fx.Org.ID, s.ID, testPassword); err != nil {
					t.Fatal(err)
				}
				c := e.client()
				c.t, c.ip = t, fmt.Sprintf("198.51.100.%d", 20+i)
				c.login(email)
				_, token, err := db.CreateToken(ctx, sys, e.fx.Org.ID, s.ID, "script")
				if err != nil {
					t.Fatal(err)
				}
				link, err := db.CreateLoginLink(ctx, sys, e.fx.Org.ID, s.ID, gallra.LinkReset, 24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				check := func(when string) {
					t.Helper()
					if r := c.get("/"); r.Status != http.StatusSeeOther {
						t.Errorf("%s: the session still works: %d", when, r.Status)
					}
					if r := c.do("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + token}); r.Status != http.StatusUnauthorized {
						t.Errorf("%s: the token still works: %d", when, r.Status)
					}
					if r := fresh(t).get("/login/link/" + link); r.Status != http.StatusNotFound {
						t.Errorf("%s: the login link still opens: %d", when, r.Status)
					}
					if r := fresh(t).post("/login/link/"+link, url.Values{"password": {"a brand new passphrase"}, "password2": {"a brand new passphrase"}}); r.Status != http.StatusNotFound {
						t.Errorf("%s: the login link still sets a password: %d", when, r.Status)
					}
				}
				// Before: everything works.
				if r := c.get("/"); r.Status != http.StatusOK {
					t.Fatalf("session before: %d", r.Status)
				}
				if r := c.do("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + token}); r.Status != http.StatusOK {
					t.Fatalf("token before: %d", r.Status)
				}
				if r := fresh(t).get("/login/link/" + link); r.Status != http.StatusOK {
					t.Fatalf("link before: %d", r.Status)
				}

				if tc.delete {
					if r := adminAPI("DELETE", fmt.Sprintf("/api/v1/staff/%d", s.ID), ""); r.Status != http.StatusNoContent {
						t.Fatalf("delete: %d %s", r.Status, r.Body)
					}
					check("after deletion")
					if st := setActive[tc.path](s.ID, true); st != http.StatusUnprocessableEntity {
						t.Errorf("reactivating a deleted user: %d, want 422", st)
					}
					if _, err := db.UpdateStaff(ctx, sys, e.fx.Org.ID, s.ID, gallra.StaffUpdate{Active: &[]bool{true}[0]}); gallra.ErrorCode(err) != gallra.EUNPROCESS {
						t.Errorf("store reactivates a deleted user: %v", err)
					}
					got, err := db.GetStaff(ctx, e.fx.Org.ID, s.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got.Active || got.Role != gallra.RoleEditor || len(got.ChannelIDs) != 0 || got.Allowed(gallra.PermWorkChannel, e.fx.Channels[gallra.ModuleForum].ID) {
						t.Errorf("deleted user keeps a role or permission: %+v", got)
					}
					if _, err := db.CreateLoginLink(ctx, sys, e.fx.Org.ID, s.ID, gallra.LinkReset, time.Hour); err == nil {
						t.Error("a deleted user got a new login link")
					}
					if r := fresh(t).post("/login", url.Values{"email": {email}, "password": {testPassword}}); r.Status != http.StatusUnauthorized {
						t.Errorf("deleted user signs in: %d", r.Status)
					}
					check("after the refused reactivation")
					return
				}
				if st := setActive[tc.path](s.ID, false); st >= 400 {
					t.Fatalf("deactivate: %d", st)
				}
				check("after deactivation")
				if st := setActive[tc.path](s.ID, true); st >= 400 {
					t.Fatalf("reactivate: %d", st)
				}
				check("after reactivation")
				// A new link works.
				newLink, err := db.CreateLoginLink(ctx, sys, e.fx.Org.ID, s.ID, gallra.LinkReset, 24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if r := fresh(t).get("/login/link/" + newLink); r.Status != http.StatusOK {
					t.Errorf("a new link after reactivation: %d", r.Status)
				}
			})
		}
	})
}
