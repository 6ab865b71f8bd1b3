// Package benchdb opens throw-away databases for `gallra bench`: a fresh
// SQLite file in a temporary folder, or a fresh schema in a PostgreSQL
// database, each removed by the returned cleanup.
package benchdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Target is one database a benchmark runs on.
type Target struct {
	Name string // "sqlite" or "postgres"
	URL  string // PostgreSQL base URL; "" for SQLite
}

// Targets returns SQLite, plus PostgreSQL when pgURL is set.
func Targets(pgURL string) []Target {
	t := []Target{{Name: "sqlite"}}
	if pgURL != "" {
		t = append(t, Target{Name: "postgres", URL: pgURL})
	}
	return t
}

// Open creates a fresh, migrated database for t with the given clock.
func Open(ctx context.Context, t Target, clock gallra.Clock) (*store.DB, func(), error) {
	if t.URL == "" {
		dir, err := os.MkdirTemp("", "gallra-bench-")
		if err != nil {
			return nil, nil, err
		}
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "bench.db"), clock)
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return db, func() { db.Close(); os.RemoveAll(dir) }, nil
	}
	u, dropSchema, err := store.CreateSchema(ctx, t.URL, "gbench_")
	if err != nil {
		return nil, nil, fmt.Errorf("create benchmark schema: %w", err)
	}
	drop := func() { dropSchema() }
	db, err := store.Open(ctx, u, clock)
	if err != nil {
		drop()
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		drop()
		return nil, nil, err
	}
	return db, func() { db.Close(); drop() }, nil
}
