package store

import (
	"context"
	"database/sql"
)

// RawSQL is direct SQL on a transaction for tests outside this package:
// they set up states no service creates (a row edited behind the purge's
// back, a hold written mid-batch) and check rows the API does not show.
// Production code never uses it: internal/archtest fails on any call
// outside a _test.go file, so all SQL of the product stays in this package.
type RawSQL struct{ tx *Tx }

// RawForTests returns the transaction's RawSQL (tests only, see RawSQL).
func (tx *Tx) RawForTests() RawSQL { return RawSQL{tx: tx} }

// Exec runs a statement with ? placeholders.
func (r RawSQL) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.tx.exec(ctx, q, args...)
}

// Query runs a query with ? placeholders.
func (r RawSQL) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.tx.query(ctx, q, args...)
}

// QueryRow runs a single-row query with ? placeholders.
func (r RawSQL) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return r.tx.queryRow(ctx, q, args...)
}
