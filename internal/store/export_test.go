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
