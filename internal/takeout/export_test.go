package takeout

// SetRowsFault makes every row loop of erase.go call f after each row (an
// error ends the loop as a read error would) until restore is called. Tests
// only; not safe while requests are processed concurrently. The export and
// the mention search take theirs from Config.RowsFault; this goes when
// erase.go's loops move to the store.
func SetRowsFault(f func(loop string) error) (restore func()) {
	rowsFault = f
	return func() { rowsFault = nil }
}
