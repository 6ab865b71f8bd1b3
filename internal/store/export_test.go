package store

import "strings"

// PersonRefTables lists the tables of personRefs, for tests.
func PersonRefTables() []string {
	var out []string
	for _, ref := range personRefs() {
		table, _, _ := strings.Cut(ref, " ")
		out = append(out, table)
	}
	return out
}
