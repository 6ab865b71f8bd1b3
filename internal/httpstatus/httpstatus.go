// Package httpstatus holds the one table mapping Gallra error codes to HTTP
// statuses, shared by the JSON API (internal/httpapi) and the admin UI
// (internal/web) so both answer the same status for the same error.
package httpstatus

import (
	"net/http"

	"github.com/gallra/gallra"
)

// MethodNotAllowed is the code of a request whose method a known path does
// not serve (405). It is a transport code, so it lives here rather than
// among the domain's codes in package gallra.
const MethodNotAllowed = "method_not_allowed"

// Code returns the HTTP status for a gallra error code; codes not in the
// table, including the empty code of an uncoded error, are 500.
func Code(code string) int {
	switch code {
	case gallra.EINVALID:
		return http.StatusBadRequest
	case gallra.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case gallra.EFORBIDDEN:
		return http.StatusForbidden
	case gallra.ENOTFOUND:
		return http.StatusNotFound
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case gallra.ECONFLICT:
		return http.StatusConflict
	case gallra.EUNPROCESS:
		return http.StatusUnprocessableEntity
	case gallra.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case gallra.ERATELIMIT:
		return http.StatusTooManyRequests
	case gallra.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Of returns the HTTP status for err's gallra code (500 for uncoded errors).
func Of(err error) int { return Code(gallra.ErrorCode(err)) }
