package store

// PersonRefTables lists the tables of personRefs, for tests.
func PersonRefTables() []string {
	var out []string
	for _, r := range personRefs() {
		out = append(out, r.table)
	}
	return out
}
