package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The access log is append-only in the database itself: an UPDATE is
// refused on both engines, a DELETE on PostgreSQL unless the transaction
// is the purge's or the organisation deletion's.
func TestAccessLogAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		if err := db.RecordRead(ctx, f.Org.ID, store.AccessRecord{StaffID: f.Admin.ID, SubjectType: gallra.SubjectPerson, SubjectID: 7}); err != nil {
			t.Fatal(err)
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE access_log SET staff_id = ? WHERE org_id = ?`, f.Editor.ID, f.Org.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("UPDATE of access_log: %v, want refused as append-only", err)
		}
		if db.Dialect() == store.Postgres {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.RawForTests().Exec(ctx, `DELETE FROM access_log WHERE org_id = ?`, f.Org.ID)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("DELETE of access_log outside the purge: %v, want refused", err)
			}
		}
		page, err := db.ListAccessLog(ctx, store.AccessLogQuery{OrgID: f.Org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].StaffID != f.Admin.ID || page.Items[0].Action != gallra.AccessView {
			t.Fatalf("entries after the refused edits: %+v", page.Items)
		}
	})
}

// The purge batches delete only the organisation's entries older than the
// cutoff, oldest first; a stopped purge resumes where it stopped.
func TestAccessLogPurgeBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		a := storetest.MustFixture(t, db, "Alfa")
		b := storetest.MustFixture(t, db, "Beta")
		t0 := clock.Now()
		for i := 0; i < 7; i++ {
			clock.Set(t0.Add(time.Duration(i) * time.Hour))
			for _, f := range []*storetest.Fixture{a, b} {
				if err := db.RecordRead(ctx, f.Org.ID, store.AccessRecord{StaffID: f.Admin.ID, SubjectType: gallra.SubjectMailConversation, SubjectID: int64(i + 1)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		cutoff := t0.Add(5 * time.Hour) // entries 0..4 are due
		if n, err := db.CountAccessLog(ctx, a.Org.ID, time.Time{}, cutoff); err != nil || n != 5 {
			t.Fatalf("due: %d, %v; want 5", n, err)
		}
		var got []int64
		for {
			n, err := db.PurgeAccessLogBatch(ctx, a.Org.ID, cutoff, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
			if n < 2 {
				break
			}
		}
		if len(got) != 3 || got[0] != 2 || got[1] != 2 || got[2] != 1 {
			t.Errorf("batches: %v, want [2 2 1]", got)
		}
		left, err := db.ListAccessLog(ctx, store.AccessLogQuery{OrgID: a.Org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(left.Items) != 2 || left.Items[0].SubjectID != 7 || left.Items[1].SubjectID != 6 {
			t.Errorf("left in Alfa: %+v, want the reads of 7 and 6", left.Items)
		}
		if n, _ := db.CountAccessLog(ctx, b.Org.ID, time.Time{}, clock.Now().Add(time.Hour)); n != 7 {
			t.Errorf("Beta has %d entries, want its 7 untouched", n)
		}
		if n, err := db.PurgeAccessLogBatch(ctx, a.Org.ID, cutoff, 2); err != nil || n != 0 {
			t.Errorf("purge again: %d, %v; want nothing", n, err)
		}
	})
}

// Lists: newest first, a page at a time, within dates, by staff user or by
// person (through the person's content and exports); a staff user who has
// left keeps their entries under their id.
func TestAccessLogList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		org := f.Org.ID
		m := mustInbound(t, db, f, f.Channels[gallra.ModuleMail].ID, "kund@example.se", "Fråga", "<a1@x>", "")
		other := mustInbound(t, db, f, f.Channels[gallra.ModuleMail].ID, "annan@example.se", "Annat", "<a2@x>", "")
		person := *m.PersonID
		rec := func(staff int64, st gallra.SubjectType, id int64) {
			t.Helper()
			clock.Advance(time.Minute)
			if err := db.RecordRead(ctx, org, store.AccessRecord{StaffID: staff, SubjectType: st, SubjectID: id, Reason: gallra.ReasonCase}); err != nil {
				t.Fatal(err)
			}
		}
		t0 := clock.Now()
		rec(f.Admin.ID, gallra.SubjectPerson, person)
		rec(f.Editor.ID, gallra.SubjectMailConversation, m.ConversationID)
		rec(f.Admin.ID, gallra.SubjectMailConversation, other.ConversationID)
		rec(f.Editor.ID, gallra.SubjectPerson, *other.PersonID)
		rec(f.Editor.ID, gallra.SubjectMailConversation, m.ConversationID)

		if err := db.DeleteStaff(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, org, f.Editor.ID); err != nil {
			t.Fatal(err)
		}
		ids := func(p *gallra.AccessLogPage) []int64 {
			var out []int64
			for _, e := range p.Items {
				out = append(out, e.SubjectID)
			}
			return out
		}
		list := func(q store.AccessLogQuery) *gallra.AccessLogPage {
			t.Helper()
			q.OrgID = org
			p, err := db.ListAccessLog(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		byPerson := list(store.AccessLogQuery{PersonID: person})
		if got := ids(byPerson); len(got) != 3 || got[0] != m.ConversationID || got[1] != m.ConversationID || got[2] != person {
			t.Errorf("person's log: %v, want two reads of their conversation and their page", got)
		}
		byEditor := list(store.AccessLogQuery{StaffID: f.Editor.ID})
		if len(byEditor.Items) != 3 {
			t.Fatalf("editor's log: %+v", byEditor.Items)
		}
		for _, e := range byEditor.Items {
			if e.StaffID != f.Editor.ID || e.Reason != gallra.ReasonCase {
				t.Errorf("entry of the deleted editor: %+v", e)
			}
		}
		first := list(store.AccessLogQuery{Limit: 2})
		second := list(store.AccessLogQuery{Limit: 2, Cursor: first.Next})
		third := list(store.AccessLogQuery{Limit: 2, Cursor: second.Next})
		if len(first.Items) != 2 || len(second.Items) != 2 || len(third.Items) != 1 || third.Next != "" || second.Items[0].ID >= first.Items[1].ID {
			t.Errorf("pages: %+v / %+v / %+v", first, second, third)
		}
		window := list(store.AccessLogQuery{From: t0.Add(2 * time.Minute), To: t0.Add(4 * time.Minute)})
		if len(window.Items) != 2 {
			t.Errorf("reads in [2m, 4m): %+v, want 2", window.Items)
		}
		if _, err := db.ListAccessLog(ctx, store.AccessLogQuery{OrgID: org, Cursor: "x"}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
	})
}
