// Package web serves Gallra's admin UI: server-rendered pages (html/template,
// embedded with the CSS) where organisation admins and editors sign in and
// manage privacy settings, purge previews, legal holds, data-subject
// requests, the audit log, channels and staff.
//
// Every form works without JavaScript. Cross-site form posts are refused by
// the standard library's cross-origin protection (Sec-Fetch-Site / Origin)
// on top of SameSite=Lax session cookies. Sessions live in the database
// (internal/store web.go); their secrets only in the browser. Nothing here
// logs personal data: log lines carry ids, routes and counts.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/clientip"
	"github.com/gallra/gallra/internal/httplog"
	"github.com/gallra/gallra/internal/httpstatus"
	"github.com/gallra/gallra/internal/ratelimit"
)

//go:embed templates static
var assets embed.FS

// Config configures a Handler. Services is required.
type Config struct {
	Logger *slog.Logger // default: discard
	Clock  gallra.Clock // default: gallra.SystemClock
	// SecureCookies marks cookies Secure even when the request itself is
	// plain HTTP (TLS terminated by a reverse proxy). Requests over TLS
	// always get Secure cookies.
	SecureCookies bool
	// TrustedProxyHeader names the header holding the client address set by
	// a trusted reverse proxy (its last entry is used); empty: RemoteAddr.
	TrustedProxyHeader string
	// BaseURL is the public address of the UI (GALLRA_BASE_URL, e.g.
	// https://gallra.example.se, no trailing slash) that the sign-in links
	// shown to admins are built from. Empty: the scheme and Host header of
	// the request, which a client can forge; operators behind a reverse
	// proxy must set it.
	BaseURL string
	// LoginRate and LoginBurst limit sign-in attempts per client IP and per
	// account e-mail (default 5 per minute, burst 5).
	LoginRate  rate.Limit
	LoginBurst int
	// Retention provides privacy settings, purge previews and policy texts;
	// nil hides those parts of the UI.
	Retention gallra.RetentionService
	// Requests provides data-subject requests; nil hides the requests page.
	Requests Requests
	// Services are the feature services the pages call (service.New builds
	// them on a database).
	Services *gallra.Services
	// Site is the staff side of the public site (service.Site); nil hides
	// the public-site page.
	Site SiteStaff
}

// Handler is the admin UI. Create it with New; it holds no package-level
// state.
type Handler struct {
	log       *slog.Logger
	clock     gallra.Clock
	secure    bool
	proxyHdr  string
	base      string
	retention gallra.RetentionService
	requests  Requests
	svc       *gallra.Services
	ipLimit   *ratelimit.Keyed
	acctLimit *ratelimit.Keyed
	pages     map[string]*template.Template
	static    fs.FS
	handler   http.Handler
	site      SiteStaff
}

// New builds the UI handler: it parses every template (failing fast on a
// broken one) and registers the routes.
func New(cfg Config) (*Handler, error) {
	if cfg.Services == nil {
		return nil, errors.New("web: Config.Services is required")
	}
	h := &Handler{svc: cfg.Services, log: cfg.Logger, clock: cfg.Clock, secure: cfg.SecureCookies, proxyHdr: cfg.TrustedProxyHeader,
		base: strings.TrimRight(cfg.BaseURL, "/"), retention: cfg.Retention, requests: cfg.Requests, site: cfg.Site}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.clock == nil {
		h.clock = gallra.SystemClock{}
	}
	r, b := cfg.LoginRate, cfg.LoginBurst
	if r == 0 {
		r = rate.Limit(5.0 / 60.0)
	}
	if b == 0 {
		b = 5
	}
	h.ipLimit = ratelimit.New(r, b, 10000)
	h.acctLimit = ratelimit.New(r, b, 10000)
	var err error
	if h.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	if h.static, err = fs.Sub(assets, "static"); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	h.routes(mux)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log.Warn("web: cross-origin request refused", "method", r.Method, "path_pattern", "csrf")
		http.Error(w, "Cross-origin request refused / Begäran från annan webbplats avvisades.", http.StatusForbidden)
	}))
	h.handler = h.wrap(cop.Handler(mux))
	return h, nil
}

