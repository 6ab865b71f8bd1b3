package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// contract checks responses against the OpenAPI document a server serves,
// with kin-openapi's validator: every response of every API test goes
// through it (env.do), so a route cannot answer a status or a body its
// document does not declare.
type contract struct {
	srv *Server
	doc *openapi3.T
}

// loadContract loads and validates the document served at
// /api/v1/openapi.json (raw is its body).
func loadContract(srv *Server, raw []byte) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the served OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the served OpenAPI document is invalid: %w", err)
	}
	return &contract{srv: srv, doc: doc}, nil
}

// check validates one exchange: req was answered with status, header and
// body. The operation is the one the server's own mux matched, so the check
// never depends on a second router agreeing with ServeMux's precedence.
func (c *contract) check(req *http.Request, status int, header http.Header, body []byte) error {
	_, pattern := c.srv.router.mux.Handler(req)
	if pattern == "" {
		// No route: the router's own 404/405, which must be an error body.
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("unrouted request answered %d, want 404 or 405", status)
		}
		return c.errorBody(header, body)
	}
	method, path, _ := strings.Cut(pattern, " ")
	item := c.doc.Paths.Find(path)
	if item == nil || item.GetOperation(method) == nil {
		return fmt.Errorf("route %q is not in the document", pattern)
	}
	op := item.GetOperation(method)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: op},
		},
		Status: status,
		Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // an undeclared status fails
			MultiError:            true,
		},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s answered %d against its document: %w", pattern, status, err)
	}
	// kin-openapi skips the body of a response declared without content:
	// such a response must have none.
	if r := op.Responses.Status(status); r != nil && r.Value != nil && len(r.Value.Content) == 0 && len(body) > 0 {
		return fmt.Errorf("%s answered %d with a body, but the document declares none: %.200s", pattern, status, body)
	}
	return nil
}

// errorBody checks an error response against the document's one error schema.
func (c *contract) errorBody(header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("error response Content-Type %q", ct)
	}
	ref := c.doc.Components.Schemas["ErrorBody"]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the document has no ErrorBody schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error response is not JSON: %w", err)
	}
	if err := c.doc.ValidateSchemaJSON(ref.Value, v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("error response does not match ErrorBody: %w", err)
	}
	return nil
}
