package gallra

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The HTTP API maps each to one status
// (internal/httpstatus); anything without a code is shown as an internal error.
const (
	EINVALID      = "invalid"       // malformed or out-of-range input
	EUNAUTHORIZED = "unauthorized"  // no or bad credentials
	EFORBIDDEN    = "forbidden"     // authenticated, but not allowed
	ENOTFOUND     = "not_found"     // absent, or belonging to another organisation
	ECONFLICT     = "conflict"      // would violate a uniqueness or state rule
	EUNPROCESS    = "unprocessable" // well-formed but refused by a business rule
	ETOOLARGE     = "too_large"     // request body over the limit
	ERATELIMIT    = "rate_limited"  // too many attempts
	EUNAVAILABLE  = "unavailable"   // a dependency (database) is not reachable
	EINTERNAL     = "internal"      // a bug or an unexpected failure
)

// Error is an application error with a code and a message that is safe to show
// to the client. It never holds personal data: messages name fields and ids.
type Error struct {
	Code    string
	Message string
	// Details carries structured, non-personal context (e.g. missing channel ids).
	Details map[string]any
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("gallra error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil,
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the message of its
// *Error, or "Internal error." for anything uncoded.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorDetails returns the structured details of err's *Error, if any.
func ErrorDetails(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}
