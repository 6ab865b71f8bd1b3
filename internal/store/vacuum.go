package store

import (
	"context"
	"fmt"
	"regexp"
)

var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Vacuum runs VACUUM on the named tables of this schema on PostgreSQL (the
// dead row versions that updates leave behind), as autovacuum would; on
// SQLite it does nothing. Benchmarks use it to show a server with
// autovacuum on.
func (db *DB) Vacuum(ctx context.Context, tables ...string) error {
	if db.dialect != Postgres {
		return nil
	}
	for _, t := range tables {
		if !plainName.MatchString(t) {
			return fmt.Errorf("vacuum: bad table name %q", t)
		}
		if _, err := db.write.ExecContext(ctx, `VACUUM `+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}

// ServerSetting returns a PostgreSQL server setting (current_setting), ""
// on SQLite; benchmarks print the ones their figures depend on.
func (db *DB) ServerSetting(ctx context.Context, name string) (string, error) {
	if db.dialect != Postgres {
		return "", nil
	}
	var v string
	if err := db.write.QueryRowContext(ctx, `SELECT current_setting($1)`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return v, nil
}

// Durability describes when a commit is on disk, as the engine is set now:
// SQLite's journal mode and synchronous level, PostgreSQL's fsync and
// synchronous_commit. Benchmarks print it next to write rates.
func (db *DB) Durability(ctx context.Context) (string, error) {
	if db.dialect == Postgres {
		var fsync, commit string
		if err := db.write.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &commit); err != nil {
			return "", fmt.Errorf("read durability settings: %w", err)
		}
		return "fsync=" + fsync + ", synchronous_commit=" + commit, nil
	}
	var mode string
	var sync int
	if err := db.write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return "", fmt.Errorf("read durability settings: %w", err)
	}
	if err := db.write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		return "", fmt.Errorf("read durability settings: %w", err)
	}
	level := map[int]string{0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[sync]
	return "journal_mode=" + mode + ", synchronous=" + level, nil
}