// ServeHTTP serves the UI.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

func (h *Handler) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/static/", h.staticHandler()))
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /login/link/{secret}", h.linkForm)
	mux.HandleFunc("POST /login/link/{secret}", h.useLink)
	mux.HandleFunc("POST /lang", h.setLang)

	mux.Handle("GET /{$}", h.auth(h.overview))
	mux.Handle("GET /settings", h.auth(h.settings))
	mux.Handle("GET /settings/channels/{id}", h.auth(h.channelPolicyForm))
	mux.Handle("POST /settings/channels/{id}/preview", h.auth(h.channelPolicyPreview))
	mux.Handle("POST /settings/channels/{id}", h.auth(h.channelPolicySave))
	mux.Handle("GET /settings/defaults/{module}", h.permitted(gallra.PermSetRetention, h.defaultPolicyForm))
	mux.Handle("POST /settings/defaults/{module}/preview", h.permitted(gallra.PermSetRetention, h.defaultPolicyPreview))
	mux.Handle("POST /settings/defaults/{module}", h.permitted(gallra.PermSetRetention, h.defaultPolicySave))
	mux.Handle("GET /settings/policy-text", h.auth(h.policyTextFragment))
	mux.Handle("POST /settings/channels/{id}/holds", h.auth(h.placeHold))
	mux.Handle("POST /holds/{type}/{id}/release", h.auth(h.releaseHold))

	mux.Handle("GET /requests", h.auth(h.requestList))
	mux.Handle("POST /requests", h.auth(h.requestCreate))
	mux.Handle("GET /requests/{id}", h.auth(h.requestShow))
	mux.Handle("GET /requests/{id}/download", h.auth(h.requestDownload))
	mux.Handle("GET /requests/{id}/receipt", h.auth(h.requestReceipt))
	mux.Handle("POST /requests/{id}/extend", h.auth(h.requestExtend))
	mux.Handle("POST /requests/{id}/cancel", h.auth(h.requestCancel))
	mux.Handle("POST /requests/{id}/rerun", h.auth(h.requestRerun))
	mux.Handle("POST /requests/{id}/assign", h.auth(h.requestAssign))
	mux.Handle("POST /requests/{id}/notes", h.auth(h.requestNote))
	mux.Handle("GET /requests/{id}/letter", h.auth(h.requestLetter))
	mux.Handle("GET /requests/settings", h.auth(h.requestSettings))
	mux.Handle("POST /requests/settings", h.auth(h.requestSettingsSave))

	mux.Handle("GET /audit", h.permitted(gallra.PermAudit, h.auditList))
	mux.Handle("GET /audit.csv", h.permitted(gallra.PermAudit, h.auditExport))
	mux.Handle("POST /purge/run", h.permitted(gallra.PermSetRetention, h.purgeRunNow))
	h.workspaceRoutes(mux)
	h.siteRoutes(mux)
	h.chatConsoleRoutes(mux)
	h.socialRoutes(mux)
	h.privacyRoutes(mux)
	h.personRoutes(mux)
	h.accessLogRoutes(mux)

	mux.Handle("GET /admin", h.permitted(gallra.PermManageStaff, h.adminPage))
	mux.Handle("POST /admin/channels", h.permitted(gallra.PermManageChannels, h.channelCreate))
	mux.Handle("POST /admin/channels/{id}/address", h.permitted(gallra.PermManageChannels, h.channelAddress))
	mux.Handle("GET /admin/channels/{id}/imap", h.permitted(gallra.PermManageChannels, h.imapPage))
	mux.Handle("POST /admin/channels/{id}/imap", h.permitted(gallra.PermManageChannels, h.imapSave))
	mux.Handle("POST /admin/channels/{id}/imap/fetch", h.permitted(gallra.PermManageChannels, h.imapFetch))
	mux.Handle("POST /admin/channels/{id}/imap/delete", h.permitted(gallra.PermManageChannels, h.imapDelete))
	mux.Handle("POST /admin/staff", h.permitted(gallra.PermManageStaff, h.staffInvite))
	mux.Handle("POST /admin/staff/{id}/active", h.permitted(gallra.PermManageStaff, h.staffSetActive))
	mux.Handle("POST /admin/staff/{id}/members", h.permitted(gallra.PermManageChannels, h.staffMembership))
	mux.Handle("POST /admin/staff/{id}/link", h.permitted(gallra.PermManageStaff, h.staffResetLink))
	mux.Handle("POST /admin/staff/offboarding", h.permitted(gallra.PermManageStaff, h.staffOffboardDays))
	mux.HandleFunc("/", h.notFound)
}

