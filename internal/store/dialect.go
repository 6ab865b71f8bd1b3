package store

import (
	"strconv"
	"strings"
)

// This file holds what differs between the engines in how SQL is written;
// engine-specific statements that a benchmark justified live next to their
// portable twin and are chosen by Dialect.

// Dialect is the SQL engine behind a DB.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// rebind rewrites ? placeholders as $1, $2, … for PostgreSQL. Queries in this
// package never contain a literal question mark.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	if v, ok := db.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	db.rebinds.Store(q, s)
	return s
}
