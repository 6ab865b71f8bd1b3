package store

import (
	"context"
	"database/sql"
)

// ViewSnapshot runs fn in a read-only transaction that sees one snapshot of
// the database for all its statements: REPEATABLE READ on PostgreSQL (where
// View is READ COMMITTED, each statement seeing what committed before it),
// and the normal read transaction on SQLite, whose read transactions (WAL)
// already see one snapshot from the first read to the end. Use it when
// several passes over the data must agree, e.g. the files of an export.
func (db *DB) ViewSnapshot(ctx context.Context, fn func(*Tx) error) error {
	if db.dialect != Postgres {
		return db.View(ctx, fn)
	}
	return db.run(ctx, db.read, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn)
}
