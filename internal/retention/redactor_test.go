package retention

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// An anonymizing purge redacts each organisation's own patterns, and only
// that organisation's, in post bodies and topic titles; patterns changed
// between two purges (here straight in the database, as another process
// would) apply to the very next one, on the same engine.
func TestPurgeRedactsTheOrganisationsPatterns(t *testing.T) {
	for _, c := range []struct {
		name    string
		writers int
	}{
		{"in turn", 1},
		{"side by side", 2}, // PostgreSQL; SQLite always writes in turn
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				e := New(db, orgpii.New(db), Config{BatchSize: 2, Writers: c.writers})
				kommun := storetest.MustFixture(t, db, "Kommunen")
				bolag := storetest.MustFixture(t, db, "Bolaget")
				setPatterns := func(f *storetest.Fixture, ps ...gallra.PIIPattern) {
					t.Helper()
					if err := db.SetPIIPatterns(ctx, staff(f), f.Org.ID, ps); err != nil {
						t.Fatal(err)
					}
				}
				setPatterns(kommun, gallra.PIIPattern{Name: "kundnummer", Pattern: `KN-\d{6}`})
				setPatterns(bolag, gallra.PIIPattern{Name: "ordernr", Pattern: `ORD-\d{4}`})
				const body = "Kundnummer KN-204519, order ORD-1234, ring 070-123 45 67."
				type topic struct {
					f         *storetest.Fixture
					id        int64
					wantTitle string
					wantBody  string
				}
				// Three topics per organisation, so batches of two split them.
				var first []topic
				for range 3 {
					tk := mustTopic(t, db, kommun, "Ärende KN-204519 ORD-1234", body, "anna@example.se")
					tb := mustTopic(t, db, bolag, "Ärende KN-204519 ORD-1234", body, "anna@example.se")
					first = append(first,
						topic{kommun, tk.ID, "Ärende [kundnummer] ORD-1234", "Kundnummer [kundnummer], order ORD-1234, ring [phone]."},
						topic{bolag, tb.ID, "Ärende KN-204519 [ordernr]", "Kundnummer KN-204519, order [ordernr], ring [phone]."})
				}
				check := func(ts []topic) {
					t.Helper()
					for _, tp := range ts {
						got, err := db.GetTopic(ctx, tp.f.Org.ID, tp.id)
						if err != nil {
							t.Fatal(err)
						}
						if got.Title != tp.wantTitle || got.Posts[0].Body != tp.wantBody || got.Posts[0].AnonymizedAt == nil {
							t.Errorf("%s topic %d: title %q, body %q (anonymized %v); want %q, %q", tp.f.Org.Name, tp.id,
								got.Title, got.Posts[0].Body, got.Posts[0].AnonymizedAt != nil, tp.wantTitle, tp.wantBody)
						}
					}
				}
				clock.Advance(4 * 365 * day)
				if res := mustRun(t, e); res.Anonymized != 6 {
					t.Fatalf("first run: %+v", res)
				}
				check(first)

				// The patterns change: the next purge uses the new ones.
				later := mustTopic(t, db, kommun, "KN-111111 och AB-123456", "KN-111111 och AB-123456", "bo@example.se")
				setPatterns(kommun, gallra.PIIPattern{Name: "kund", Pattern: `AB-\d{6}`})
				clock.Advance(4 * 365 * day)
				if res := mustRun(t, e); res.Anonymized != 1 {
					t.Fatalf("second run: %+v", res)
				}
				check([]topic{{kommun, later.ID, "KN-111111 och [kund]", "KN-111111 och [kund]"}})
				check(first) // what was redacted stays so
			})
		})
	}
}

// The purge reads an organisation's patterns once per channel, not per
// batch: a channel of several batches costs one read.
func TestPurgeReadsTheRedactorOncePerChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		for range 5 {
			mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		}
		clock.Advance(4 * 365 * day)
		src := &countingSource{inner: orgpii.New(db)}
		res, err := New(db, src, Config{BatchSize: 2}).Run(ctx, RunOptions{OrgID: f.Org.ID})
		if err != nil || res.Anonymized != 5 {
			t.Fatalf("run: %+v %v", res, err)
		}
		// The forum is the only channel that anonymizes (mail and chat delete).
		if src.calls != 1 {
			t.Errorf("redactor fetched %d times for one anonymized channel, want 1", src.calls)
		}
	})
}

var _ RedactorSource = (*orgpii.Redactors)(nil)

// countingSource counts the redactors asked for (one run at a time: no lock).
type countingSource struct {
	inner RedactorSource
	calls int
}

func (s *countingSource) Redactor(c context.Context, orgID int64) (func(string) string, error) {
	s.calls++
	return s.inner.Redactor(c, orgID)
}
