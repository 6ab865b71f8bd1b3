package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
)

// AuthLevel says who may call a route.
type AuthLevel int

// Authentication levels.
const (
	// AuthPublic routes need no token (end customers, health checks).
	AuthPublic AuthLevel = iota
	// AuthStaff routes need a valid bearer token of an active staff user.
	AuthStaff
	// AuthAdmin routes need an admin's token; editors get 403.
	AuthAdmin
	// AuthOperator routes need the operator token (Config.OperatorToken),
	// never an organisation's token; without one configured they answer
	// 404 (operator.go).
	AuthOperator
)

// HandlerFunc handles a request. A returned error becomes the JSON error
// response (status from the error's gallra code); nothing may have been
// written to w in that case.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Param documents a path or query parameter.
type Param struct {
	Name        string
	Description string
	// Type is the JSON Schema type: "integer" (default for path ids),
	// "string" or "boolean".
	Type     string
	Enum     []string
	Required bool
}

// Route is one endpoint: its handler and the metadata the OpenAPI document is
// generated from.
type Route struct {
	Method      string // GET, POST, PUT, PATCH or DELETE
	Path        string // a ServeMux path pattern, e.g. "/api/v1/channels/{id}"
	Summary     string
	Description string
	Tags        []string
	Auth        AuthLevel
	// Permission is the organisation permission an AuthAdmin route needs
	// (see gallra.Permission); the router refuses callers without it with
	// 403 before the handler runs, and the service the handler calls
	// checks it again. AuthAdmin routes that name none need
	// gallra.PermManageOrganisation.
	Permission gallra.Permission
	// Request is a value of the JSON request body type (nil: no body).
	Request any
	// Response is a value of the JSON response type (nil: 204 No Content).
	// Use RawBody{} for endpoints that answer raw bytes.
	Response any
	// Alternatives are other bodies the success status may carry: JSON
	// types are documented with Response as anyOf (e.g. a preview instead of
	// the saved policy under dry_run), a RawBody adds its media type (e.g.
	// text/plain under format=text).
	Alternatives []any
	// Status is the success status (default 200, or 204 without Response).
	Status int
	// Errors lists the gallra error codes the handler answers by its own
	// rules (e.g. gallra.ECONFLICT, gallra.EUNPROCESS). The codes every
	// route's auth level, parameters and body imply are added to the
	// document without being listed here (see impliedErrors).
	Errors []string
	// PathParams documents path parameters that are not positive integer ids;
	// every other {name} in Path is documented as one.
	PathParams []Param
	Query      []Param
	// MaxBody caps the request body in bytes (default DefaultMaxBody).
	MaxBody int64
	// NoRateLimit exempts a public POST from the per-IP rate limit.
	NoRateLimit bool
	Handler     HandlerFunc
}

// RawBody marks a response of raw bytes (e.g. an attachment) rather than
// JSON.
type RawBody struct {
	// ContentType is the media type answered, e.g. "application/zip" or
	// "text/plain"; empty means any type (the document says */*).
	ContentType string
}

// DefaultMaxBody is the request body limit of routes without MaxBody.
const DefaultMaxBody = 1 << 20

// Router collects routes and dispatches requests to them, answering JSON 404
// and 405 for unknown paths and methods.
type Router struct {
	s      *Server
	mux    *http.ServeMux
	routes []Route
	seen   map[string]bool
	err    error
}

func newRouter(s *Server) *Router {
	return &Router{s: s, mux: http.NewServeMux(), seen: map[string]bool{}}
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

var paramRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Handle registers a route. Invalid registrations (unknown method, missing
// handler or summary, duplicate pattern) make New fail.
func (rt *Router) Handle(route Route) {
	pattern := route.Method + " " + route.Path
	switch {
	case !contains(methods, route.Method):
		rt.fail(fmt.Errorf("httpapi: route %q: method must be one of %v", pattern, methods))
		return
	case route.Handler == nil || route.Summary == "":
		rt.fail(fmt.Errorf("httpapi: route %q needs a Handler and a Summary", pattern))
		return
	case rt.seen[pattern]:
		rt.fail(fmt.Errorf("httpapi: route %q registered twice", pattern))
		return
	}
	for _, code := range route.Errors {
		if code != gallra.EINTERNAL && httpstatus.Code(code) == http.StatusInternalServerError {
			rt.fail(fmt.Errorf("httpapi: route %q: Errors lists %q, which is not an error code", pattern, code))
			return
		}
	}
	if route.Status == 0 {
		route.Status = http.StatusOK
		if route.Response == nil {
			route.Status = http.StatusNoContent
		}
	}
	if route.MaxBody == 0 {
		route.MaxBody = DefaultMaxBody
	}
	rt.seen[pattern] = true
	rt.routes = append(rt.routes, route)
	h := rt.s.routeHandler(route)
	func() {
		defer func() {
			if v := recover(); v != nil {
				rt.fail(fmt.Errorf("httpapi: route %q: %v", pattern, v))
			}
		}()
		rt.mux.Handle(pattern, h)
	}()
}

func (rt *Router) fail(err error) {
	if rt.err == nil {
		rt.err = err
	}
}

// ServeHTTP dispatches to the matching route, or answers 404/405 in JSON.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := rt.mux.Handler(r); pattern != "" {
		rt.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := rt.mux.Handler(r2); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		rt.s.writeError(w, r, gallra.Errorf(httpstatus.MethodNotAllowed, "method %s is not allowed here; allowed: %s", r.Method, strings.Join(allow, ", ")))
		return
	}
	rt.s.writeError(w, r, gallra.Errorf(gallra.ENOTFOUND, "no such endpoint"))
}

