// Package site serves organisations' public sites: forums, knowledge bases,
// search and the privacy page, server-rendered without JavaScript and
// without cookies, at /p/{slug}/ and at the root of an organisation's own
// host name. Every rule (spam, validation, moderation, IP storage, the
// privacy notice) is the site service's (gallra.SiteService); this package
// translates HTTP to its calls and renders the answers.
package site

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/clientip"
	"github.com/gallra/gallra/internal/ratelimit"
)

//go:embed templates/*.html templates/site.css
var assets embed.FS

// Config configures a Handler. Service and Key are required.
type Config struct {
	Service gallra.SiteService
	Logger  *slog.Logger
	Clock   gallra.Clock
	// Key signs the issue time of forms (the minimum fill-in time needs
	// it without a cookie); at least 32 bytes.
	Key []byte
	// TrustedProxyHeader as in httpapi.Config.
	TrustedProxyHeader string
	// WriteRate and WriteBurst limit posts and requests per client IP
	// (default 6 per minute, burst 5).
	WriteRate  rate.Limit
	WriteBurst int
	// MainHosts are host names of the staff UI and API: never looked up
	// as a custom site host.
	MainHosts []string
}

// Handler serves the public sites.
type Handler struct {
	cfg   Config
	log   *slog.Logger
	tmpl  map[string]*template.Template
	css   []byte
	limit *ratelimit.Keyed
	md    *markdown
	sites siteCache
}

// SiteCacheTTL is how long a resolved site (or a host name that is no
// site) is reused before it is looked up again: settings changes, and an
// organisation being disabled, reach the public pages within it.
const SiteCacheTTL = 2 * time.Second

// siteCache remembers resolved sites by slug or host for SiteCacheTTL,
// bounded to 1,000 keys (emptied when full).
type siteCache struct {
	mu sync.Mutex
	m  map[string]cachedSite
}

type cachedSite struct {
	site *gallra.Site
	err  error
	at   time.Time
}

// site resolves key ("s:slug" or "h:host") through lookup, cached.
func (h *Handler) site(ctx context.Context, key string, lookup func() (*gallra.Site, error)) (*gallra.Site, error) {
	now := h.cfg.Clock.Now()
	c := &h.sites
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < SiteCacheTTL && now.Sub(e.at) >= 0 {
		return e.site, e.err
	}
	site, err := lookup()
	if err != nil && gallra.ErrorCode(err) != gallra.ENOTFOUND {
		return nil, err // database trouble is never cached
	}
	if ctx.Err() == nil {
		c.mu.Lock()
		if c.m == nil || len(c.m) >= 1000 {
			c.m = map[string]cachedSite{}
		}
		c.m[key] = cachedSite{site: site, err: err, at: now}
		c.mu.Unlock()
	}
	return site, err
}

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Service == nil || len(cfg.Key) < 32 {
		return nil, errors.New("site: a service and a key of at least 32 bytes are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = gallra.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WriteRate == 0 {
		cfg.WriteRate, cfg.WriteBurst = rate.Every(10*time.Second), 5
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("templates/site.css")
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, log: cfg.Logger, tmpl: t, css: css, limit: ratelimit.New(cfg.WriteRate, cfg.WriteBurst, 100_000), md: newMarkdown()}, nil
}

