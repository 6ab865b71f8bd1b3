package takeout_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// TestPreviewForetellsTheErasure: what the preview says an erasure will
// reach and leave is what the erasure then does; a confirmation with the
// preview's fingerprint is accepted, one whose numbers changed is refused
// with the fresh preview and stores nothing.
func TestPreviewForetellsTheErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Preview")
		s := seed(t, db, f)
		svc := newService(t, db)
		in := newRequest(gallra.RequestErase)
		p, err := svc.Preview(ctx, f.Admin, in)
		if err != nil {
			t.Fatal(err)
		}
		tot := p.Totals
		// Eva: 2 topics' first posts and a comment; 2 mail messages; 1 chat; 1 social item.
		if !p.PersonFound || tot.Items != 3+2+1+1 || tot.Placeholders != 1 || tot.SharedConversations != 1 || tot.Held != 0 || len(p.HeldItems) != 0 || p.PersonFields != 1 {
			t.Fatalf("preview = %+v", p)
		}
		if len(p.Channels) != 4 {
			t.Fatalf("channels = %+v", p.Channels)
		}
		again, err := svc.Preview(ctx, f.Admin, in)
		if err != nil || again.Fingerprint != p.Fingerprint {
			t.Fatalf("the same data gave another fingerprint: %v, %v", again, err)
		}

		// A hold placed after the preview makes it stale.
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, f.Org.ID, gallra.SubjectMailConversation, s.sharedConv, "tvist"); err != nil {
			t.Fatal(err)
		}
		stale := in
		stale.PreviewFingerprint = p.Fingerprint
		if _, err := svc.Submit(ctx, f.Admin, stale); gallra.ErrorCode(err) != gallra.ECONFLICT || gallra.ErrorDetails(err)["reason_code"] != takeout.ReasonPreviewStale {
			t.Fatalf("stale confirmation: %v", err)
		}
		if l, _ := db.ListSubjectRequests(ctx, f.Org.ID, gallra.RequestFilter{}); len(l) != 0 {
			t.Fatalf("a stale confirmation stored a request")
		}
		fresh, err := svc.Preview(ctx, f.Admin, in)
		if err != nil || fresh.Totals.Held != 1 || len(fresh.HeldItems) != 1 || fresh.HeldItems[0].ID != s.sharedConv {
			t.Fatalf("fresh preview = %+v, %v", fresh, err)
		}
		ok := in
		ok.PreviewFingerprint = fresh.Fingerprint
		r, err := svc.Submit(ctx, f.Admin, ok)
		if err != nil {
			t.Fatal(err)
		}
		if r.Counts["forum_placeholders"] != fresh.Totals.Placeholders || r.Counts["retained_legal_hold"] != fresh.Totals.Held || r.Status != gallra.StatusWaitingOnHold {
			t.Fatalf("erasure %s %v does not match the preview %+v", r.Status, r.Counts, fresh.Totals)
		}

		// An editor previews only where they may act.
		if _, err := svc.Preview(ctx, f.Editor, in); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("editor preview of every channel: %v", err)
		}
	})
}
