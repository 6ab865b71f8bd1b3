package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// anonymizedIDs lists the channel's anonymized posts.
func anonymizedIDs(t *testing.T, db *store.DB, channelID int64) []int64 {
	t.Helper()
	var out []int64
	err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.RawForTests().Query(ctx, `SELECT id FROM forum_posts WHERE channel_id = ? AND anonymized_at IS NOT NULL ORDER BY id`, channelID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A hold that commits after the purge read its batch (flags included) but
// before it changed anything is honoured: the topic's posts stay. On
// PostgreSQL the hold is set from another connection while the batch
// transaction is open; on SQLite (one writer) inside the batch transaction.
func TestHoldSetMidBatchIsHonoured(t *testing.T) {
	for _, action := range []gallra.Action{gallra.ActionAnonymize, gallra.ActionDelete} {
		t.Run(string(action), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				f := storetest.MustFixture(t, db, "Kommunen")
				forum := f.Channels[gallra.ModuleForum].ID
				if _, err := New(db, orgpii.New(db), Config{}).SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: action}); err != nil {
					t.Fatal(err)
				}
				held := mustTopic(t, db, f, "Tvist", "Text", "anna@example.se")
				mustPost(t, db, f, held.ID, nil, "Svar", "bo@example.se")
				free := mustTopic(t, db, f, "Fri", "Text", "carl@example.se")
				clock.Advance(400 * day)
				fired := 0
				hook := store.TxHook(func(tx *store.Tx) {
					if fired++; fired > 1 {
						return
					}
					if db.Dialect() == store.SQLite {
						if _, err := tx.RawForTests().Exec(ctx, `UPDATE forum_topics SET held_at = ?, hold_reason = 'x' WHERE id = ?`, db.Now().UnixMilli(), held.ID); err != nil {
							t.Error(err)
						}
						return
					}
					done := make(chan error, 1)
					go func() {
						_, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, held.ID, "Tvist")
						done <- err
					}()
					select {
					case err := <-done:
						if err != nil {
							t.Error(err)
						}
					case <-time.After(10 * time.Second):
						t.Error("hold did not commit while the batch had only read")
					}
				})
				res, err := New(db, orgpii.New(db), Config{BatchSize: 100, TxHook: hook}).Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
				if err != nil {
					t.Fatal(err)
				}
				if fired == 0 {
					t.Fatal("hook not called")
				}
				if res.SkippedHold != 2 || res.Anonymized+res.Deleted != 1 {
					t.Errorf("run: %+v", res)
				}
				got, err := db.GetTopic(ctx, f.Org.ID, held.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Posts) != 2 || got.Posts[0].AuthorEmail != "anna@example.se" || got.Posts[1].AuthorEmail != "bo@example.se" || got.Title != "Tvist" {
					t.Errorf("held topic purged: %+v", got)
				}
				if g, err := db.GetTopic(ctx, f.Org.ID, free.ID); action == gallra.ActionAnonymize && (err != nil || g.Posts[0].AnonymizedAt == nil) {
					t.Errorf("unheld topic not anonymized: %+v %v", g, err)
				}
			})
		})
	}
}