// Wrap serves /p/{slug}/… and requests to an organisation's own host name,
// and passes everything else to next.
func (h *Handler) Wrap(next http.Handler) http.Handler {
	main := map[string]bool{}
	for _, m := range h.cfg.MainHosts {
		main[strings.ToLower(m)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/p/"); ok {
			slug, sub, _ := strings.Cut(rest, "/")
			site, err := h.site(r.Context(), "s:"+slug, func() (*gallra.Site, error) { return h.cfg.Service.SiteBySlug(r.Context(), slug) })
			if err != nil {
				h.fail(w, r, nil, err)
				return
			}
			if sub == "" && !strings.HasSuffix(r.URL.Path, "/") {
				http.Redirect(w, r, "/p/"+slug+"/", http.StatusMovedPermanently)
				return
			}
			h.serve(w, r, site, "/p/"+slug, "/"+sub)
			return
		}
		host := r.Host
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		if !main[strings.ToLower(host)] {
			if site, err := h.site(r.Context(), "h:"+strings.ToLower(r.Host), func() (*gallra.Site, error) { return h.cfg.Service.SiteByHost(r.Context(), r.Host) }); err == nil {
				h.serve(w, r, site, "", r.URL.Path)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// view is what every page template gets.
type view struct {
	L         lang
	Site      *gallra.Site
	Base      string // path prefix of the site: "/p/slug" or ""
	Canonical string // absolute URL of the page
	Title     string
	Desc      string
	JSONLD    template.JS
	NoIndex   bool
	D         any
}

func (v *view) URL(p string) string { return v.Base + p }

// serve routes one request of a site; base is the path prefix, p the path
// under it.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, site *gallra.Site, base, p string) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	v := &view{L: langOf(site.Org.Language), Site: site, Base: base}
	scheme := "http"
	if r.TLS != nil || (h.cfg.TrustedProxyHeader != "" && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	host := r.Host
	if site.Settings.Host != "" && base == "" {
		host = site.Settings.Host
	}
	v.Canonical = scheme + "://" + host + base + p
	parts := strings.Split(strings.Trim(p, "/"), "/")
	get, post := r.Method == http.MethodGet || r.Method == http.MethodHead, r.Method == http.MethodPost
	switch {
	case p == "/" && get:
		h.home(w, r, v)
	case p == "/site.css" && get:
		hd.Set("Content-Type", "text/css; charset=utf-8")
		hd.Set("Cache-Control", "public, max-age=3600")
		w.Write(h.css)
	case p == "/sitemap.xml" && get:
		h.sitemap(w, r, v, scheme+"://"+host+base)
	case p == "/robots.txt" && get:
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: %s://%s%s/sitemap.xml\n", scheme, host, base)
	case p == "/search" && get:
		h.search(w, r, v)
	case p == "/privacy" && (get || post):
		h.privacy(w, r, v)
	case p == "/unsubscribe" && (get || post):
		h.unsubscribe(w, r, v)
	case len(parts) == 2 && parts[0] == "f" && get:
		h.forum(w, r, v, idOf(parts[1]))
	case len(parts) == 3 && parts[0] == "f" && parts[2] == "ask" && (get || post):
		h.ask(w, r, v, idOf(parts[1]))
	case len(parts) == 2 && parts[0] == "t" && get:
		h.topic(w, r, v, idOf(parts[1]), nil)
	case len(parts) == 3 && parts[0] == "t" && parts[2] == "reply" && post:
		h.reply(w, r, v, idOf(parts[1]))
	case len(parts) == 2 && parts[0] == "kb" && get:
		h.category(w, r, v, idOf(parts[1]))
	case len(parts) == 2 && parts[0] == "a" && get:
		h.article(w, r, v, idOf(parts[1]))
	default:
		h.fail(w, r, v, gallra.Errorf(gallra.ENOTFOUND, "no such page"))
	}
}

// idOf reads the id of "12-some-slug" (0 when there is none).
func idOf(s string) int64 {
	s, _, _ = strings.Cut(s, "-")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// render writes a page with status code.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := h.tmpl[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("site: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// fail renders an error page: 404 for what is not there, 410 for removed
// content, 400/422/429 for refused input, 500 (logged) otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status, key := http.StatusInternalServerError, "error"
	switch gallra.ErrorCode(err) {
	case gallra.ENOTFOUND:
		status, key = http.StatusNotFound, "notfound"
	case gallra.EINVALID:
		status, key = http.StatusBadRequest, "notfound"
	default:
		h.log.Error("site: request failed", "err", err)
	}
	if v == nil {
		v = &view{L: langOf("sv")}
		if strings.Contains(r.Header.Get("Accept-Language"), "en") && !strings.HasPrefix(r.Header.Get("Accept-Language"), "sv") {
			v.L = langOf("en")
		}
	}
	v.Title, v.NoIndex, v.D = v.L.T(key), true, v.L.T(key)
	h.render(w, r, status, "error", v)
}

// gone answers 410 for removed content.
func (h *Handler) gone(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title, v.NoIndex, v.D = v.L.T("gone"), true, v.L.T("gone")
	h.render(w, r, http.StatusGone, "error", v)
}

// formStamp is the signed issue time of a form: "unixms.hmac".
func (h *Handler) formStamp(orgID int64) string {
	t := strconv.FormatInt(h.cfg.Clock.Now().UnixMilli(), 10)
	return t + "." + h.sign(orgID, t)
}

func (h *Handler) sign(orgID int64, t string) string {
	m := hmac.New(sha256.New, h.cfg.Key)
	fmt.Fprintf(m, "%d|%s", orgID, t)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// elapsed returns how long ago a form was issued, from its stamp; 0 for a
// missing or forged stamp (the service then refuses it as too quick), and
// an EUNPROCESS error for a form older than a day.
func (h *Handler) elapsed(orgID int64, stamp string) (time.Duration, error) {
	t, mac, ok := strings.Cut(stamp, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(h.sign(orgID, t))) {
		return 0, nil
	}
	ms, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, nil
	}
	d := h.cfg.Clock.Now().Sub(time.UnixMilli(ms))
	if d > 24*time.Hour {
		return 0, gallra.Errorf(gallra.EUNPROCESS, "the form has expired")
	}
	return d, nil
}

// allowWrite takes a token of the client's write budget.
func (h *Handler) allowWrite(r *http.Request) (string, error) {
	ip := clientip.From(r, h.cfg.TrustedProxyHeader)
	if !h.limit.Allow(clientip.Key(ip), h.cfg.Clock.Now()) {
		return "", gallra.Errorf(gallra.ERATELIMIT, "too many posts")
	}
	if !ip.IsValid() {
		return "", nil
	}
	return ip.String(), nil
}
