package takeout_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// TestErasureWaitsOnHoldAndFinishesAfterRelease: an erasure that meets
// legal holds answers the person with what it could erase, waits on the
// held topic and conversation (ids only), and finishes by itself — through
// the job's minute run, without anyone queueing it — once the holds are
// released, one after the other; the receipt then says what was erased
// later and when.
func TestErasureWaitsOnHoldAndFinishesAfterRelease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Hold")
		s := seed(t, db, f)
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		topics, err := db.ListTopics(ctx, f.Org.ID, f.Channels[gallra.ModuleForum].ID, gallra.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var heldTopic int64
		for _, tp := range topics {
			if strings.HasPrefix(tp.Title, "Sophämtning") {
				heldTopic = tp.ID
			}
		}
		if heldTopic == 0 {
			t.Fatal("seed topic not found")
		}
		if _, err := db.SetHold(ctx, admin, f.Org.ID, gallra.SubjectForumTopic, heldTopic, "tvist"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetHold(ctx, admin, f.Org.ID, gallra.SubjectMailConversation, s.sharedConv, "tvist"); err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != gallra.StatusWaitingOnHold || r.HoldWait == nil || len(r.HoldWait.Items) != 2 || !r.EmailRetained || r.FinishedAt == nil {
			t.Fatalf("erasure under holds = %+v (wait %+v)", r, r.HoldWait)
		}
		if r.Counts["retained_legal_hold"] == 0 || r.Overdue {
			t.Fatalf("counts %v overdue %v", r.Counts, r.Overdue)
		}
		rc, err := svc.Receipt(ctx, f.Admin, r.ID, "sv")
		if err != nil || !rc.WaitingOnHold || rc.Held != 2 || !strings.Contains(rc.Text, "rättsligt bevarande") {
			t.Fatalf("receipt while waiting = %+v, %v", rc, err)
		}
		if strings.Contains(rc.Text, subjectKey) {
			t.Fatal("receipt holds the address")
		}
		waiting, err := svc.List(ctx, f.Admin, gallra.RequestFilter{Status: gallra.StatusWaitingOnHold})
		if err != nil || len(waiting) != 1 || waiting[0].ID != r.ID {
			t.Fatalf("waiting list = %v, %v", waiting, err)
		}

		// Nothing released: the job leaves it waiting.
		if _, err := svc.ProcessPending(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Get(ctx, f.Admin, r.ID); got.Status != gallra.StatusWaitingOnHold || len(got.HoldWait.Items) != 2 {
			t.Fatalf("still held, after the job: %+v", got)
		}

		// The topic's hold is released: the next minute run erases Eva's
		// posts there and keeps waiting on the conversation.
		if err := db.ReleaseHold(ctx, admin, f.Org.ID, gallra.SubjectForumTopic, heldTopic); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * 60 * 60 * 1e9)
		if _, err := svc.ProcessPending(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, f.Admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != gallra.StatusWaitingOnHold || len(got.HoldWait.Items) != 1 || got.HoldWait.Items[0].ID != s.sharedConv ||
			len(got.HoldWait.Released) != 1 || got.HoldWait.Released[0].ID != heldTopic {
			t.Fatalf("after the first release: %+v (wait %+v)", got, got.HoldWait)
		}
		var evaPosts int64
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM forum_posts WHERE topic_id = ? AND person_id = ?`, heldTopic, s.personID).Scan(&evaPosts)
		}); err != nil {
			t.Fatal(err)
		}
		if evaPosts != 0 {
			t.Fatalf("Eva still has %d posts in the released topic", evaPosts)
		}

		// The conversation's hold is released: the release queues the
		// request, and it completes.
		if err := db.ReleaseHold(ctx, admin, f.Org.ID, gallra.SubjectMailConversation, s.sharedConv); err != nil {
			t.Fatal(err)
		}
		if n, err := takeout.QueueAfterRelease(ctx, db, f.Org.ID, gallra.SubjectMailConversation, s.sharedConv); err != nil || n != 1 {
			t.Fatalf("queued %d, %v", n, err)
		}
		if _, err := svc.Process(ctx, f.Org.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		done, err := svc.Get(ctx, f.Admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != gallra.StatusCompleted || done.EmailRetained || done.HoldWait.FinishedAt == nil || len(done.HoldWait.Items) != 0 ||
			done.Counts["retained_legal_hold"] != 0 {
			t.Fatalf("after the last release: %+v (wait %+v)", done, done.HoldWait)
		}
		if left, err := svc.Find(ctx, f.Org.ID, subjectEmail, nil); err != nil || left.Total() != 0 {
			t.Fatalf("left after the erasure: %+v, %v", left, err)
		}
		rc, err = svc.Receipt(ctx, f.Admin, r.ID, "en")
		if err != nil || rc.WaitingOnHold || rc.ErasedLaterAt == nil || len(rc.ErasedLater) == 0 ||
			!strings.Contains(rc.Text, "The hold was released and that data was erased on "+rc.ErasedLaterAt.UTC().Format("2006-01-02")) {
			t.Fatalf("receipt after release = %+v, %v", rc, err)
		}
		if !rc.CompletedAt.Equal(r.HoldWait.Since) {
			t.Fatalf("answered at %v, want the first pass %v", rc.CompletedAt, r.HoldWait.Since)
		}
		assertAbsent(t, db, subjectKey, f.Org.ID)
		if ids, err := db.RequestsWaitingOn(ctx, f.Org.ID, gallra.SubjectMailConversation, s.sharedConv); err != nil || len(ids) != 0 {
			t.Fatalf("still recorded as waiting: %v, %v", ids, err)
		}
	})
}
