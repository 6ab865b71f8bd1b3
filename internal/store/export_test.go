package store

import "context"

// PersonRefTables lists the tables of personRefs, for tests.
func PersonRefTables() []string {
	var out []string
	for _, r := range personRefs() {
		out = append(out, r.table)
	}
	return out
}

// IndexJoinsOnly is Tx.indexJoinsOnly, for tests.
func (tx *Tx) IndexJoinsOnly(ctx context.Context) (func() error, error) {
	return tx.indexJoinsOnly(ctx)
}

// MigrateTo applies the migrations up to and including version, for tests
// of a migration's handling of existing rows.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
