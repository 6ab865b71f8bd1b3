package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// SQLite runs in this process, so one statement can call back into Go for
// each row it changes instead of sending every row to Go and back. The
// purge uses that to anonymize a batch of forum posts in one UPDATE: the
// bodies are redacted as the rows are rewritten (gallra_redact) and the
// person and topic of each changed row are kept for the steps that follow
// (gallra_keep), where a SELECT of the batch before the UPDATE and an UPDATE
// by id list would read every row twice and cross into Go once per row.
//
// The functions are registered on a driver of the DB's own (not the
// process-wide "sqlite" driver), used by the writer connection only. (The
// driver package keeps what is registered for the life of the process: two
// small entries per opened database.) A
// statement reaches its callback through a key bound for that statement
// (Tx.bind): the SQL stays plain and visible, and nothing is shared between
// DBs or statements.

// sqlFuncs holds the callbacks bound to keys for the statements that run.
type sqlFuncs struct {
	next atomic.Int64
	m    sync.Map // key (int64) → func(string) string or *keeper
}

// keeper collects rows of int64 values (NULL as 0), cols per row.
type keeper struct {
	cols int
	vals []int64
}

// rows returns the number of rows kept.
func (k *keeper) rows() int { return len(k.vals) / k.cols }

// at returns column col of row i.
func (k *keeper) at(i, col int) int64 { return k.vals[i*k.cols+col] }

// newWriterDriver returns an SQLite driver whose connections have the
// functions:
//
//	gallra_redact(key, text)  the text rewritten by the redactor bound to
//	                          key, or NULL when it is unchanged (or NULL),
//	                          so "COALESCE(gallra_redact(?, body), body)"
//	                          copies only the texts that change;
//	gallra_keep(key, v, …)    appends the integers v, … (NULL as 0) as one
//	                          row to the keeper bound to key; returns NULL.
//
// Both fail the statement when nothing is bound to key.
func newWriterDriver(f *sqlFuncs) *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterFunction("gallra_redact", &sqlite.FunctionImpl{NArgs: 2, Scalar: f.redact})
	d.MustRegisterFunction("gallra_keep", &sqlite.FunctionImpl{NArgs: -1, Scalar: f.keep})
	return d
}

func (f *sqlFuncs) bound(args []driver.Value, name string) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: no key", name)
	}
	k, ok := args[0].(int64)
	if !ok {
		return nil, fmt.Errorf("%s: key is not an integer", name)
	}
	v, ok := f.m.Load(k)
	if !ok {
		return nil, fmt.Errorf("%s: nothing bound to key %d", name, k)
	}
	return v, nil
}

// recovered turns a panic in a callback into the statement's error, so it
// does not unwind through SQLite. Only the panic's type is kept: its value
// might quote the text being redacted.
func recovered(name string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: callback panicked (%T)", name, r)
	}
}

func (f *sqlFuncs) redact(_ *sqlite.FunctionContext, args []driver.Value) (_ driver.Value, err error) {
	defer recovered("gallra_redact", &err)
	v, err := f.bound(args, "gallra_redact")
	if err != nil {
		return nil, err
	}
	fn, ok := v.(func(string) string)
	if !ok {
		return nil, fmt.Errorf("gallra_redact: key %d is not a redactor", args[0])
	}
	if len(args) != 2 || args[1] == nil {
		return nil, nil
	}
	s, ok := args[1].(string)
	if !ok {
		return nil, fmt.Errorf("gallra_redact: argument is not text")
	}
	if r := fn(s); r != s {
		return r, nil
	}
	return nil, nil
}

func (f *sqlFuncs) keep(_ *sqlite.FunctionContext, args []driver.Value) (_ driver.Value, err error) {
	defer recovered("gallra_keep", &err)
	v, err := f.bound(args, "gallra_keep")
	if err != nil {
		return nil, err
	}
	k, ok := v.(*keeper)
	if !ok {
		return nil, fmt.Errorf("gallra_keep: key %d is not a keeper", args[0])
	}
	if len(args)-1 != k.cols {
		return nil, fmt.Errorf("gallra_keep: %d values for %d columns", len(args)-1, k.cols)
	}
	for _, a := range args[1:] {
		switch x := a.(type) {
		case int64:
			k.vals = append(k.vals, x)
		case nil:
			k.vals = append(k.vals, 0)
		default:
			return nil, fmt.Errorf("gallra_keep: value is not an integer")
		}
	}
	return nil, nil
}

// bind makes v (a func(string) string for gallra_redact, a *keeper for
// gallra_keep) reachable by the returned key until release is called.
// SQLite only.
func (tx *Tx) bind(v any) (key int64, release func()) {
	f := tx.db.funcs
	key = f.next.Add(1)
	f.m.Store(key, v)
	return key, func() { f.m.Delete(key) }
}

// writerConnector opens connections of the SQLite writer through its own
// driver.
type writerConnector struct {
	d   *sqlite.Driver
	dsn string
}

func (c writerConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c writerConnector) Driver() driver.Driver                        { return c.d }
