package retention

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Forum anonymization reaches the same end state however its batches fall:
// posts that share a creation instant (the cursor orders them by id), a
// held topic between unheld ones, persons whose posts lie in many batches,
// first posts at batch edges. Every unheld post is anonymized exactly once
// and redacted, held ones are counted each run and left alone, the topics
// whose question is anonymized lose their person, title identifiers and
// fields, and persons go once nothing of theirs is left.
func TestForumAnonymizeBatchesReachOneEndState(t *testing.T) {
	for _, batch := range []int{1, 2, 3, 5, 1000} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				f := storetest.MustFixture(t, db, "Kommunen")
				forum := f.Channels[gallra.ModuleForum].ID
				e := New(db, orgpii.New(db), Config{BatchSize: batch})
				authors := []string{"p0@example.se", "p1@example.se", "p2@example.se", "p3@example.se", "mail@example.se"}
				// The clock stands still: every post has the same created_at.
				var topics []*gallra.ForumTopic
				n := 0
				for i := range 5 {
					if i == 2 {
						tp := mustTopic(t, db, f, "Hållen fråga", "Text", "held@example.se")
						for range 3 {
							mustPost(t, db, f, tp.ID, nil, "Svar", "held@example.se")
						}
						topics = append(topics, tp)
						continue
					}
					tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d om 811218-9876", i), "Ring 070-123 45 67", authors[n%len(authors)])
					n++
					for range 3 {
						mustPost(t, db, f, tp.ID, nil, "Svar med 070-123 45 67", authors[n%len(authors)])
						n++
					}
					topics = append(topics, tp)
				}
				if err := db.SetCustomField(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, topics[0].ID, "kundnummer", "KN-1"); err != nil {
					t.Fatal(err)
				}
				if _, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, topics[2].ID, "Tvist"); err != nil {
					t.Fatal(err)
				}
				mustMail(t, db, f, "mail@example.se", "<m1@example.se>", "")
				clock.Advance(4 * 365 * day)

				res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
				if err != nil || len(res.Errors) > 0 {
					t.Fatalf("run: %+v %v", res, err)
				}
				if res.Anonymized != 16 || res.SkippedHold != 4 || res.PersonsDeleted != 4 {
					t.Errorf("run: anonymized %d, held %d, persons %d; want 16, 4, 4", res.Anonymized, res.SkippedHold, res.PersonsDeleted)
				}
				for i, tp := range topics {
					got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
					if err != nil {
						t.Fatal(err)
					}
					if i == 2 {
						if got.PersonID == nil || got.Title != "Hållen fråga" {
							t.Errorf("held topic changed: %+v", got)
						}
						for _, p := range got.Posts {
							if p.AnonymizedAt != nil || p.AuthorEmail != "held@example.se" {
								t.Errorf("held post changed: %+v", p)
							}
						}
						continue
					}
					if got.PersonID != nil || got.Title != fmt.Sprintf("Fråga %d om [personnummer]", i) {
						t.Errorf("topic %d: person %v, title %q", i, got.PersonID, got.Title)
					}
					for j, p := range got.Posts {
						want := "Svar med [phone]"
						if j == 0 {
							want = "Ring [phone]"
						}
						if p.AnonymizedAt == nil || p.PersonID != nil || p.AuthorName != "" || p.AuthorEmail != "" || p.AuthorIP != "" || p.Body != want {
							t.Errorf("topic %d post %d: %+v", i, j, p)
						}
					}
				}
				for _, email := range authors[:4] {
					if personExists(t, db, f, email) {
						t.Errorf("%s kept without content", email)
					}
				}
				if !personExists(t, db, f, "mail@example.se") || !personExists(t, db, f, "held@example.se") {
					t.Error("a person with content left was deleted")
				}
				var fields, queued int
				db.View(ctx, func(tx *store.Tx) error {
					if err := tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE subject_type = 'forum_topic'`).Scan(&fields); err != nil {
						return err
					}
					return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM purge_person_queue`).Scan(&queued)
				})
				if fields != 0 || queued != 0 {
					t.Errorf("%d topic fields, %d queued persons left", fields, queued)
				}
				runs, err := db.ListPurgeRuns(ctx, f.Org.ID, 1)
				if err != nil || len(runs) != 1 || runs[0].Anonymized != 16 || runs[0].SkippedHold != 4 || runs[0].PersonsDeleted != 4 {
					t.Errorf("run record: %+v %v", runs, err)
				}
				// Again: nothing to do but count the held posts.
				res, err = e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
				if err != nil || res.Anonymized != 0 || res.SkippedHold != 4 || res.PersonsDeleted != 0 {
					t.Errorf("second run: %+v %v", res, err)
				}
			})
		})
	}
}

