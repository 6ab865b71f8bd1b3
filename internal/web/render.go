package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm on hosts without a zoneinfo database

	"github.com/gallra/gallra"
)

// page is what every template gets: the language, the viewer (nil before
// sign-in), the active navigation item and the page's own data in D.
type page struct {
	L     *lang
	Lang  string
	V     *viewer
	Nav   string
	Path  string
	Flash string
	D     any
	// Feature switches: parts of the UI whose service is not configured
	// are hidden.
	HasRetention, HasRequests bool
	HasSite                   bool // the public site's staff page
}

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

// funcs are the template helpers; none depends on the request (language
// helpers are methods of page.L).
var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(stockholm).Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(stockholm).Format("2006-01-02 15:04")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ptime": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"eqs":   func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"has":   func(ids []int64, id int64) bool { return containsID(ids, id) },
	"join":  strings.Join,
	"add":   func(a, b int) int { return a + b },
	"int64": func(i int) int64 { return int64(i) },
	"deref": func(p *gallra.Period) gallra.Period {
		if p == nil {
			return gallra.Never()
		}
		return *p
	},
	"hasStr": func(list []string, s string) bool { return slices.Contains(list, s) },
	"list":   func(s ...string) []string { return s },
	"on":     func(b *bool) bool { return b != nil && *b },
	"deref64": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"mentionLink":       mentionLink,
	"channelLink":       channelLink,
	"accessSubjectLink": accessSubjectLink,
	"heldLink":          heldLink,
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// language picks the UI language: the visitor's choice (cookie), else the
// organisation's language, else Swedish.
func language(r *http.Request, v *viewer) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "sv" || c.Value == "en") {
		return c.Value
	}
	if v != nil && v.Org != nil && (v.Org.Language == "en" || v.Org.Language == "sv") {
		return v.Org.Language
	}
	return "sv"
}

// render writes a page. It renders into a buffer first so that a template
// error becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, name string, data any) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("web: unknown template", "name", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	code := language(r, v)
	p := page{L: catalogs[code], Lang: code, V: v, Nav: navOf(name), Path: r.URL.RequestURI(), D: data,
		HasRetention: h.retention != nil, HasRequests: h.requests != nil, HasSite: h.site != nil}
	if strings.HasPrefix(r.URL.Path, "/login/link/") || r.Method != http.MethodGet {
		// Never echo a login-link secret or a POST target into the page.
		p.Path = "/"
		if v == nil {
			p.Path = "/login"
		}
	}
	if ok := r.URL.Query().Get("ok"); ok != "" && p.L.has("ok."+ok) {
		p.Flash = "ok." + ok
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("web: render template", "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func navOf(name string) string {
	switch {
	case strings.HasPrefix(name, "settings"), strings.HasPrefix(name, "policy"):
		return "settings"
	case strings.HasPrefix(name, "request"), name == "receipt":
		return "requests"
	case strings.HasPrefix(name, "workspace_chat"):
		return "chats"
	case strings.HasPrefix(name, "workspace"):
		return "workspace"
	case strings.HasPrefix(name, "site"):
		return "site"
	}
	return name
}

// redirect answers a form POST with 303 to target.
func redirect(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// roleName is the translated name of a role.
func (l *lang) Role(r gallra.Role) string { return l.T("role." + string(r)) }

// Module is the translated name of a module.
func (l *lang) Module(m gallra.Module) string { return l.T("module." + string(m)) }
