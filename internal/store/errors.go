package store

import (
	"errors"

	"github.com/gallra/gallra"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file is the one place where driver errors of either engine are
// recognised and converted into gallra error codes.

// convertError maps driver errors to gallra codes, keeping the chain for logs.
// Messages never include the offending values (they may be personal data).
func convertError(err error) error {
	if err == nil {
		return nil
	}
	var ge *gallra.Error
	if errors.As(err, &ge) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &wrapped{code: gallra.ECONFLICT, msg: "already exists", err: err}
		case "23503":
			return &wrapped{code: gallra.EINVALID, msg: "refers to something that does not exist", err: err}
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &wrapped{code: gallra.ECONFLICT, msg: "already exists", err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &wrapped{code: gallra.EINVALID, msg: "refers to something that does not exist", err: err}
		}
	}
	return err
}

// wrapped carries a gallra code for a driver error while keeping the driver
// error for logs and errors.Is.
type wrapped struct {
	code, msg string
	err       error
}

func (w *wrapped) Error() string { return w.err.Error() }

func (w *wrapped) Unwrap() []error {
	return []error{&gallra.Error{Code: w.code, Message: w.msg}, w.err}
}

// notFound is the error for a missing row of kind what: the same whether it
// does not exist or belongs to another organisation.
func notFound(what string, id int64) error {
	return gallra.Errorf(gallra.ENOTFOUND, "%s %d not found", what, id)
}

// IsForeignKeyViolation reports whether err is a foreign-key violation of
// either engine. Outside of input handling it is an internal error (the
// code deleted in the wrong order, or raced a writer), not bad input.
func IsForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return true
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// isLockNotAvailable reports a PostgreSQL NOWAIT lock that another
// transaction held.
func isLockNotAvailable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}
