package store_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestScrubErased checks what ScrubErased relies on and does: on SQLite,
// secure_delete is on for the writer and for every reader of the pool,
// and ScrubErased leaves an empty WAL; on PostgreSQL, its VACUUM runs
// (outside any transaction) and is recorded for the tables.
func TestScrubErased(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			u := storetest.URL(t, d)
			db, err := store.Open(ctx, u, storetest.NewClock(storetest.Start()))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := storetest.MustFixture(t, db, "Scrub")
			if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "T", Body: "B",
				Author: gallra.Author{Name: "Anna", Email: "anna@example.se"}}); err != nil {
				t.Fatal(err)
			}
			if d == store.SQLite {
				assertSecureDelete(t, db)
			}
			if err := db.ScrubErased(ctx); err != nil {
				t.Fatal(err)
			}
			if d == store.SQLite {
				fi, err := os.Stat(strings.TrimPrefix(u, "sqlite:") + "-wal")
				if err != nil {
					t.Fatal(err)
				}
				if fi.Size() != 0 {
					t.Errorf("WAL holds %d bytes after ScrubErased", fi.Size())
				}
				return
			}
			var n int
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables
					WHERE schemaname = current_schema() AND relname IN ('persons', 'forum_posts', 'subject_requests') AND last_vacuum IS NOT NULL`).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			if n != 3 {
				t.Errorf("%d of 3 tables vacuumed", n)
			}
		})
	}
}

// assertSecureDelete fails unless the writer and eight readers held open
// at once (so, distinct connections of the pool) have secure_delete on.
func assertSecureDelete(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	pragma := func(tx *store.Tx) (int, error) {
		var v int
		err := tx.RawForTests().QueryRow(ctx, `PRAGMA secure_delete`).Scan(&v)
		return v, err
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		v, err := pragma(tx)
		if err == nil && v != 1 {
			t.Errorf("writer: secure_delete = %d", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const readers = 8
	var all, wg sync.WaitGroup
	all.Add(readers)
	errs := make(chan error, readers)
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.View(ctx, func(tx *store.Tx) error {
				all.Done()
				all.Wait() // every reader in its own transaction at once
				v, err := pragma(tx)
				if err == nil && v != 1 {
					t.Errorf("reader: secure_delete = %d", v)
				}
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
