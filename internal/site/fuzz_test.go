package site_test

import (
	"regexp"
	"testing"

	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
)

var (
	slugOK = regexp.MustCompile(`^([a-z0-9]+(-[a-z0-9]+)*)?$`)
	hostOK = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// FuzzURLParts: whatever a title or Host header holds, a URL slug is
// lower-case ASCII letters and digits joined by single hyphens, and a host
// name is either refused ("") or a plain DNS name, so neither can carry
// markup, paths or header tricks into a page or a lookup.
func FuzzURLParts(f *testing.F) {
	for _, s := range []string{"Hur söker jag bygglov?", "forum.kommunen.se:8080", "EVIL.example\x00", "a/../b", "<script>", "[::1]:80", "ÅÄÖ åäö", "xn--kommun-ira.se", "-a-", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sl := site.Slug(s); !slugOK.MatchString(sl) || len(sl) > 64 {
			t.Fatalf("Slug(%q) = %q", s, sl)
		}
		if h := service.NormalizeHost(s); h != "" && (!hostOK.MatchString(h) || len(h) > 253) {
			t.Fatalf("NormalizeHost(%q) = %q", s, h)
		}
		if line := service.CleanLine(s); len(line) > len(s)*3 {
			t.Fatalf("CleanLine grew %q", s)
		}
	})
}
