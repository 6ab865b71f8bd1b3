// Package httpapi serves Gallra's JSON API under /api/v1, its OpenAPI
// document, health checks and Prometheus metrics.
//
// # Adding endpoints
//
// Every endpoint is one Route value registered on a *Router. The Route holds
// the handler AND the metadata the OpenAPI document (openapi.go) is generated
// from, so a route cannot exist without documentation. A feature's routes
// live in a file named after it, in a method that registers the group, such
// as knowledgeRoutes:
//
//	func (s *Server) knowledgeRoutes(r *Router) {
//		tags := []string{"knowledge"}
//		r.Handle(Route{
//			Method:   "PUT",
//			Path:     "/api/v1/articles/{id}", // {id}: a positive integer unless PathParams says otherwise
//			Summary:  "Replace an article's title and body",
//			Tags:     tags,
//			Auth:     AuthStaff,                   // AuthPublic, AuthStaff or AuthAdmin
//			Request:  ArticleInput{},              // JSON body type; nil for none
//			Response: gallra.KnowledgeArticle{},   // JSON response type; nil for 204, RawBody{...} for bytes
//			Handler:  s.putArticle,                // func(w, r) error
//		})
//	}
//
// and one line, s.knowledgeRoutes(r), in (*Server).routes below. A group that
// needs something the Server does not hold is registered from outside with
// Config.Extra, as cmd/gallra does with RetentionRoutes(engine). Then add the
// route's cases to the tenant-isolation table in tenant_test.go: every staff
// route with an id in its path (or body) needs one, and the test fails for a
// registered pattern it does not cover.
//
// The document's error responses are derived, not written: every route
// declares 500; 401 and 403 with a token; 400 with parameters or a body; 413
// with a body; 404 with an id in its path; 429 for rate-limited public POSTs
// (Route.impliedErrors); plus the status of each code the handler answers by
// its own rules, listed in Route.Errors (e.g. gallra.EUNPROCESS for a
// refused retention policy, gallra.ECONFLICT for a state rule). All
// use the one ErrorBody schema. Other success bodies (a preview under
// dry_run, text under format=text) go in Route.Alternatives. Every response
// of every API test is checked against the served document
// (contract_test.go), so an undeclared status or a body that disagrees with
// its type fails the tests.
//
// Handlers have the signature func(w, r) error. Return a *gallra.Error (or
// any error wrapping one) and the server answers with the status from the
// one code→status table, internal/httpstatus (shared with the admin UI);
// anything else is logged and answered "Internal error.". Inside a handler
// use:
//
//   - PrincipalFrom(r.Context()) for the authenticated staff user and org;
//   - the feature's service in s.svc (gallra.Services) with p.Staff, e.g.
//     s.svc.Forum.Topic(ctx, p.Staff, id): the service loads the object in
//     the caller's organisation (404 for any other), checks the role rule
//     (403, see gallra.Permission) and validates the input, the same for
//     every transport, so a handler only reads the request, calls one
//     service method and writes the answer;
//   - PathID(r, "id") for positive int64 path ids (400 otherwise), QueryID,
//     QueryEnum and QueryPage (limit/before_id) for query parameters;
//   - DecodeJSON(r, &body) for bodies (size limit, unknown fields, trailing
//     data: all answered with clear 400/413 errors);
//   - WriteJSON(w, status, v) to answer.
//
// Public POST routes are rate limited per client IP (Route.NoRateLimit
// exempts one). Code outside this package adds routes with Config.Extra,
// using the same Route type and the exported helpers.
package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httplog"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/ratelimit"
	"github.com/gallra/gallra/internal/takeout"
)

// Config configures a Server. Services, Takeout and Detectors are
// required; everything else has a default.
type Config struct {
	Logger *slog.Logger // default: discard
	Clock  gallra.Clock // default: gallra.SystemClock
	// TrustedProxyHeader names the header a trusted reverse proxy puts the
	// client address in, e.g. "X-Forwarded-For" or "X-Real-IP". Empty means
	// no proxy: the client IP is the connection's RemoteAddr. When set, the
	// LAST address in the header is used (the one the trusted proxy itself
	// appended; earlier entries are client-supplied and can be forged).
	TrustedProxyHeader string
	// Registry receives the HTTP metrics; a private registry is made when nil.
	Registry *prometheus.Registry
	Version  string
	// PolicyText returns the privacy text shown on a public forum or chat
	// channel (GET /api/v1/public/channels/{id} "policy_text"). nil, or a nil
	// result, shows null. The retention feature provides it.
	PolicyText func(ctx context.Context, c *gallra.Channel) (*string, error)
	// PublicRate and PublicBurst limit public POSTs per client IP
	// (default 20 per minute, burst 10).
	PublicRate  rate.Limit
	PublicBurst int
	// PublicBodyTimeout bounds how long a public route (no token) may take
	// to send its request body, so a slow client cannot hold a connection
	// (default DefaultPublicBodyTimeout). The server's own ReadTimeout still
	// bounds staff routes.
	PublicBodyTimeout time.Duration
	// Takeout processes data-subject requests.
	Takeout *takeout.Service
	// Detectors give each organisation's personal-data detector (the
	// built-in kinds and its own patterns) for /api/v1/pii/scan and redact.
	Detectors *orgpii.Redactors
	// Extra registers additional route groups after the built-in ones.
	Extra []func(r *Router)
	// Services are the feature services the handlers call (service.New
	// builds them on a database).
	Services *gallra.Services
	// OperatorToken enables the operator API (/api/v1/operator, operator.go)
	// for this bearer secret (GALLRA_OPERATOR_TOKEN, at least
	// MinOperatorTokenLen characters). Empty: the operator API answers 404.
	OperatorToken string
}

