package httpapi

import (
	"mime"
	"net/url"
	"strings"
	"unicode"
)

// safeContentType keeps a well-formed media type and refuses types a browser
// would render as active content (those are served as octet-stream).
func safeContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	switch {
	case strings.Contains(mt, "html"), strings.Contains(mt, "javascript"), strings.Contains(mt, "xml"), mt == "image/svg+xml":
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// contentDisposition is an attachment disposition with a sanitized filename:
// no path, quotes or control characters in the ASCII fallback, the original
// (cleaned) name as RFC 5987 filename*.
func contentDisposition(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == ';' {
			return -1
		}
		return r
	}, name)
	clean = strings.TrimLeft(strings.TrimSpace(clean), ".")
	if clean == "" {
		clean = "attachment"
	}
	ascii := strings.Map(func(r rune) rune {
		if r > 126 || r < 32 || r == '%' || r == '\\' {
			return '_'
		}
		return r
	}, clean)
	if ascii == clean {
		return `attachment; filename="` + clean + `"`
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(clean)
}
