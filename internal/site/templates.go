package site

import (
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm without a system zoneinfo
)

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

var funcs = template.FuncMap{
	"link": link,
	// paras renders a plain-text post as escaped paragraphs.
	"paras": func(s string) template.HTML {
		var b strings.Builder
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(p), "\n", "<br>"))
			b.WriteString("</p>")
		}
		return template.HTML(b.String())
	},
	"date":     func(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") },
	"iso":      func(t time.Time) string { return t.Format(time.RFC3339) },
	"excerpt":  excerpt,
	"isAnswer": func(answered *int64, id int64) bool { return answered != nil && *answered == id },
	"str":      func(v any) string { return fmt.Sprint(v) },
}

func parseTemplates() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "form" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/form.html", f)
		if err != nil {
			return nil, fmt.Errorf("site: parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}