// routeHandler wraps a route's handler with authentication, the body limit
// and the public rate limit.
func (s *Server) routeHandler(route Route) http.Handler {
	ratelimited := route.rateLimited()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, route.MaxBody)
		}
		if err := s.serveRoute(w, r, route, ratelimited); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, route Route, ratelimited bool) error {
	if route.Auth == AuthPublic && route.Request != nil {
		// A public body must arrive within bodyWait (wall-clock I/O
		// deadline); an error means the connection does not support
		// deadlines (tests' recorders), where there is nothing to hold.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyWait))
	}
	if ratelimited {
		ip := s.clientIP(r)
		if !s.limiter.Allow(rateKey(ip), s.clock.Now()) {
			w.Header().Set("Retry-After", "60")
			return gallra.Errorf(gallra.ERATELIMIT, "too many requests from your address; try again in a minute")
		}
	}
	if route.Auth == AuthOperator {
		if err := s.authenticateOperator(r); err != nil {
			return err
		}
		return route.Handler(w, r)
	}
	if route.Auth != AuthPublic {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if perm := route.orgPermission(); perm != "" && !p.Staff.Allowed(perm, 0) {
			return gallra.Errorf(gallra.EFORBIDDEN, "this endpoint is for administrators only")
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKeyPrincipal{}, p))
	}
	return route.Handler(w, r)
}

// rateLimited reports whether the route is under the per-IP limit of public
// POSTs.
func (route Route) rateLimited() bool {
	return route.Auth == AuthPublic && route.Method == http.MethodPost && !route.NoRateLimit
}

// impliedErrors lists the error codes a route can answer whatever its
// handler does: from its auth level, its parameters and body, and the
// wrapper every route runs in. The document declares these plus
// Route.Errors, so a new route's error responses are documented by
// declaring what it is, not by remembering each status.
func (route Route) impliedErrors() []string {
	codes := []string{gallra.EINTERNAL} // any route can fail
	if route.Request != nil || len(route.Query) > 0 || len(pathParams(route.Path)) > 0 {
		codes = append(codes, gallra.EINVALID)
	}
	if route.Request != nil {
		codes = append(codes, gallra.ETOOLARGE) // the MaxBody limit
	}
	switch route.Auth {
	case AuthOperator:
		codes = append(codes, gallra.EUNAUTHORIZED, gallra.ENOTFOUND) // 404: no operator token configured
	case AuthStaff, AuthAdmin:
		codes = append(codes, gallra.EUNAUTHORIZED, gallra.EFORBIDDEN)
	}
	if len(pathParams(route.Path)) > 0 {
		codes = append(codes, gallra.ENOTFOUND) // absent, or another organisation's
	}
	if route.rateLimited() {
		codes = append(codes, gallra.ERATELIMIT)
	}
	return codes
}

// orgPermission is the organisation permission the router checks before
// the handler: the route's Permission, or for AuthAdmin routes that name
// none gallra.PermManageOrganisation (every organisation permission is
// held by administrators only, see docs/roles.md).
func (route Route) orgPermission() gallra.Permission {
	if route.Auth != AuthAdmin {
		return ""
	}
	if route.Permission != "" && !route.Permission.IsChannelPermission() {
		return route.Permission
	}
	return gallra.PermManageOrganisation
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pathParams lists the {name} parameters of a path pattern.
func pathParams(path string) []string {
	var out []string
	for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

var errNoPrincipal = errors.New("httpapi: handler of a public route asked for the principal")
