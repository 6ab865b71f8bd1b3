package store_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The forum purge turns hash and merge joins off for its UPDATEs only:
// the settings the transaction had before come back after them, whatever
// they were (PostgreSQL; SQLite has no such settings).
func TestIndexJoinsOnlyPutsTheSettingsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("planner settings are PostgreSQL's")
		}
		ctx := context.Background()
		settings := func(tx *store.Tx) (hash, merge string) {
			t.Helper()
			if err := tx.RawForTests().QueryRow(ctx, `SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')`).Scan(&hash, &merge); err != nil {
				t.Fatal(err)
			}
			return hash, merge
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.RawForTests().Exec(ctx, `SET LOCAL enable_mergejoin = off`); err != nil {
				return err
			}
			restore, err := tx.IndexJoinsOnly(ctx)
			if err != nil {
				return err
			}
			if h, m := settings(tx); h != "off" || m != "off" {
				t.Errorf("while on: hash %s, merge %s; want both off", h, m)
			}
			if err := restore(); err != nil {
				return err
			}
			if h, m := settings(tx); h != "on" || m != "off" {
				t.Errorf("after: hash %s, merge %s; want on, off as before", h, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// SET LOCAL and set_config(…, true) end with the transaction.
		err = db.View(ctx, func(tx *store.Tx) error {
			if h, m := settings(tx); h != "on" || m != "on" {
				t.Errorf("next transaction: hash %s, merge %s; want both on", h, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
