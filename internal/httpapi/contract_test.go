package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
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

// check validates one exchange: req, with the body payload, was answered
// with status, header and body. The operation is the one the server's own
// mux matched, so the check never depends on a second router agreeing with
// ServeMux's precedence. A request the server accepted (2xx) must also be
// one the document allows: a document stricter than the API is wrong too.
func (c *contract) check(req *http.Request, payload []byte, status int, header http.Header, body []byte) error {
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
	reqIn := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: matchPath(path, req.URL.Path),
		Route:      &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: op},
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if status >= 200 && status < 300 {
		accepted := req.Clone(req.Context())
		accepted.Body = io.NopCloser(bytes.NewReader(payload))
		reqIn.Request = accepted
		if err := openapi3filter.ValidateRequest(context.Background(), reqIn); err != nil {
			return fmt.Errorf("%s accepted (%d) a request its document refuses: %w", pattern, status, err)
		}
		reqIn.Request = req
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 status,
		Header:                 header,
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

// matchPath maps the {name} segments of a route path to the values in the
// request path (routes have no multi-segment wildcards).
func matchPath(pattern, path string) map[string]string {
	params := map[string]string{}
	ps, vs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, p := range ps {
		if i < len(vs) && strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			params[strings.Trim(p, "{}")] = vs[i]
		}
	}
	return params
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

// TestContractCatchesMismatches proves the check every API test runs can
// fail: routes whose handlers answer what their declarations do not say
// are caught, and a route that keeps its word passes.
func TestContractCatchesMismatches(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	writes := func(status int, body any) HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return WriteJSON(w, status, body) }
	}
	extra := func(r *Router) {
		for _, rt := range []Route{
			{Method: "GET", Path: "/api/v1/example/honest", Response: StatusResponse{}, Handler: writes(200, StatusResponse{Status: "ok"})},
			{Method: "GET", Path: "/api/v1/example/wrong-type", Response: StatusResponse{}, Handler: writes(200, map[string]any{"status": 1})},
			{Method: "GET", Path: "/api/v1/example/missing-field", Response: StatusResponse{}, Handler: writes(200, map[string]any{})},
			{Method: "GET", Path: "/api/v1/example/other-status", Response: StatusResponse{}, Handler: writes(202, StatusResponse{Status: "ok"})},
			{Method: "GET", Path: "/api/v1/example/undeclared-error", Response: StatusResponse{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				return gallra.Errorf(gallra.ECONFLICT, "not declared in Route.Errors")
			}},
			{Method: "GET", Path: "/api/v1/example/declared-error", Response: StatusResponse{}, Errors: []string{gallra.ECONFLICT}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				return gallra.Errorf(gallra.ECONFLICT, "declared in Route.Errors")
			}},
			{Method: "POST", Path: "/api/v1/example/no-content", Handler: writes(204, nil), NoRateLimit: true},
			{Method: "POST", Path: "/api/v1/example/lenient/{id}", Request: HoldRequest{}, Handler: writes(204, nil), NoRateLimit: true},
			{Method: "POST", Path: "/api/v1/example/body-on-no-content", Handler: func(w http.ResponseWriter, r *http.Request) error {
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"status":"ok"}`))
				return nil
			}, Status: http.StatusCreated, NoRateLimit: true},
			{Method: "GET", Path: "/api/v1/example/wrong-media-type", Response: RawBody{ContentType: "application/zip"}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				_, _ = w.Write([]byte("<p>hi</p>"))
				return nil
			}},
		} {
			rt.Summary = "contract example"
			r.Handle(rt)
		}
	}
	srv, err := New(onDB(Config{Extra: []func(*Router){extra}}, db))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: newTestServer(t, srv)}
	for _, tc := range []struct {
		method, path string
		wantErr      string // "" for a response that keeps to the document
		body         string
	}{
		// lenient accepts any request: an accepted request the document
		// refuses (unknown field, missing field, bad path id) is caught.
		{"POST", "/api/v1/example/lenient/7", "", `{"reason":"x"}`},
		{"POST", "/api/v1/example/lenient/7", "accepted (204) a request its document refuses", `{"reason":"x","extra":1}`},
		{"POST", "/api/v1/example/lenient/7", "accepted (204) a request its document refuses", `{}`},
		{"POST", "/api/v1/example/lenient/x", "accepted (204) a request its document refuses", `{"reason":"x"}`},
		{"GET", "/api/v1/example/honest", "", ""},
		{"GET", "/api/v1/example/declared-error", "", ""},
		{"POST", "/api/v1/example/no-content", "", ""},
		{"GET", "/api/v1/example/wrong-type", "doesn't match schema", ""},
		{"GET", "/api/v1/example/missing-field", "doesn't match schema", ""},
		{"GET", "/api/v1/example/other-status", "status is not supported", ""},
		{"GET", "/api/v1/example/undeclared-error", "status is not supported", ""},
		{"POST", "/api/v1/example/body-on-no-content", "declares none", ""},
		{"GET", "/api/v1/example/wrong-media-type", "Content-Type", ""},
		{"GET", "/api/v1/no-such-endpoint", "", ""},     // the router's 404, an error body
		{"DELETE", "/api/v1/example/honest", "", ""},    // the router's 405
		{"GET", "/healthz?x=1", "", ""},                 // a built-in route
		{"PUT", "/api/v1/channels/1/retention", "", ""}, // not registered without RetentionRoutes: 404
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			e.t = t
			err = e.checkContract(req, []byte(tc.body), e.send(req))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("a response that keeps to the document failed the check: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("the check passed a response the document does not allow")
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %q, want it to say %q", err, tc.wantErr)
			}
		})
	}
}
