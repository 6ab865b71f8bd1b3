package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// intakeRows counts the rows of a conversation that hold the data the
// intake pipeline added (HTML bodies, bounce references, reply keys).
func intakeRows(t *testing.T, db *store.DB, conv int64) int {
	t.Helper()
	var n int
	err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(context.Background(), `SELECT
			(SELECT COUNT(*) FROM mail_messages WHERE conversation_id = ? AND (body_html <> '' OR bounced_message_id <> '' OR kind <> ''))
			+ (SELECT COUNT(*) FROM mail_conversations WHERE id = ? AND reply_key IS NOT NULL)`, conv, conv).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The columns of migration 00014 go with the retention purge and with an
// erasure, on both databases.
func TestMailIntakeDataIsPurgedAndErased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		inbox := f.Channels[gallra.ModuleMail].ID
		ingest := func(in gallra.InboundMail) *gallra.MailMessage {
			t.Helper()
			m, err := db.IngestMail(ctx, f.Org.ID, inbox, in)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// Purge: a conversation with an HTML body, an auto-reply and a bounce.
		old := ingest(gallra.InboundMail{From: "anna@example.se", Subject: "Fråga", Body: "Hej", HTML: "<p>Hej, ring 070-123 45 67</p>", MessageID: "p1@example.se"})
		ingest(gallra.InboundMail{From: "anna@example.se", Subject: "Autosvar: Fråga", Body: "Borta", Kind: gallra.MailKindAutoReply, MessageID: "p2@example.se", InReplyTo: "p1@example.se"})
		b := ingest(gallra.InboundMail{From: "mailer-daemon@mx.example.net", Subject: "Undelivered", Body: "anna@example.se: 550", Kind: gallra.MailKindBounce, BouncedMessageID: "p1@example.se", MessageID: "p3@example.net"})
		if b.ConversationID != old.ConversationID || b.PersonID != nil {
			t.Fatalf("bounce not attached to the bounced message's conversation: %+v", b)
		}
		if n := intakeRows(t, db, old.ConversationID); n != 4 {
			t.Fatalf("intake rows before purge = %d, want 4", n)
		}
		clock.Advance(time.Hour)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Apply(ctx, store.PurgeTarget{OrgID: f.Org.ID, ChannelID: inbox, Module: gallra.ModuleMail, Delete: true, Cutoff: clock.Now()}, []int64{old.ConversationID}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := intakeRows(t, db, old.ConversationID); n != 0 {
			t.Errorf("intake rows after purge = %d, want 0", n)
		}
		// Erasure: Eva's messages in a conversation with someone else go, HTML
		// body and all; the other person's stay.
		eva := ingest(gallra.InboundMail{From: "eva@example.se", Subject: "Gemensamt", Body: "Eva", HTML: "<p>Eva</p>", MessageID: "e1@example.se"})
		c, err := db.GetMailConversation(ctx, f.Org.ID, eva.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		ingest(gallra.InboundMail{From: "olle@example.se", Subject: "Re: Gemensamt", Body: "Olle", HTML: "<p>Olle</p>", MessageID: "o1@example.se", ReplyKey: c.ReplyKey})
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.EraseMail(ctx, store.ErasureScope{OrgID: f.Org.ID, PersonID: *eva.PersonID, ChannelIDs: []int64{inbox}}, "eva@example.se", 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var evaHTML, olleHTML int
		db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM mail_messages WHERE body_html LIKE '%Eva%'), (SELECT COUNT(*) FROM mail_messages WHERE body_html LIKE '%Olle%')`).Scan(&evaHTML, &olleHTML)
		})
		if evaHTML != 0 || olleHTML != 1 {
			t.Errorf("after erasure: %d of Eva's HTML bodies, %d of Olle's; want 0 and 1", evaHTML, olleHTML)
		}
	})
}
