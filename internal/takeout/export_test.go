package takeout

// SetRowsFault makes every row loop of the package call f after each row
// (an error ends the loop as a read error would) until restore is called.
// Tests only; not safe while requests are processed concurrently.
func SetRowsFault(f func(loop string) error) (restore func()) {
	rowsFault = f
	return func() { rowsFault = nil }
}
