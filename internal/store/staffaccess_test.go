package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestStaffAccessRowsEnd checks the rows themselves: after deactivation or
// deletion no session, unused login link or unrevoked token of the user is
// left, and reactivation leaves it so.
func TestStaffAccessRowsEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Access")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		live := func(id int64) (sessions, links, tokens int) {
			t.Helper()
			err := db.View(ctx, func(tx *store.Tx) error {
				raw := tx.RawForTests()
				for q, n := range map[string]*int{
					`SELECT COUNT(*) FROM web_sessions WHERE staff_id = ?`:                      &sessions,
					`SELECT COUNT(*) FROM login_links WHERE staff_id = ? AND used_at IS NULL`:   &links,
					`SELECT COUNT(*) FROM api_tokens WHERE staff_id = ? AND revoked_at IS NULL`: &tokens,
				} {
					if err := raw.QueryRow(ctx, q, id).Scan(n); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		on, off := true, false
		for i, deleted := range []bool{false, true} {
			s, err := db.CreateStaff(ctx, admin, &gallra.Staff{OrgID: f.Org.ID, Name: "Vera", Email: fmt.Sprintf("vera%d@access.example", i), Role: gallra.RoleAdmin, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateLoginLink(ctx, admin, f.Org.ID, s.ID, gallra.LinkReset, time.Hour); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.CreateToken(ctx, admin, f.Org.ID, s.ID, "script"); err != nil {
				t.Fatal(err)
			}
			if a, b, c := live(s.ID); a != 1 || b != 1 || c != 1 {
				t.Fatalf("before: %d sessions, %d links, %d tokens", a, b, c)
			}
			if deleted {
				err = db.DeleteStaff(ctx, admin, f.Org.ID, s.ID)
			} else {
				_, err = db.UpdateStaff(ctx, admin, f.Org.ID, s.ID, gallra.StaffUpdate{Active: &off})
			}
			if err != nil {
				t.Fatal(err)
			}
			if a, b, c := live(s.ID); a+b+c != 0 {
				t.Errorf("deleted=%v: %d sessions, %d links, %d tokens left", deleted, a, b, c)
			}
			_, err = db.UpdateStaff(ctx, admin, f.Org.ID, s.ID, gallra.StaffUpdate{Active: &on})
			if deleted != (gallra.ErrorCode(err) == gallra.EUNPROCESS) || (!deleted && err != nil) {
				t.Errorf("deleted=%v: reactivation: %v", deleted, err)
			}
			if a, b, c := live(s.ID); a+b+c != 0 {
				t.Errorf("deleted=%v, after reactivation: %d sessions, %d links, %d tokens", deleted, a, b, c)
			}
			got, _ := db.GetStaff(ctx, f.Org.ID, s.ID)
			if deleted && (got.Active || got.Role != gallra.RoleEditor) {
				t.Errorf("deleted user keeps a role: %+v", got)
			}
		}
	})
}
