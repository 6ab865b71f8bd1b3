package retention

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// seedForumMix fills a fixture's forum with posts for an anonymizing purge:
// topics with answers and comments at spread times, bodies with and without
// personal identifiers, persons with posts across many batches (and one
// with a mail conversation, who stays), and one topic on hold.
func seedForumMix(t *testing.T, db *store.DB, clock *storetest.Clock) (*storetest.Fixture, int64) {
	t.Helper()
	f := storetest.MustFixture(t, db, "Kommunen")
	forum := f.Channels[gallra.ModuleForum].ID
	mustMail(t, db, f, "k0@example.se", "c0@x", "")
	for i := range 30 {
		email := fmt.Sprintf("k%d@example.se", i%7)
		body := "Hej, när töms kärlen?"
		if i%4 == 0 {
			body = "Ring mig på 070-123 45 67"
		}
		tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), body, email)
		p := mustPost(t, db, f, tp.ID, nil, "Svar", fmt.Sprintf("s%d@example.se", i%3))
		if i%3 == 0 {
			mustPost(t, db, f, tp.ID, &p.ID, "Kommentar, mejla a@b.se", email)
		}
		if i == 11 {
			if _, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, tp.ID, "Tvist"); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(3 * day)
	}
	clock.Advance(3 * 365 * day)
	return f, forum
}

// Batches written side by side (PostgreSQL) leave exactly what batches
// written in turn leave, with the same counts.
func TestSideBySideMatchesInTurn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, ref *store.DB, clockA *storetest.Clock) {
		seedForumMix(t, ref, clockA)
		want, err := inTurn(ref).Run(ctx, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		clockB := storetest.NewClock(storetest.Start())
		db := storetest.Open(t, ref.Dialect(), clockB)
		seedForumMix(t, db, clockB)
		e := New(db, orgpii.New(db), Config{BatchSize: 2, Writers: 2})
		got, err := e.Run(ctx, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Anonymized != want.Anonymized || got.SkippedHold != want.SkippedHold || got.PersonsDeleted != want.PersonsDeleted {
			t.Errorf("side by side: %d anonymized, %d held, %d persons; in turn: %d, %d, %d",
				got.Anonymized, got.SkippedHold, got.PersonsDeleted, want.Anonymized, want.SkippedHold, want.PersonsDeleted)
		}
		if again, err := e.Run(ctx, RunOptions{}); err != nil || again.Anonymized != 0 {
			t.Errorf("second run anonymized %v posts again (%v)", again, err)
		}
		if a, b := snapshot(t, ref), snapshot(t, db); a != b {
			t.Errorf("end state side by side differs from in turn:\n got:\n%s\nwant:\n%s", b, a)
		}
	})
}

// A policy changed after a run began is seen by every batch that starts
// after the change: set to never, nothing is purged; lengthened, exactly
// what is due under the new period is, and each held post is counted once.
func TestSideBySidePolicyChangeBeforeBatches(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   gallra.Policy
	}{
		{"never", gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize}},
		{"longer", gallra.Policy{Period: gallra.Period{N: 3*365 + 45, Unit: gallra.Days}, Action: gallra.ActionAnonymize}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				f, forum := seedForumMix(t, db, clock)
				e := New(db, orgpii.New(db), Config{BatchSize: 2})
				// What the new policy makes due, from the purge's own
				// preview of it.
				pv, err := e.Preview(ctx, f.Org.ID, forum, &tc.to)
				if err != nil {
					t.Fatal(err)
				}
				// Progress is first called after the run planned its
				// channels (with the old policy) and before any batch.
				changed := false
				res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum, Progress: func(done, total int64) {
					if !changed {
						changed = true
						if _, err := e.ChangeChannelPolicy(ctx, f.Admin, forum, &tc.to, "Ändras före körningen"); err != nil {
							t.Error(err)
						}
					}
				}})
				if err != nil || len(res.Errors) > 0 {
					t.Fatalf("run: %+v %v", res, err)
				}
				got := anonymizedIDs(t, db, forum)
				want := slices.Sorted(slices.Values(pv.DueNow.IDs))
				if len(want) == 0 {
					want = nil
				}
				if !slices.Equal(got, want) || res.Anonymized != int64(len(want)) {
					t.Errorf("anonymized %v (counted %d), want %v", got, res.Anonymized, want)
				}
				if tc.to.Period.IsNever() {
					return
				}
				if len(want) == 0 || pv.Held.Count == 0 {
					t.Fatalf("test data: %d due, %d held under the new policy", len(want), pv.Held.Count)
				}
				if res.SkippedHold != int64(pv.Held.Count) {
					t.Errorf("%d counted as held, want %d", res.SkippedHold, pv.Held.Count)
				}
			})
		})
	}
}

// A run whose lease another process took over after the run began (its
// lease expired while it stalled) commits none of the batches it writes
// side by side, and says the lease was lost.
func TestSideBySideLeaseLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f, forum := seedForumMix(t, db, clock)
		e := New(db, orgpii.New(db), Config{BatchSize: 2})
		// Progress is first called after the run took its lease and
		// before any batch.
		var once sync.Once
		progress := func(done, total int64) {
			once.Do(func() {
				clock.Advance(6 * time.Minute)
				if ok, err := db.AcquireLease(ctx, LeaseName, "other", 5*time.Minute); err != nil || !ok {
					t.Errorf("expired lease not taken over: %v %v", ok, err)
				}
			})
		}
		res, err := e.Run(ctx, RunOptions{OrgID: f.Org.ID, ChannelID: forum, Progress: progress})
		if !errors.Is(err, errLeaseLost) || res.Anonymized != 0 {
			t.Fatalf("run that lost its lease: %+v %v", res, err)
		}
		if got := anonymizedIDs(t, db, forum); len(got) != 0 {
			t.Errorf("posts anonymized by a run without the lease: %v", got)
		}
	})
}