// A hold set on a topic while a batch is writing one of its posts and the
// batch serialise. PostgreSQL: the hold does not wait (the batch locks the
// organisation's hold counter only as its last step, NOWAIT); the batch then
// finds the counter changed, gives up and is written again with its topics
// locked, so the post of the topic now on hold is skipped and counted as
// held. SQLite's one writer: the hold waits for the batch, which purges the
// post first.
func TestHoldDuringBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		tp := mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		clock.Advance(2 * 365 * day)
		mustPost(t, db, f, tp.ID, nil, "Svar", "bo@example.se")
		clock.Advance(365*day + 5*day)
		// The question goes first ...
		if res := mustRun(t, mustEngine(db, nil)); res.Anonymized != 1 {
			t.Fatalf("first run: %+v", res)
		}
		// ... then the answer alone, with a hold set on its topic while
		// its batch is being written.
		clock.Advance(2 * 365 * day)
		done := make(chan error, 1)
		var once sync.Once
		waited := false
		// At the start of the batch's writing (before the hold counter
		// check, which is its last step).
		hook := store.TxHook(func(*store.Tx) {
			once.Do(func() {
				go func() {
					_, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, tp.ID, "Tvist")
					done <- err
				}()
				// PostgreSQL: the hold must not wait for the batch (given
				// ample time on a loaded machine); SQLite: it does.
				patience := 10 * time.Second
				if db.Dialect() == store.SQLite {
					patience = 300 * time.Millisecond
				}
				select {
				case err := <-done:
					done <- err
				case <-time.After(patience):
					waited = true
				}
			})
		})
		e := New(db, orgpii.New(db), Config{BatchSize: 3, TxHook: hook}) // mustEngine's
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("run: %+v %v", res, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("hold: %v", err)
		}
		want := RunResult{Anonymized: 0, SkippedHold: 1}
		if db.Dialect() == store.SQLite {
			want = RunResult{Anonymized: 1}
		}
		if waited != (db.Dialect() == store.SQLite) || res.Anonymized != want.Anonymized || res.SkippedHold != want.SkippedHold {
			t.Errorf("hold waited for the batch: %v; run %+v, want %d anonymized, %d held", waited, res, want.Anonymized, want.SkippedHold)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if answer := got.Posts[1]; (answer.AnonymizedAt == nil) != (want.Anonymized == 0) {
			t.Errorf("answer after the run: %+v", answer)
		}
	})
}

// A policy lengthened (or set to never) during a run is applied from the
// next batch on: nothing beyond the new cutoff is purged.
func TestPolicyChangeMidRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   gallra.Policy
		want int // posts anonymized
	}{
		{"longer", gallra.Policy{Period: gallra.Period{N: 120, Unit: gallra.Days}, Action: gallra.ActionAnonymize}, 4},
		{"never", gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize}, 3},
		{"other action", gallra.Policy{Period: gallra.Period{N: 100, Unit: gallra.Days}, Action: gallra.ActionDelete}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				f := storetest.MustFixture(t, db, "Kommunen")
				forum := f.Channels[gallra.ModuleForum].ID
				e := inTurn(db) // 3 rows per batch
				if _, err := e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 100, Unit: gallra.Days}, Action: gallra.ActionAnonymize}); err != nil {
					t.Fatal(err)
				}
				t0 := clock.Now()
				var ids []int64
				for i := range 8 {
					ids = append(ids, mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("p%d@example.se", i)).Posts[0].ID)
					clock.Advance(5 * day)
				}
				// All 8 (created t0 … t0+35d) are due under 100 days; under
				// 120 days only those before t0+16d.
				clock.Set(t0.Add(136 * day))
				e.hook = func(n int) error {
					if n == 1 {
						_, err := e.ChangeChannelPolicy(ctx, f.Admin, forum, &tc.to, "Ändras under körningen")
						return err
					}
					return nil
				}
				res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
				if err != nil {
					t.Fatal(err)
				}
				if got := anonymizedIDs(t, db, forum); !slices.Equal(got, ids[:tc.want]) || res.Anonymized != int64(tc.want) {
					t.Errorf("anonymized %v (%d), want %v", got, res.Anonymized, ids[:tc.want])
				}
			})
		})
	}
}

