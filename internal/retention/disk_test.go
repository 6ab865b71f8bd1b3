package retention

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestPurgedDataLeavesTheDatabaseFiles runs an anonymizing and a deleting
// purge over a person's forum topic and checks, on SQLite, that no byte of
// what the purge removed (name, e-mail, the redacted personnummer; with
// delete, the text too) stays in the database file or the WAL; on
// PostgreSQL, that the touched tables were vacuumed.
func TestPurgedDataLeavesTheDatabaseFiles(t *testing.T) {
	const (
		name  = "Ottoline Brynjulfsdottir-Quade"
		email = "ottoline.bq@purged-subject.example"
		pnr   = "811218-9876"
		text  = "Zymurgical pamphlet 44219 kept by the anonymization"
	)
	cases := []struct {
		name    string
		policy  *gallra.Policy // forum channel's; nil: the shipped anonymize after 3y
		secrets []string
	}{
		{"anonymize", nil, []string{name, email, pnr}},
		{"delete", &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}, []string{name, email, pnr, text}},
	}
	for _, c := range cases {
		for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
			t.Run(c.name+"/"+string(d), func(t *testing.T) {
				u := storetest.URL(t, d)
				clock := storetest.NewClock(storetest.Start())
				db, err := store.Open(ctx, u, clock)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				f := storetest.MustFixture(t, db, "Disk")
				e := mustEngine(db, nil)
				if c.policy != nil {
					if _, err := e.SetChannelPolicy(ctx, f.Admin, f.Channels[gallra.ModuleForum].ID, c.policy); err != nil {
						t.Fatal(err)
					}
				}
				body := strings.Repeat(text+", personnummer "+pnr+". ", 200) // ~15 KB: overflow pages
				if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Topic " + pnr, Body: body,
					Author: gallra.Author{Name: name, Email: email, IP: "192.0.2.77"}}); err != nil {
					t.Fatal(err)
				}
				path := strings.TrimPrefix(u, "sqlite:")
				clock.Advance(4 * 366 * day)
				res := mustRun(t, e)
				if res.Anonymized+res.Deleted != 1 || res.PersonsDeleted != 1 {
					t.Fatalf("run: %+v", res)
				}
				if d == store.SQLite {
					var all []byte
					for _, file := range []string{path, path + "-wal"} {
						b, err := os.ReadFile(file)
						if err != nil && !os.IsNotExist(err) {
							t.Fatal(err)
						}
						b = bytes.ToLower(b)
						all = append(all, b...)
						for _, s := range c.secrets {
							if n := bytes.Count(b, []byte(strings.ToLower(s))); n > 0 {
								t.Errorf("%q found %d time(s) in %s (%d bytes)", s, n, file, len(b))
							}
						}
					}
					// Anonymization keeps the text: the check reads the right files.
					if c.policy == nil && !bytes.Contains(all, bytes.ToLower([]byte(text))) {
						t.Error("the anonymized text is not in the database files")
					}
					return
				}
				var vacuumed int
				err = db.View(ctx, func(tx *store.Tx) error {
					return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables
						WHERE schemaname = current_schema() AND relname IN ('forum_posts', 'forum_topics', 'persons')
						AND last_vacuum IS NOT NULL`).Scan(&vacuumed)
				})
				if err != nil {
					t.Fatal(err)
				}
				if vacuumed != 3 {
					t.Errorf("%d of the 3 touched tables vacuumed after the purge", vacuumed)
				}
			})
		}
	}
}
