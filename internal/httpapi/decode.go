package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// DecodeJSON decodes the request body into v: exactly one JSON value, not
// null, no unknown fields, within the route's size limit. Errors name the
// problem (byte offset of malformed JSON, the field of a wrong type, the
// unknown field) and are EINVALID, or ETOOLARGE for an oversize body. A
// JSON null body is refused rather than read as "no fields": decoding null
// leaves v untouched, so PUT /api/v1/pii/patterns would otherwise take null
// for an empty list and delete every pattern.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return gallra.Errorf(gallra.EINVALID, "Content-Type must be application/json")
		}
	}
	if r.Body == nil {
		return gallra.Errorf(gallra.EINVALID, "request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(r.Body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err)
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return gallra.Errorf(gallra.EINVALID, "request body is JSON null; %s is expected", jsonKind(reflect.TypeOf(v).Elem().String()))
	}
	body := json.NewDecoder(bytes.NewReader(raw))
	body.DisallowUnknownFields()
	if err := body.Decode(v); err != nil {
		return decodeError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return gallra.Errorf(gallra.EINVALID, "request body must hold a single JSON value; found more data after it")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var b64 base64.CorruptInputError
	switch {
	case errors.As(err, &mbe):
		return gallra.Errorf(gallra.ETOOLARGE, "request body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return gallra.Errorf(gallra.EINVALID, "request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return gallra.Errorf(gallra.EINVALID, "malformed JSON: the body ends before the value is complete")
	case errors.As(err, &syn):
		return gallra.Errorf(gallra.EINVALID, "malformed JSON at byte offset %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return gallra.Errorf(gallra.EINVALID, "request body must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return gallra.Errorf(gallra.EINVALID, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.String()), typ.Value)
	case errors.As(err, &b64):
		return gallra.Errorf(gallra.EINVALID, "a base64 field holds invalid base64 at input byte %d", int64(b64))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return gallra.Errorf(gallra.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return gallra.Errorf(gallra.EINVALID, "request body is not valid JSON for this endpoint")
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map["), t == "struct", strings.Contains(t, "."):
		if strings.HasSuffix(t, "Time") {
			return "an RFC 3339 timestamp string"
		}
		if strings.Contains(t, "gallra.") { // named string types (Module, Role, …)
			return "a string"
		}
		return "an object"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "a boolean"
	case t == "string":
		return "a string"
	}
	return "a " + t
}

// PathID returns the path parameter name as a positive int64, or EINVALID.
func PathID(r *http.Request, name string) (int64, error) {
	return parseID(name, r.PathValue(name))
}

func parseID(name, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, gallra.Errorf(gallra.EINVALID, "%s must be a positive integer", name)
	}
	return id, nil
}

// QueryID returns an optional positive integer query parameter (0 when
// absent).
func QueryID(r *http.Request, name string) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	return parseID(name, raw)
}

// QueryPage reads limit (1..200, default 50) and before_id.
func QueryPage(r *http.Request) (gallra.Page, error) {
	var p gallra.Page
	q := r.URL.Query()
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 200 {
			return p, gallra.Errorf(gallra.EINVALID, "limit must be an integer from 1 to 200")
		}
		p.Limit = n
	}
	var err error
	if p.BeforeID, err = QueryID(r, "before_id"); err != nil {
		return p, err
	}
	if p.Limit == 0 {
		p.Limit = 50
	}
	return p, nil
}

// QueryThreadPage reads the page of a thread read (posts of a topic,
// messages of a conversation or chat): limit from 1 to
// gallra.MaxThreadPage (default gallra.DefaultThreadPage) and after_id, the
// next_after_id of the previous page.
func QueryThreadPage(r *http.Request) (gallra.ThreadPage, error) {
	var p gallra.ThreadPage
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > gallra.MaxThreadPage {
			return p, gallra.Errorf(gallra.EINVALID, "limit must be an integer from 1 to %d", gallra.MaxThreadPage)
		}
		p.Limit = n
	}
	var err error
	p.AfterID, err = QueryID(r, "after_id")
	return p, err
}

// QueryEnum returns an optional query parameter that must be one of allowed.
func QueryEnum(r *http.Request, name string, allowed ...string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" || contains(allowed, v) {
		return v, nil
	}
	return "", gallra.Errorf(gallra.EINVALID, "%s must be one of %s", name, strings.Join(allowed, ", "))
}

// List is the JSON shape of a paginated list: pass next_before_id as
// before_id to get the next page; null means this is the last page.
type List[T any] struct {
	Items        []T    `json:"items"`
	NextBeforeID *int64 `json:"next_before_id"`
}

// newList builds a List, setting NextBeforeID when the page is full.
func newList[T any](items []T, p gallra.Page, id func(T) int64) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items}
	if p.Limit > 0 && len(items) >= p.Limit {
		last := id(items[len(items)-1])
		l.NextBeforeID = &last
	}
	return l
}

// fullList wraps an unpaginated list.
func fullList[T any](items []T) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items}
}
