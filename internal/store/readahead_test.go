package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A batch read ahead is written by PurgeSelection as PurgeDue would have
// written it; it is only made where it applies (forum anonymization on
// PostgreSQL) and only written for the target it was read for.
func TestReadAheadSelection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		var topics []*gallra.ForumTopic
		for i, body := range []string{"Hej", "Ring mig på 070-123 45 67", "Tack, ring 070-123 45 67"} {
			tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Fråga", Body: body,
				Author: gallra.Author{Name: "Kund", Email: "kund" + string(rune('a'+i)) + "@example.se", IP: "192.0.2.1"}})
			if err != nil {
				t.Fatal(err)
			}
			topics = append(topics, tp)
			clock.Advance(time.Hour)
		}
		clock.Advance(24 * time.Hour)
		tg := store.PurgeTarget{OrgID: f.Org.ID, ChannelID: forum, Module: gallra.ModuleForum, Cutoff: clock.Now()}
		redact := func(s string) string { return strings.ReplaceAll(s, "070-123 45 67", "[phone]") }

		if db.Dialect() == store.SQLite {
			if db.CanReadAhead(tg) {
				t.Fatal("SQLite reads forum batches ahead")
			}
			if _, err := db.ReadAhead(ctx, tg, store.StartCursor(), 10, redact); err == nil {
				t.Fatal("ReadAhead on SQLite succeeded")
			}
			return
		}
		del := tg
		del.Delete = true
		if !db.CanReadAhead(tg) || db.CanReadAhead(del) || db.CanReadAhead(store.PurgeTarget{Module: gallra.ModuleMail}) {
			t.Fatal("CanReadAhead: want forum anonymization only")
		}
		// Two posts per selection: the first ends where the second starts.
		sel, err := db.ReadAhead(ctx, tg, store.StartCursor(), 2, redact)
		if err != nil {
			t.Fatal(err)
		}
		next, full := sel.Next()
		if !full {
			t.Fatal("a selection of 2 out of 3 due posts is not full")
		}
		sel2, err := db.ReadAhead(ctx, tg, next, 2, redact)
		if err != nil {
			t.Fatal(err)
		}
		if _, full := sel2.Next(); full {
			t.Fatal("the last selection is full")
		}
		// Written for another cutoff or channel: refused, nothing changed.
		other := tg
		other.Cutoff = tg.Cutoff.Add(-time.Minute)
		for _, bad := range []store.PurgeTarget{other, {OrgID: f.Org.ID, ChannelID: f.Channels[gallra.ModuleChat].ID, Module: gallra.ModuleForum, Cutoff: tg.Cutoff}} {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.PurgeSelection(ctx, bad, sel, redact)
				return err
			})
			if err == nil {
				t.Errorf("PurgeSelection for target %+v accepted a selection read for another", bad)
			}
		}
		// The second post is put on hold after the read: writing a batch
		// read before gives up (the transaction rolls back, nothing
		// written); written again with its topics locked, it skips the
		// post.
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, f.Org.ID, gallra.SubjectForumTopic, topics[1].ID, "Tvist"); err != nil {
			t.Fatal(err)
		}
		for i, s := range []*store.ForumSelection{sel, sel2} {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.PurgeSelection(ctx, tg, s, redact)
				return err
			})
			if !errors.Is(err, store.ErrHoldsChanged) {
				t.Fatalf("batch read before a hold changed: %v, want ErrHoldsChanged", err)
			}
			s = s.WithTopicLocks()
			err = db.Update(ctx, func(tx *store.Tx) error {
				b, err := tx.PurgeSelection(ctx, tg, s, redact)
				if err != nil {
					return err
				}
				if i == 0 && (b.Items != 2 || b.Held != 1 || b.Anonymized != 1) {
					t.Errorf("first batch: %+v, want 2 items, 1 held, 1 anonymized", b)
				}
				if i == 1 && (b.Items != 1 || b.Anonymized != 1) {
					t.Errorf("second batch: %+v, want 1 anonymized", b)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range []struct {
			anonymized bool
			body       string
		}{{true, "Hej"}, {false, "Ring mig på 070-123 45 67"}, {true, "Tack, ring [phone]"}} {
			got, err := db.GetTopic(ctx, f.Org.ID, topics[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			p := got.Posts[0]
			if (p.AnonymizedAt != nil) != want.anonymized || p.Body != want.body || (p.AuthorEmail == "") != want.anonymized {
				t.Errorf("topic %d: anonymized %v, body %q, e-mail set %v; want anonymized %v, body %q", i, p.AnonymizedAt != nil, p.Body, p.AuthorEmail != "", want.anonymized, want.body)
			}
		}
	})
}

// A selection cut at a position keeps its items up to it and writes only
// the posts among them; its Next says nothing follows (PostgreSQL).
func TestSelectionThrough(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("selections are read ahead on PostgreSQL only")
		}
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		var topics []*gallra.ForumTopic
		for i := range 3 {
			tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Fråga", Body: "Hej",
				Author: gallra.Author{Name: "Kund", Email: "kund" + string(rune('a'+i)) + "@example.se"}})
			if err != nil {
				t.Fatal(err)
			}
			topics = append(topics, tp)
			clock.Advance(time.Hour)
		}
		// The middle one is held: its item is selected, its post is not.
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, f.Org.ID, gallra.SubjectForumTopic, topics[1].ID, "Tvist"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
		tg := store.PurgeTarget{OrgID: f.Org.ID, ChannelID: forum, Module: gallra.ModuleForum, Cutoff: clock.Now()}
		two, err := db.ReadAhead(ctx, tg, store.StartCursor(), 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		end, _ := two.Next()
		all, err := db.ReadAhead(ctx, tg, store.StartCursor(), 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		cut := all.Through(end)
		if next, more := cut.Next(); cut.Len() != 2 || more || next != end {
			t.Fatalf("cut selection: %d items, next %v (more %v); want 2, %v, no more", cut.Len(), next, more, end)
		}
		if all.Through(store.PurgeCursor{At: 1 << 62}) != all {
			t.Error("a cut past the last item changed the selection")
		}
		var b store.PurgeBatch
		if err := db.Update(ctx, func(tx *store.Tx) error {
			b, err = tx.PurgeSelection(ctx, tg, cut, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if b.Items != 2 || b.Held != 1 || b.Anonymized != 1 {
			t.Errorf("batch: %+v, want 2 items, 1 held, 1 anonymized", b)
		}
		for i, want := range []bool{true, false, false} {
			got, err := db.GetTopic(ctx, f.Org.ID, topics[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.Posts[0].AnonymizedAt != nil) != want {
				t.Errorf("topic %d: anonymized %v, want %v", i, got.Posts[0].AnonymizedAt != nil, want)
			}
		}
	})
}