// Preview counts everything with COUNT(*) and lists at most the cap of ids
// per bucket, flagged as truncated.
func TestPreviewBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		e.previewIDs = 2
		forum := f.Channels[gallra.ModuleForum].ID
		t0 := clock.Now()
		var ids []int64
		var topics []int64
		for i := range 8 {
			tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("p%d@example.se", i))
			ids, topics = append(ids, tp.Posts[0].ID), append(topics, tp.ID)
			clock.Advance(5 * day)
		}
		if _, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, topics[1], "Tvist"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, topics[6], "Tvist"); err != nil {
			t.Fatal(err)
		}
		// Due now: 0–3 (1 held); within 7 days: 4; within 30: 4–7 (6 held).
		clock.Set(t0.AddDate(3, 0, 0).Add(16 * day))
		pv, err := e.Preview(ctx, f.Org.ID, forum, nil)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, b gallra.RetentionBucket, count int, want []int64, trunc bool) {
			t.Helper()
			if b.Count != count || !slices.Equal(b.IDs, want) || b.Truncated != trunc {
				t.Errorf("%s: %+v, want count %d ids %v truncated %v", name, b, count, want, trunc)
			}
		}
		check("due now", pv.DueNow, 3, []int64{ids[0], ids[2]}, true)
		check("held", pv.Held, 1, []int64{ids[1]}, false)
		check("7 days", pv.Next7Days, 1, []int64{ids[4]}, false)
		check("30 days", pv.Next30Days, 3, []int64{ids[4], ids[5]}, true)
		res := mustRun(t, e)
		if res.Anonymized != 3 || res.SkippedHold != 1 {
			t.Errorf("purge after preview: %+v", res)
		}
		if got := anonymizedIDs(t, db, forum); !slices.Equal(got, []int64{ids[0], ids[2], ids[3]}) {
			t.Errorf("purged %v", got)
		}
	})
}

