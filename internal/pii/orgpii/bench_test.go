package orgpii_test

import (
	"fmt"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/storetest"
)

// BenchmarkBuild is what a detector costs to build without the cache.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{0, 5} {
		var opts pii.Options
		for i := range n {
			opts.Custom = append(opts.Custom, pii.CustomPattern{Name: fmt.Sprint("p", i), Pattern: fmt.Sprintf(`KN%d-\d{6}`, i)})
		}
		b.Run(fmt.Sprint(n, " patterns"), func(b *testing.B) {
			for b.Loop() {
				if _, err := pii.New(opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDetector is one Redactors.Detector call: the patterns read from
// the database, the detector taken from the cache.
func BenchmarkDetector(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, storetest.NewClock(storetest.Start()))
			f := storetest.MustFixture(b, db, "Kommunen")
			var ps []gallra.PIIPattern
			for i := range 5 {
				ps = append(ps, gallra.PIIPattern{Name: fmt.Sprint("p", i), Pattern: fmt.Sprintf(`KN%d-\d{6}`, i)})
			}
			if err := db.SetPIIPatterns(ctx, staffActor(f), f.Org.ID, ps); err != nil {
				b.Fatal(err)
			}
			rs := orgpii.New(db)
			for b.Loop() {
				if _, err := rs.Detector(ctx, f.Org.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreatePost is a forum post written without flags, and with the
// flags of the built-in kinds and the organisation's patterns (read in the
// write's transaction).
func BenchmarkCreatePost(b *testing.B) {
	for _, d := range storetest.Dialects() {
		for _, flagged := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/flags=%v", d, flagged), func(b *testing.B) {
				db := storetest.Open(b, d, storetest.NewClock(storetest.Start()))
				if flagged {
					db = db.WithScanner(orgpii.New(db))
				}
				f := storetest.MustFixture(b, db, "Kommunen")
				if err := db.SetPIIPatterns(ctx, staffActor(f), f.Org.ID, []gallra.PIIPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}}); err != nil {
					b.Fatal(err)
				}
				author := gallra.Author{Name: "E", Email: "e@example.se"}
				tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Fråga", Body: "Hej", Author: author})
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: tp.ID, Body: "Mitt kundnummer är KN-204519, ring 070-123 45 67.", Author: author}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