// wrap adds what every UI response gets: panic recovery, security headers
// and an access log line without personal data (the route pattern, never
// the raw path, which may hold a login-link secret).
func (h *Handler) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		rec := httplog.NewRecorder(w)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("web: panic in handler", "route", r.Pattern, "panic", fmt.Sprint(v))
				if !rec.Wrote() {
					http.Error(rec, "Internal error.", http.StatusInternalServerError)
				}
			}
			h.log.Info("web request", "method", r.Method, "route", routeLabel(r), "status", rec.Status(), "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

func routeLabel(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

func (h *Handler) staticHandler() http.Handler {
	fsrv := http.FileServerFS(h.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// clientIP is the client's rate-limit key: its address (see clientip.From),
// an IPv6 one by its /64 (clientip.Key).
func (h *Handler) clientIP(r *http.Request) string { return clientip.Key(clientip.From(r, h.proxyHdr)) }

// safeNext returns a local path to go to after sign-in, or "/".
func safeNext(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.HasPrefix(s, "/login") {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return u.RequestURI()
}

type ctxKey struct{}

// viewer is the signed-in staff user of a request, with their organisation.
type viewer struct {
	Staff *gallra.Staff
	Org   *gallra.Organisation
}

func (v *viewer) actor() gallra.Actor { return gallra.Actor{Type: gallra.ActorStaff, ID: v.Staff.ID} }

func viewerFrom(ctx context.Context) *viewer {
	v, _ := ctx.Value(ctxKey{}).(*viewer)
	return v
}

// pageHandler is a handler that renders or redirects, or returns an error
// to be shown on an error page.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *viewer) error

// auth serves fn to signed-in staff; others are sent to the sign-in page.
func (h *Handler) auth(fn pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h.session(r)
		if err != nil {
			if gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
				h.fail(w, r, nil, err)
				return
			}
			h.clearSessionCookie(w, r)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, v))
		if err := fn(w, r, v); err != nil {
			h.fail(w, r, v, err)
		}
	})
}

// IsAdmin reports whether the viewer holds the organisation permissions
// (administrators, see gallra.Permission); templates use it to show or hide
// links, the pages and services decide by the permission itself.
func (v *viewer) IsAdmin() bool { return v.Staff.Allowed(gallra.PermManageOrganisation, 0) }

// permitted is auth for pages that need an organisation permission (see
// gallra.Permission, docs/roles.md): callers without it get 403 before the
// page runs, and the service the page calls checks it again.
func (h *Handler) permitted(p gallra.Permission, fn pageHandler) http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, v *viewer) error {
		if !v.Staff.Allowed(p, 0) {
			return gallra.Errorf(gallra.EFORBIDDEN, "only organisation admins can do this")
		}
		return fn(w, r, v)
	})
}

func (h *Handler) session(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, gallra.Errorf(gallra.EUNAUTHORIZED, "not signed in")
	}
	staff, err := h.svc.Staff.AuthenticateSession(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	org, err := h.svc.Organisations.GetOrganisation(r.Context(), staff)
	if err != nil {
		return nil, err
	}
	return &viewer{Staff: staff, Org: org}, nil
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	v, _ := h.session(r)
	h.fail(w, r, v, gallra.Errorf(gallra.ENOTFOUND, "page not found"))
}

// fail renders an error page: the safe message for coded errors, "Internal
// error." (and a log line with the chain) for anything else.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	code := gallra.ErrorCode(err)
	status := httpstatus.Code(code)
	if code == gallra.EINTERNAL {
		h.log.Error("web: request failed", "route", routeLabel(r), "err", err)
	}
	h.render(w, r, v, status, "error", map[string]any{"Code": code, "Message": gallra.ErrorMessage(err), "Status": status})
}