// Persons left without content are deleted by side-by-side drain
// transactions on PostgreSQL (one on SQLite): each person once, the counts
// added up exactly, persons with other content kept, the queue emptied.
func TestDrainSideBySide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		e := New(db, orgpii.New(db), Config{BatchSize: 2, DrainWorkers: 3})
		const n = 60
		for i := range n {
			email := fmt.Sprintf("p%02d@example.se", i)
			mustTopic(t, db, f, "Fråga", "Text", email)
			if i%6 == 0 {
				mustMail(t, db, f, email, fmt.Sprintf("<m%d@example.se>", i), "")
			}
		}
		clock.Advance(4 * 365 * day)
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("run: %+v %v", res, err)
		}
		if res.Anonymized != n || res.PersonsDeleted != n-n/6 {
			t.Errorf("run: anonymized %d, persons deleted %d; want %d, %d", res.Anonymized, res.PersonsDeleted, n, n-n/6)
		}
		for i := range n {
			if got, want := personExists(t, db, f, fmt.Sprintf("p%02d@example.se", i)), i%6 == 0; got != want {
				t.Errorf("person %d exists %v, want %v", i, got, want)
			}
		}
		runs, err := db.ListPurgeRuns(ctx, f.Org.ID, 1)
		if err != nil || len(runs) != 1 || runs[0].PersonsDeleted != n-n/6 {
			t.Errorf("run record: %+v %v", runs, err)
		}
		var queued int
		db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM purge_person_queue`).Scan(&queued)
		})
		if queued != 0 {
			t.Errorf("%d persons left in the queue", queued)
		}
	})
}

// Queue rows another transaction holds while the side-by-side drain runs,
// and then gives back (it rolls back), are still drained by the same run
// (PostgreSQL; SQLite has one writer, so nothing holds rows meanwhile).
func TestDrainTakesRowsGivenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite: one writer, no queue rows held by others")
		}
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		e := New(db, orgpii.New(db), Config{BatchSize: 4, DrainWorkers: 2})
		for i := range 20 {
			mustTopic(t, db, f, "Fråga", "Text", fmt.Sprintf("p%02d@example.se", i))
		}
		clock.Advance(4 * 365 * day)
		held := make(chan struct{})
		done := make(chan error, 1)
		e.drainHook = func() error {
			go func() {
				done <- db.Update(ctx, func(tx *store.Tx) error {
					rows, err := tx.RawForTests().Query(ctx, `SELECT person_id FROM purge_person_queue ORDER BY person_id DESC LIMIT 5 FOR UPDATE`)
					if err != nil {
						return err
					}
					rows.Close()
					close(held)
					time.Sleep(300 * time.Millisecond)
					return errors.New("give the rows back")
				})
			}()
			<-held
			return nil
		}
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || res.Status != gallra.PurgeDone || res.PersonsDeleted != 20 {
			t.Fatalf("run: %+v %v", res, err)
		}
		if err := <-done; err == nil || err.Error() != "give the rows back" {
			t.Fatalf("holder: %v", err)
		}
		var queued int
		db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM purge_person_queue`).Scan(&queued)
		})
		if queued != 0 {
			t.Errorf("%d persons left in the queue", queued)
		}
	})
}
