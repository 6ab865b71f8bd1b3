package mailout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

type outboxRow struct {
	message      int64
	status       string
	to, cc       string
	inReplyTo    string
	conversation int64
}

func outboxRows(t *testing.T, db *store.DB) []outboxRow {
	t.Helper()
	ctx := context.Background()
	var out []outboxRow
	if err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.RawForTests().Query(ctx, `SELECT message_id, status, to_addrs, cc_addrs, in_reply_to, conversation_id FROM mail_outbox ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r outboxRow
			if err := rows.Scan(&r.message, &r.status, &r.to, &r.cc, &r.inReplyTo, &r.conversation); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func personID(t *testing.T, db *store.DB, orgID int64, email string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(ctx, `SELECT id FROM persons WHERE org_id = ? AND email_key = ?`, orgID, gallra.NormalizeEmail(email)).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func erase(t *testing.T, db *store.DB, f *storetest.Fixture, email string) {
	t.Helper()
	ctx := context.Background()
	s := store.ErasureScope{OrgID: f.Org.ID, PersonID: personID(t, db, f.Org.ID, email), ChannelIDs: []int64{f.Channels[gallra.ModuleMail].ID}}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, _, err := tx.EraseMail(ctx, s, gallra.NormalizeEmail(email), 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// Erasing a customer takes their address out of the replies still waiting
// in the outbox and cancels those addressed to nobody else; a conversation
// erased whole takes its outbox rows with it.
func TestErasureCleansTheOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		both, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Till båda", To: []string{kund}, Cc: []string{kollega}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Bara till kund", To: []string{kund}}); err != nil {
			t.Fatal(err)
		}
		// A conversation of kund alone, with a reply waiting.
		solo, err := db.IngestMail(ctx, th.fx.Org.ID, th.fx.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: kund, Subject: "Annat", Body: "Fråga", MessageID: "m3@example.se"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := th.svc.Mail.Reply(ctx, th.fx.Admin, solo.ConversationID, gallra.MailReply{Body: "Svar"}); err != nil {
			t.Fatal(err)
		}
		erase(t, db, th.fx, kund)
		rows := outboxRows(t, db)
		if len(rows) != 1 || rows[0].message != both.ID || rows[0].to != kollega || rows[0].cc != "" || rows[0].status != gallra.DeliveryPending {
			t.Fatalf("outbox after erasure = %+v, want only the reply to both, now to kollega", rows)
		}
		for _, r := range rows {
			if strings.Contains(r.to+r.cc, "kund") {
				t.Errorf("erased address left in the outbox: %+v", r)
			}
		}
	})
}

// The retention purge deletes a conversation's outbox rows with it, sent
// or not.
func TestPurgeDeletesOutboxRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		for _, body := range []string{"Ett", "Två"} {
			if _, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		s := startSink(t, &sink{})
		d := newDeliverer(t, db, s.addr)
		if it, err := db.ClaimOutbox(ctx, d.Owner, time.Minute); err != nil || it == nil { // one sent, one pending
			t.Fatal(it, err)
		} else if err := db.FinishOutbox(ctx, it.ID, d.Owner, store.OutboxOutcome{Status: gallra.DeliverySent}); err != nil {
			t.Fatal(err)
		}
		ch := th.fx.Channels[gallra.ModuleMail].ID
		clock.Advance(24 * time.Hour)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Apply(ctx, store.PurgeTarget{OrgID: th.fx.Org.ID, ChannelID: ch, Module: gallra.ModuleMail, Delete: true, Cutoff: clock.Now()}, []int64{th.conv}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rows := outboxRows(t, db); len(rows) != 0 {
			t.Fatalf("outbox after purge = %+v", rows)
		}
	})
}