// DefaultPublicBodyTimeout is how long a public route waits for its request
// body by default.
const DefaultPublicBodyTimeout = 10 * time.Second

// Server is the JSON API. Create it with New; it holds no package-level state.
type Server struct {
	log      *slog.Logger
	clock    gallra.Clock
	proxyHdr string
	version  string
	policy   func(ctx context.Context, c *gallra.Channel) (*string, error)
	registry *prometheus.Registry
	takeout  *takeout.Service
	svc      *gallra.Services
	pii      *orgpii.Redactors // each organisation's detector (/api/v1/pii/*)
	metrics  *metrics
	limiter  *ratelimit.Keyed
	bodyWait time.Duration
	// operatorHash is the SHA-256 of the operator token (nil: none).
	operatorHash []byte
	router       *Router
	handler      http.Handler
}

// New builds a Server and registers every route. It fails when the config
// is incomplete or a route registration is invalid (duplicate pattern,
// missing handler).
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Services == nil:
		return nil, errors.New("httpapi: Config.Services is required")
	case cfg.Takeout == nil:
		return nil, errors.New("httpapi: Config.Takeout is required")
	case cfg.Detectors == nil:
		return nil, errors.New("httpapi: Config.Detectors is required")
	case cfg.OperatorToken != "" && len(cfg.OperatorToken) < MinOperatorTokenLen:
		return nil, fmt.Errorf("httpapi: the operator token must have at least %d characters", MinOperatorTokenLen)
	}
	s := &Server{svc: cfg.Services, takeout: cfg.Takeout, pii: cfg.Detectors, log: cfg.Logger, clock: cfg.Clock,
		proxyHdr: cfg.TrustedProxyHeader, version: cfg.Version, policy: cfg.PolicyText, registry: cfg.Registry}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = gallra.SystemClock{}
	}
	if s.version == "" {
		s.version = "dev"
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	m, err := newMetrics(s.registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.bodyWait = cfg.PublicBodyTimeout
	if s.bodyWait <= 0 {
		s.bodyWait = DefaultPublicBodyTimeout
	}
	r, b := cfg.PublicRate, cfg.PublicBurst
	if r == 0 {
		r = rate.Limit(20.0 / 60.0)
	}
	if b == 0 {
		b = 10
	}
	s.limiter = ratelimit.New(r, b, 10000)
	if cfg.OperatorToken != "" {
		h := sha256.Sum256([]byte(cfg.OperatorToken))
		s.operatorHash = h[:]
	}
	s.router = newRouter(s)
	s.routes(s.router)
	for _, f := range cfg.Extra {
		f(s.router)
	}
	if err := s.router.err; err != nil {
		return nil, err
	}
	s.handler = s.wrap(s.router)
	return s, nil
}

// routes registers every built-in route group. Add a group with one line.
func (s *Server) routes(r *Router) {
	s.systemRoutes(r)
	s.orgRoutes(r)
	s.channelRoutes(r)
	s.staffRoutes(r)
	s.tokenRoutes(r)
	s.forumRoutes(r)
	s.mailRoutes(r)
	s.imapRoutes(r)
	s.chatRoutes(r)
	s.socialRoutes(r)
	s.socialConnectRoutes(r)
	s.knowledgeRoutes(r)
	s.customFieldRoutes(r)
	s.searchRoutes(r)
	s.auditRoutes(r)
	s.publicRoutes(r)
	s.requestRoutes(r)
	s.piiRoutes(r)
	s.operatorRoutes(r)
	s.workspaceRoutes(r)
	s.chatLogRoutes(r)
	s.chatConsoleRoutes(r)
	s.personRoutes(r)
	s.accessLogRoutes(r)
	// A new group goes here, one line; groups built from outside the Server
	// (RetentionRoutes) come through Config.Extra.
}

// Handler returns the HTTP handler serving every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the registered routes (for documentation and tests).
func (s *Server) Routes() []Route { return append([]Route(nil), s.router.routes...) }

// wrap adds what every response gets: panic recovery, request id, security
// headers and an access log line.
func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get("X-Request-ID"))
		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		rec := httplog.NewRecorder(w)
		ctx := context.WithValue(r.Context(), ctxKeyRequestID{}, id)
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "request_id", id, "route", routeLabel(r), "panic", fmt.Sprint(v))
				if !rec.Wrote() {
					s.writeError(rec, r, fmt.Errorf("panic: %v", v))
				}
			}
			route, method, elapsed := routeLabel(r), metricMethod(r.Method), time.Since(start)
			s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(rec.Status())).Inc()
			s.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
			s.log.Info("http request", "request_id", id, "method", method, "route", route,
				"status", rec.Status(), "duration_ms", elapsed.Milliseconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

type ctxKeyRequestID struct{}

// requestID keeps a sane incoming X-Request-ID or makes a new one.
func requestID(in string) string {
	if n := len(in); n > 0 && n <= 64 {
		ok := true
		for _, c := range in {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				ok = false
				break
			}
		}
		if ok {
			return in
		}
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// metricMethod bounds the method label to known methods.
func metricMethod(m string) string {
	if contains(methods, m) || m == http.MethodHead || m == http.MethodOptions {
		return m
	}
	return "OTHER"
}

// routeLabel is the matched route pattern, never the raw path (which holds ids).
func routeLabel(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

// metrics are the HTTP instruments, labelled by route pattern.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gallra_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gallra_http_request_duration_seconds", Help: "HTTP request duration by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("httpapi: register metrics: %w", err)
		}
	}
	return m, nil
}

// MetricsHandler serves the Prometheus metrics. It is not a route of the
// API: serve exposes it on its own listener (--metrics-addr, loopback by
// default), so the public port never shows traffic figures.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}
