package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The same message delivered several times at once (an SMTP retry racing
// the first attempt, or IMAP and SMTP both bringing it) is stored once, and
// every delivery answers that one message. A Message-ID freed by the purge
// can be stored again.
func TestConcurrentDeliveriesStoreOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Claims")
		inbox := f.Channels[gallra.ModuleMail].ID
		for round := 0; round < 5; round++ {
			msgID := "race-" + string(rune('a'+round)) + "@example.se"
			var wg sync.WaitGroup
			ids := make([]int64, 8)
			errs := make([]error, 8)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m, _, err := db.DeliverMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: "Samma", Body: "Hej", MessageID: msgID})
					errs[i] = err
					if m != nil {
						ids[i] = m.ID
					}
				}()
			}
			wg.Wait()
			for i := range ids {
				if errs[i] != nil {
					t.Fatalf("delivery %d: %v", i, errs[i])
				}
				if ids[i] != ids[0] {
					t.Fatalf("round %d: deliveries answered messages %v, want one", round, ids)
				}
			}
			var n int
			err := db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM mail_messages WHERE channel_id = ? AND message_id = ?`, inbox, msgID).Scan(&n)
			})
			if err != nil || n != 1 {
				t.Fatalf("round %d: %d messages stored (%v), want 1", round, n, err)
			}
		}
		// The claim goes with its message.
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `DELETE FROM mail_conversations WHERE channel_id = ?`, inbox)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m, created, err := db.DeliverMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: "Igen", Body: "Hej", MessageID: "race-a@example.se"})
		if err != nil || !created || m == nil {
			t.Fatalf("a Message-ID whose message is gone: created %v, %v", created, err)
		}
	})
}