// Deleting a topic's first post follows the erasure's rules: it stays as a
// placeholder while the topic has other posts (answers included, not only
// comments), the title becomes store.RemovedTopicTitle, and it goes
// with the topic once nothing else is left, however the batches fall.
func TestForumDeleteFirstPostLikeErasure(t *testing.T) {
	for _, batch := range []int{1, 100} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				f := storetest.MustFixture(t, db, "Kommunen")
				e := New(db, orgpii.New(db), Config{BatchSize: batch})
				forum := f.Channels[gallra.ModuleForum].ID
				if _, err := e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
					t.Fatal(err)
				}
				t0 := clock.Now()
				tp := mustTopic(t, db, f, "Fråga från Anna Andersson", "Frågan", "anna@example.se")
				if err := db.SetCustomField(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, tp.ID, "kundnummer", "KN-1"); err != nil {
					t.Fatal(err)
				}
				clock.Advance(100 * day)
				answer := mustPost(t, db, f, tp.ID, nil, "Ett svar", "bo@example.se")
				// Only the question is due: a placeholder, the title replaced.
				clock.Set(t0.AddDate(1, 0, 1))
				if res := mustRun(t, e); res.Deleted != 1 || res.PersonsDeleted != 1 {
					t.Fatalf("first run: %+v", res)
				}
				got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Posts) != 2 || !got.Posts[0].Removed || got.Posts[0].Body != "" || got.Posts[0].AuthorEmail != "" || got.Posts[1].ID != answer.ID {
					t.Fatalf("posts: %+v", got.Posts)
				}
				if got.Title != store.RemovedTopicTitle || got.PersonID != nil {
					t.Errorf("topic title %q person %v", got.Title, got.PersonID)
				}
				var fields int
				db.View(ctx, func(tx *store.Tx) error {
					return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE subject_type = 'forum_topic' AND subject_id = ?`, tp.ID).Scan(&fields)
				})
				if fields != 0 {
					t.Errorf("%d topic fields left", fields)
				}
				// The answer comes due: it, the placeholder and the topic go.
				clock.Set(t0.Add(100*day).AddDate(1, 0, 1))
				if res := mustRun(t, e); res.Deleted != 1 {
					t.Fatalf("second run: %+v", res)
				}
				if _, err := db.GetTopic(ctx, f.Org.ID, tp.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
					t.Errorf("topic kept: %v", err)
				}
				// Question and answers due together go together.
				tp2 := mustTopic(t, db, f, "Fråga 2", "Frågan", "carl@example.se")
				mustPost(t, db, f, tp2.ID, nil, "Svar 1", "dan@example.se")
				mustPost(t, db, f, tp2.ID, nil, "Svar 2", "eva@example.se")
				clock.Advance(2 * 365 * day)
				if res := mustRun(t, e); res.Deleted != 3 {
					t.Fatalf("third run: %+v", res)
				}
				if _, err := db.GetTopic(ctx, f.Org.ID, tp2.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
					t.Errorf("topic 2 kept: %v", err)
				}
				tot, _ := db.ChannelTotals(ctx, f.Org.ID, forum)
				if tot.Posts != 5 || tot.Conversations != 2 {
					t.Errorf("totals: %+v", tot)
				}
			})
		})
	}
}

// Lease deadlines run on the store's clock: a run renews its lease as that
// clock advances (so nobody can take it over mid-run) and stops at the next
// batch once it has lost it.
func TestLeaseOnInjectedClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		for i := range 12 {
			mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("p%d@example.se", i))
		}
		clock.Advance(4 * 365 * day)
		// 1: two minutes pass per batch (TTL 5 minutes; on PostgreSQL two
		// batches run side by side, so two of these may pass between one
		// renewal and the next): the lease is kept.
		e := mustEngine(db, nil)
		e.hook = func(int) error {
			clock.Advance(2 * time.Minute)
			if ok, err := db.AcquireLease(ctx, LeaseName, "other", time.Minute); err != nil || ok {
				return fmt.Errorf("another process took the lease mid-run: %v %v", ok, err)
			}
			return nil
		}
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum, Trigger: "cli"})
		if err != nil || res.Anonymized != 12 {
			t.Fatalf("first run: %+v %v", res, err)
		}
		for i := range 12 {
			mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("q%d@example.se", i))
		}
		clock.Advance(4 * 365 * day)
		// 2: the run stalls past its TTL and another process takes over: the
		// next batch does not commit.
		e = inTurn(db)
		e.hook = func(n int) error {
			if n == 1 {
				clock.Advance(6 * time.Minute)
				if ok, err := db.AcquireLease(ctx, LeaseName, "other", 5*time.Minute); err != nil || !ok {
					return fmt.Errorf("expired lease not taken over: %v %v", ok, err)
				}
			}
			return nil
		}
		res, err = e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum, Trigger: "cli"})
		if !errors.Is(err, errLeaseLost) || res.Anonymized != 3 {
			t.Fatalf("run that lost its lease: %+v %v", res, err)
		}
		if got := anonymizedIDs(t, db, forum); len(got) != 15 {
			t.Errorf("%d posts anonymized, want 15", len(got))
		}
		// 3: a stall past the TTL without a takeover also stops the run.
		clock.Advance(6 * time.Minute) // "other" expires
		e = inTurn(db)
		e.hook = func(n int) error {
			clock.Advance(6 * time.Minute)
			return nil
		}
		if res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum, Trigger: "cli"}); !errors.Is(err, errLeaseLost) || res.Anonymized != 3 {
			t.Fatalf("stalled run: %+v %v", res, err)
		}
	})
}

// Persons are checked once per run from a queue written with each batch: a
// run cut short between its batches and that pass leaves no person
// orphaned after the next run, and the deletions are counted.
func TestPersonQueueSurvivesCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		for i := range 7 {
			tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("p%d@example.se", i%4))
			mustPost(t, db, f, tp.ID, nil, "Svar", "svar@example.se")
		}
		clock.Advance(4 * 365 * day)
		e := mustEngine(db, nil)
		boom := errors.New("crash before the person pass")
		e.drainHook = func() error { return boom }
		res, err := e.Run(ctx, RunOptions{})
		if !errors.Is(err, boom) || res.Anonymized != 14 {
			t.Fatalf("crashed run: %+v %v", res, err)
		}
		queued := func() (n int) {
			db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM purge_person_queue`).Scan(&n)
			})
			return n
		}
		if n := queued(); n != 5 || !personExists(t, db, f, "p0@example.se") {
			t.Fatalf("queue after crash: %d", n)
		}
		res = mustRun(t, mustEngine(db, nil))
		if res.Anonymized != 0 || res.PersonsDeleted != 5 {
			t.Fatalf("next run: %+v", res)
		}
		for _, email := range []string{"p0@example.se", "p1@example.se", "p2@example.se", "p3@example.se", "svar@example.se"} {
			if personExists(t, db, f, email) {
				t.Errorf("%s orphaned", email)
			}
		}
		if n := queued(); n != 0 {
			t.Errorf("%d left in the queue", n)
		}
		runs, _ := db.ListPurgeRuns(ctx, f.Org.ID, 1)
		if len(runs) != 1 || runs[0].PersonsDeleted != 5 {
			t.Errorf("run record: %+v", runs)
		}
	})
}

