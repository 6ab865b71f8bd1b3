package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
)

func openSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "f.db"), gallra.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The writer's Go callbacks: values kept per row, texts redacted only when
// they change, and a statement whose key is not bound (or bound to the
// wrong kind of callback) fails instead of running without its callback.
func TestWriterFunctions(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `CREATE TABLE f (id INTEGER PRIMARY KEY, a INTEGER, s TEXT)`); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO f VALUES (1, 10, 'hej 123'), (2, NULL, 'hej'), (3, 30, NULL)`); err != nil {
			return err
		}
		kept := &keeper{cols: 2}
		kk, unbindK := tx.bind(kept)
		defer unbindK()
		rk, unbindR := tx.bind(func(s string) string { return strings.ReplaceAll(s, "123", "[n]") })
		defer unbindR()
		if _, err := tx.exec(ctx, `UPDATE f SET a = gallra_keep(?, id, a), s = COALESCE(gallra_redact(?, s), s)`, kk, rk); err != nil {
			return err
		}
		if kept.rows() != 3 {
			t.Errorf("kept %d rows", kept.rows())
		}
		got := map[int64]int64{}
		for i := range kept.rows() {
			got[kept.at(i, 0)] = kept.at(i, 1)
		}
		if got[1] != 10 || got[2] != 0 || got[3] != 30 {
			t.Errorf("kept %v", got)
		}
		rows, err := tx.query(ctx, `SELECT id, a, COALESCE(s, '<null>') FROM f ORDER BY id`)
		if err != nil {
			return err
		}
		var out []string
		for rows.Next() {
			var id int64
			var a *int64
			var s string
			if err := rows.Scan(&id, &a, &s); err != nil {
				return err
			}
			if a != nil {
				t.Errorf("row %d: a = %d, want NULL", id, *a)
			}
			out = append(out, s)
		}
		rows.Close()
		if strings.Join(out, "|") != "hej [n]|hej|<null>" {
			t.Errorf("texts %q", out)
		}
		// Wrong kinds and unbound keys fail the statement.
		for name, q := range map[string]string{
			"unbound keep":     `SELECT gallra_keep(?, 1, 2)`,
			"unbound redact":   `SELECT gallra_redact(?, 'x')`,
			"keep as redactor": `SELECT gallra_redact(` + strconv.FormatInt(kk, 10) + `, 'x') WHERE ? IS NOT NULL`,
			"redactor as keep": `SELECT gallra_keep(` + strconv.FormatInt(rk, 10) + `, 1, 2) WHERE ? IS NOT NULL`,
			"wrong arity":      `SELECT gallra_keep(` + strconv.FormatInt(kk, 10) + `, 1) WHERE ? IS NOT NULL`,
		} {
			var v any
			if err := tx.queryRow(ctx, q, int64(1<<40)).Scan(&v); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Released keys are gone.
	n := 0
	db.funcs.m.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Errorf("%d callbacks still bound", n)
	}
}

// A callback that panics fails its statement with an error that names the
// function, not the text, and the writer goes on working.
func TestWriterFunctionPanics(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	err := db.Update(ctx, func(tx *Tx) error {
		rk, unbind := tx.bind(func(string) string { panic("Anna Andersson 811218-9876") })
		defer unbind()
		var v any
		err := tx.queryRow(ctx, `SELECT gallra_redact(?, 'x')`, rk).Scan(&v)
		if err == nil || !strings.Contains(err.Error(), "gallra_redact: callback panicked") || strings.Contains(err.Error(), "Anna") {
			t.Errorf("error %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *Tx) error { _, err := tx.exec(ctx, `CREATE TABLE after_panic (x INTEGER)`); return err }); err != nil {
		t.Errorf("writer after the panic: %v", err)
	}
}
