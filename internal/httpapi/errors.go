package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
)

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object inside ErrorBody.
type ErrorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// writeError answers err as JSON. Internal errors are logged with their chain
// (ids, never values) and shown as "Internal error.".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := gallra.ErrorCode(err)
	status := httpstatus.Of(err)
	body := ErrorBody{Error: ErrorDetail{Code: code, Message: gallra.ErrorMessage(err), Details: gallra.ErrorDetails(err)}}
	if status == http.StatusInternalServerError {
		body.Error = ErrorDetail{Code: gallra.EINTERNAL, Message: "Internal error."}
		attrs := []any{"request_id", reqID(r), "route", routeLabel(r), "method", r.Method, "status", status, "err", err.Error()}
		if p, ok := r.Context().Value(ctxKeyPrincipal{}).(*Principal); ok {
			attrs = append(attrs, "org_id", p.Staff.OrgID, "staff_id", p.Staff.ID)
		}
		s.log.Error("request failed", attrs...)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gallra"`)
	}
	WriteJSON(w, status, body)
}

func reqID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKeyRequestID{}).(string)
	return id
}

// WriteJSON writes v as JSON with the status. It returns nil so that a
// handler can end with `return WriteJSON(w, http.StatusOK, v)`: once the
// status is sent, a failed write (client gone) cannot be answered anyway.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v == nil {
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
	return nil
}
