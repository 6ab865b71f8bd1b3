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