// A post edited after its batch selected it but before the batch changed
// it is anonymized from its edited body: one whose selected body had
// nothing to redact, and one whose selected body was redacted before the
// UPDATE (which must not write that redaction over the edit). On PostgreSQL the edit commits from
// another connection while the batch transaction is open; on SQLite (one
// writer) inside the batch transaction. The store clock stands still, so
// updated_at could not tell the edit apart.
func TestPostEditedMidBatchIsRedacted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		tp := mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		reply := mustPost(t, db, f, tp.ID, nil, "Svar", "bo@example.se")
		other := mustPost(t, db, f, tp.ID, nil, "Ring 070-123 45 67", "carl@example.se")
		clock.Advance(4 * 365 * day)
		edited := "Ring mig på 070-987 65 43"
		edited2 := "Nytt nummer: 070-555 12 34"
		fired := 0
		hook := store.TxHook(func(tx *store.Tx) {
			if fired++; fired > 1 {
				return
			}
			for id, body := range map[int64]string{reply.ID: edited, other.ID: edited2} {
				if db.Dialect() == store.SQLite {
					if _, err := tx.RawForTests().Exec(ctx, `UPDATE forum_posts SET body = ?, updated_at = ? WHERE id = ?`, body, db.Now().UnixMilli(), id); err != nil {
						t.Error(err)
					}
					continue
				}
				if _, err := db.EditPost(ctx, staff(f), f.Org.ID, id, body); err != nil {
					t.Error(err)
				}
			}
		})
		res, err := New(db, orgpii.New(db), Config{BatchSize: 100, TxHook: hook}).Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || res.Anonymized != 3 {
			t.Fatalf("run: %+v %v", res, err)
		}
		if fired == 0 {
			t.Fatal("hook not called")
		}
		got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{tp.Posts[0].ID: "Text", reply.ID: "Ring mig på [phone]", other.ID: "Nytt nummer: [phone]"}
		for _, p := range got.Posts {
			if p.Body != want[p.ID] || p.AnonymizedAt == nil || p.AuthorEmail != "" {
				t.Errorf("post %d: body %q (want %q), anonymized %v, email %q", p.ID, p.Body, want[p.ID], p.AnonymizedAt, p.AuthorEmail)
			}
		}
	})
}

