package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Bulk loading for benchmarks and demo data: rows with explicit ids go in
// as multi-row INSERTs, many rows a statement, inside the caller's
// transaction. Request paths never use it.

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// bulkRows is how many rows one INSERT statement carries.
const bulkRows = 500

// Inserter batches rows of one table into multi-row INSERT statements. Call
// Add per row and Flush at the end; it is not safe for concurrent use.
type Inserter struct {
	tx   *Tx
	head string
	row  string
	cols int
	rows int
	args []any
}

// Inserter returns an Inserter for table's columns. Table and column names
// must be plain lower-case identifiers (they are written into the SQL).
func (tx *Tx) Inserter(table string, cols ...string) (*Inserter, error) {
	for _, n := range append([]string{table}, cols...) {
		if !identRE.MatchString(n) {
			return nil, fmt.Errorf("bulk insert: %q is not a table or column name", n)
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("bulk insert into %s: no columns", table)
	}
	return &Inserter{tx: tx, cols: len(cols),
		head: `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `,
		row:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"}, nil
}

// Add queues one row (one value per column, in order) and sends the queued
// rows when a statement is full.
func (in *Inserter) Add(ctx context.Context, vals ...any) error {
	if len(vals) != in.cols {
		return fmt.Errorf("bulk insert: %d values for %d columns", len(vals), in.cols)
	}
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows >= bulkRows {
		return in.Flush(ctx)
	}
	return nil
}

// Flush sends the queued rows.
func (in *Inserter) Flush(ctx context.Context) error {
	if in.rows == 0 {
		return nil
	}
	q := in.head + strings.TrimSuffix(strings.Repeat(in.row+", ", in.rows), ", ")
	_, err := in.tx.exec(ctx, q, in.args...)
	in.rows, in.args = 0, in.args[:0]
	if err != nil {
		return fmt.Errorf("bulk insert: %w", err)
	}
	return nil
}

// AfterBulkLoad makes the database ready for use after rows with explicit
// ids went into tables: on PostgreSQL it moves the tables' identity
// sequences past the highest id and refreshes the planner's statistics
// (SQLite needs neither).
func (db *DB) AfterBulkLoad(ctx context.Context, tables ...string) error {
	if db.dialect != Postgres {
		return nil
	}
	if err := db.Update(ctx, func(tx *Tx) error {
		for _, t := range tables {
			if !identRE.MatchString(t) {
				return fmt.Errorf("after bulk load: %q is not a table name", t)
			}
			if _, err := tx.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return fmt.Errorf("after bulk load: sequence of %s: %w", t, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return db.Analyze(ctx)
}

// AnonymizeFloor is the purge benchmark's floor: one bulk UPDATE that
// anonymizes a channel's posts created before cutoff the way the purge
// does, minus everything that makes the purge safe (holds, batches, leases,
// redaction, persons). It returns the rows changed.
func (db *DB) AnonymizeFloor(ctx context.Context, channelID int64, cutoff time.Time) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE forum_posts SET author_name = '', author_email = '', author_ip = '', person_id = NULL, anonymized_at = ?
			WHERE channel_id = ? AND created_at < ? AND anonymized_at IS NULL AND removed = 0`, ms(tx.Now), channelID, ms(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
