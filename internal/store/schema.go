package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
)

// CreateSchema makes a fresh, empty PostgreSQL schema named prefix plus a
// random suffix in the database at baseURL (tests and benchmarks use one
// each, so runs never interfere). It returns the URL that opens the new
// schema (search_path set) and a function that drops it with everything in
// it. The error never holds the URL (it may carry a password).
func CreateSchema(ctx context.Context, baseURL, prefix string) (schemaURL string, drop func() error, err error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("create schema: the PostgreSQL URL does not parse")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop = func() error {
		defer admin.Close()
		_, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		return err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