// A person whose own custom fields the person pass deleted is deleted by
// id: if a post by them commits in between (another connection), the
// foreign key refuses, the pass's transaction rolls back with the fields,
// and its next try keeps person and fields (PostgreSQL, where the pass
// deletes fields and persons by two statements that each see what
// committed before them; SQLite has one writer, so nothing commits in
// between).
func TestPersonFieldsKeptWhenPersonGetsContentMidPass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite's one writer lets nothing commit between the two statements")
		}
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		tp := mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		person := *tp.PersonID
		if err := db.SetCustomField(ctx, staff(f), f.Org.ID, gallra.SubjectPerson, person, "kundnummer", "KN-1"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(4 * 365 * day)
		fired := 0
		hook := store.TxHook(func(tx *store.Tx) {
			var left int
			if err := tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE person_id = ? AND subject_type = 'person'`, person).Scan(&left); err != nil {
				t.Error(err)
				return
			}
			if left > 0 || fired > 0 {
				return // a batch, not the person pass
			}
			fired++
			mustPost(t, db, f, tp.ID, nil, "Jag igen", "anna@example.se")
		})
		e := New(db, orgpii.New(db), Config{BatchSize: 3, TxHook: hook}) // mustEngine's
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || fired != 1 || res.Status != gallra.PurgeDone || res.Anonymized != 1 || res.PersonsDeleted != 0 {
			t.Fatalf("run with content arriving mid-pass: %+v %v, hook fired %d times; want done, Anna kept", res, err, fired)
		}
		if !personExists(t, db, f, "anna@example.se") {
			t.Fatal("Anna deleted although she posted again")
		}
		res, err = e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || res.PersonsDeleted != 0 {
			t.Fatalf("second run: %+v %v", res, err)
		}
		fields, err := db.ListCustomFields(ctx, f.Org.ID, gallra.SubjectPerson, person)
		if err != nil || len(fields) != 1 {
			t.Errorf("person's fields after the runs: %+v %v; want the one field", fields, err)
		}
	})
}

// panicky is a redactor that panics on one text.
type panicky struct{ on string }

func (p panicky) Redact(s string) string {
	if s == p.on {
		panic("redactor failed on " + s)
	}
	return s
}

// Redactor implements RedactorSource: the same redactor for every
// organisation.
func (p panicky) Redactor(context.Context, int64) (func(string) string, error) { return p.Redact, nil }

// A redactor that panics fails the channel (recorded, nothing changed in
// the batch) and the process goes on; the panic's value, which may quote
// the text, is not in the run's errors.
func TestRedactorPanicFailsTheChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		tp := mustTopic(t, db, f, "Fråga", "Hemligt 070-123 45 67", "anna@example.se")
		clock.Advance(4 * 365 * day)
		e := New(db, panicky{on: "Hemligt 070-123 45 67"}, Config{BatchSize: 100})
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if len(res.Errors) != 1 || res.Anonymized != 0 || strings.Contains(res.Errors[0], "Hemligt") {
			t.Errorf("run: %+v; want one channel error without the text, nothing anonymized", res)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
		if err != nil || got.Posts[0].AnonymizedAt != nil || got.Posts[0].AuthorEmail != "anna@example.se" {
			t.Errorf("post after the failed run: %+v %v", got, err)
		}
	})
}

// A topic deleted (with its posts) between the batch's read and its write
// is neither purged nor counted as held (PostgreSQL, where the batch is
// read ahead and another connection can commit in between).
func TestTopicDeletedMidBatchIsNotCountedHeld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite's forum anonymization reads nothing ahead: nothing commits between read and write")
		}
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		gone := mustTopic(t, db, f, "Borta", "Text", "anna@example.se")
		mustPost(t, db, f, gone.ID, nil, "Svar", "bo@example.se")
		mustTopic(t, db, f, "Kvar", "Text", "carl@example.se")
		clock.Advance(4 * 365 * day)
		fired := 0
		hook := store.TxHook(func(tx *store.Tx) {
			if fired++; fired > 1 {
				return
			}
			err := db.Update(ctx, func(tx *store.Tx) error {
				if _, err := tx.RawForTests().Exec(ctx, `DELETE FROM forum_posts WHERE topic_id = ?`, gone.ID); err != nil {
					return err
				}
				_, err := tx.RawForTests().Exec(ctx, `DELETE FROM forum_topics WHERE id = ?`, gone.ID)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
		res, err := New(db, orgpii.New(db), Config{BatchSize: 100, TxHook: hook}).Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum})
		if err != nil || fired == 0 {
			t.Fatalf("run: %+v %v (hook fired %d)", res, err, fired)
		}
		if res.SkippedHold != 0 || res.Anonymized != 1 {
			t.Errorf("run: anonymized %d, skipped on hold %d; want 1 and 0", res.Anonymized, res.SkippedHold)
		}
	})
}
