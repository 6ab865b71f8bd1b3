package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A reply's threading headers, now read from the ends of the thread
// instead of the whole thread, are what reading the whole thread gives:
// In-Reply-To the last inbound Message-ID, References every other
// Message-ID in thread order, cut to the first and the newest 19 beyond 20
// — checked on each side of the cut, with an inbound mail early in the
// thread followed by many replies.
func TestReplyThreadingOfLongThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Threads")
		inbox := f.Channels[gallra.ModuleMail].ID
		staff := f.Admin
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}
		for _, extra := range []int{0, 1, 18, 19, 20, 21, 45} {
			first, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: fmt.Sprintf("Tråd %d", extra),
				Body: "Hej", MessageID: fmt.Sprintf("first-%d@example.se", extra)})
			if err != nil {
				t.Fatal(err)
			}
			conv := first.ConversationID
			want := []string{first.MessageID}
			lastIn := first.MessageID
			for i := 0; i < extra; i++ {
				clock.Advance(time.Second)
				if i == 2 {
					// The customer writes again; every later message is a reply.
					m, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: "Re: Tråd", Body: "Igen",
						MessageID: fmt.Sprintf("again-%d@example.se", extra), InReplyTo: want[len(want)-1]})
					if err != nil {
						t.Fatal(err)
					}
					if m.ConversationID != conv {
						t.Fatalf("extra %d: the customer's mail opened conversation %d, want %d", extra, m.ConversationID, conv)
					}
					want, lastIn = append(want, m.MessageID), m.MessageID
					continue
				}
				m, err := db.ReplyMail(ctx, actor, f.Org.ID, conv, staff, store.OutboundReply{Body: "Svar", FromAddr: "kontakt@example.se", MessageID: fmt.Sprintf("r%d-%d@example.se", extra, i)})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, m.MessageID)
			}
			clock.Advance(time.Second)
			m, err := db.ReplyMail(ctx, actor, f.Org.ID, conv, staff, store.OutboundReply{Body: "Sista svaret", FromAddr: "kontakt@example.se", MessageID: fmt.Sprintf("last-%d@example.se", extra), Queue: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) > 20 {
				want = append(want[:1:1], want[len(want)-19:]...)
			}
			var irt, refs string
			err = db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT in_reply_to, refs FROM mail_outbox WHERE message_id = ?`, m.ID).Scan(&irt, &refs)
			})
			if err != nil {
				t.Fatal(err)
			}
			if irt != lastIn {
				t.Errorf("extra %d: In-Reply-To %q, want %q", extra, irt, lastIn)
			}
			if refs != strings.Join(want, " ") {
				t.Errorf("extra %d: References\n %q\nwant\n %q", extra, refs, strings.Join(want, " "))
			}
		}
	})
}
