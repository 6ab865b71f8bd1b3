package takeout

import (
	"database/sql"
	"fmt"
	"strings"
)

// What erase.go still needs of the SQL helpers this package had before its
// reads moved to the store. Delete this file once erase.go's statements live
// in internal/store too (and erase.go reads Service.rowFault instead of
// rowsFault).

// in returns "(?, ?, …)" for n values and the values as arguments.
func in(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// rowsFault, when set (by tests only, through SetRowsFault), is called after
// each row eachRow reads, with the loop's name; an error ends the loop as a
// read error (rows.Err) would. Only erase.go's loops read it: the export and
// the mention search take their fault injector from Config.RowsFault.
var rowsFault func(loop string) error

// eachRow calls fn for each row of rows, closes them, and returns the first
// error of fn or of the reading itself (rows.Err): a loop that ends early
// because reading failed must never pass for one that read everything.
func eachRow(rows *sql.Rows, loop string, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
		if rowsFault != nil {
			if err := rowsFault(loop); err != nil {
				return fmt.Errorf("read %s: %w", loop, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", loop, err)
	}
	return nil
}
