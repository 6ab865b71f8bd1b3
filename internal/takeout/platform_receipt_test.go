package takeout_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestReceiptPlatformDeletions: the erasure receipt states each platform
// deletion as it is — never "deleted on the platform" while it is pending,
// refused or given up.
func TestReceiptPlatformDeletions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kvitto")
		seed(t, db, f)
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("erase: %+v %v", r, err)
		}
		set := func(status, outcome string) {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.RawForTests().Exec(ctx, `UPDATE social_deletion_outbox SET status = ?, outcome = ? WHERE request_id = ?`, status, outcome, r.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			status, outcome, want string
		}{
			{"pending", "", "Deletion on the platform still in progress:"},
			{"refused", "", "NOT deleted: the platform refused:"},
			{"gave_up", "", "NOT deleted: the platform did not answer:"},
			{"done", "hidden", "Hidden on the platform"},
			{"done", "deleted", "Deleted on the social platform:"},
		}
		for _, c := range cases {
			set(c.status, c.outcome)
			rc, err := svc.Receipt(ctx, f.Admin, r.ID, "en")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rc.Text, c.want) || len(rc.Platform) != 1 {
				t.Errorf("%s/%s: receipt says\n%s", c.status, c.outcome, rc.Text)
			}
			if c.outcome != "deleted" && strings.Contains(rc.Text, "Deleted on the social platform") {
				t.Errorf("%s/%s: receipt claims a platform deletion:\n%s", c.status, c.outcome, rc.Text)
			}
			sv, _ := svc.Receipt(ctx, f.Admin, r.ID, "sv")
			if c.outcome != "deleted" && strings.Contains(sv.Text, "Raderade på den sociala plattformen") {
				t.Errorf("%s: Swedish receipt claims a platform deletion", c.status)
			}
		}
	})
}
