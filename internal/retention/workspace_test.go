package retention

import (
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// countNotes counts the internal notes of a mail conversation, whatever
// their organisation.
func countNotes(t *testing.T, db *store.DB, conv int64) int {
	t.Helper()
	var n int
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM conversation_notes WHERE subject_type = 'mail_conversation' AND subject_id = ?`, conv).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// The workspace's internal notes are about their conversation: the purge
// deletes them with it, and leaves those of a conversation it keeps.
func TestPurgeDeletesConversationNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		t0 := clock.Now()
		old := mustMail(t, db, f, "anna@example.se", "n1@x", "")
		if _, err := db.AddConversationNote(ctx, staff(f), f.Org.ID, gallra.SubjectMailConversation, old.ConversationID, f.Admin, "Anna ringde, 070-123 45 67"); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.AddDate(1, 6, 0))
		live := mustMail(t, db, f, "bo@example.se", "n2@x", "")
		if _, err := db.AddConversationNote(ctx, staff(f), f.Org.ID, gallra.SubjectMailConversation, live.ConversationID, f.Admin, "Bo väntar på bygglov"); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.AddDate(2, 0, 1))
		if res := mustRun(t, e); res.Deleted != 1 {
			t.Fatalf("run: %+v", res)
		}
		if n := countNotes(t, db, old.ConversationID); n != 0 {
			t.Errorf("%d notes of the purged conversation left", n)
		}
		if n := countNotes(t, db, live.ConversationID); n != 1 {
			t.Errorf("notes of the kept conversation: %d, want 1", n)
		}
	})
}
