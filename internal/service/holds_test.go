package service_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestReleaseSomeoneElsesHold: a hold placed by an administrator cannot be
// released by an editor, and by another administrator only with a reason,
// which is kept and named (with who had placed the hold) in the audit
// entry. One's own hold is released without a reason.
func TestReleaseSomeoneElsesHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		c := mustSeed(t, db, clock)
		ctx := context.Background()
		topic := c.heldTopic // held by the fixture's administrator
		second, err := db.CreateStaff(ctx, gallra.Actor{Type: gallra.ActorSystem}, &gallra.Staff{OrgID: c.fx.Org.ID, Name: "Andra Admin", Email: "andra@alfa.example", Role: gallra.RoleAdmin, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name       string
			staff      *gallra.Staff
			reason     string
			wantCode   string
			wantReason string
		}{
			{"editor, someone else's hold", c.fx.Editor, "Tvisten är avslutad", gallra.EFORBIDDEN, gallra.ReasonHoldNotYours},
			{"other admin without a reason", second, "  ", gallra.EINVALID, gallra.ReasonHoldNeedsReason},
			{"other admin with a reason", second, "Tvisten är avslutad", "", ""},
			{"released already", second, "Igen", gallra.ENOTFOUND, gallra.ReasonHoldNotHeld},
		}
		for _, s := range steps {
			err := c.svc.Holds.ReleaseHoldWithReason(ctx, s.staff, gallra.SubjectForumTopic, topic, s.reason)
			if got := gallra.ErrorCode(err); (s.wantCode == "" && err != nil) || (s.wantCode != "" && got != s.wantCode) {
				t.Fatalf("%s: got %v, want code %q", s.name, err, s.wantCode)
			}
			if s.wantReason != "" && gallra.ErrorDetails(err)["reason"] != s.wantReason {
				t.Errorf("%s: reason %v, want %s", s.name, gallra.ErrorDetails(err)["reason"], s.wantReason)
			}
		}
		es, err := c.svc.Audit.ListAudit(ctx, c.fx.Admin, gallra.AuditFilter{Action: "retention.hold_released", SubjectID: topic})
		if err != nil || len(es) != 1 {
			t.Fatalf("release audit: %d entries, %v", len(es), err)
		}
		d := es[0].Details
		if d["held_by"] != float64(c.fx.Admin.ID) || es[0].ActorID != second.ID {
			t.Errorf("audit details %v by %d: want held_by %d, actor %d", d, es[0].ActorID, c.fx.Admin.ID, second.ID)
		}
		rid, _ := d["reason_id"].(float64)
		texts, err := db.GovernanceReasons(ctx, c.fx.Org.ID, []int64{int64(rid)})
		if err != nil || texts[int64(rid)] != "Tvisten är avslutad" {
			t.Errorf("kept reason %q (%v)", texts[int64(rid)], err)
		}
		if other, _ := db.GovernanceReasons(ctx, c.other.Org.ID, []int64{int64(rid)}); len(other) != 0 {
			t.Error("another organisation reads the reason")
		}
		// One's own hold: no reason needed, for an editor too.
		if _, err := c.svc.Holds.PlaceHold(ctx, c.fx.Editor, gallra.SubjectForumTopic, topic, "Tvist"); err != nil {
			t.Fatal(err)
		}
		if err := c.svc.Holds.ReleaseHold(ctx, c.fx.Editor, gallra.SubjectForumTopic, topic); err != nil {
			t.Errorf("editor releases own hold: %v", err)
		}
	})
}
