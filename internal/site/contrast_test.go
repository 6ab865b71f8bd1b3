package site_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrast holds the public site's text colours to WCAG AA (4.5:1) on
// the backgrounds they are used on.
func TestContrast(t *testing.T) {
	css, err := os.ReadFile("templates/site.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	col := func(s string) string {
		if strings.HasPrefix(s, "--") {
			v, ok := vars[s[2:]]
			if !ok {
				t.Fatalf("no colour %s in site.css", s)
			}
			return v
		}
		return s
	}
	for _, p := range [][2]string{
		{"--text", "--bg"}, {"--muted", "--bg"}, {"--muted", "#ffffff"}, {"--brand", "--bg"}, {"--brand", "#ffffff"},
		{"#ffffff", "--brand"}, {"#ffffff", "--brand-dark"}, {"--ok", "--ok-soft"}, {"--danger", "--danger-soft"},
		{"--text", "--warn-soft"}, {"--brand", "--warn-soft"}, {"#1b3f73", "#e5eef9"}, {"--text", "#ffffff"},
	} {
		if r := contrast(col(p[0]), col(p[1])); r < 4.5 {
			t.Errorf("contrast of %s on %s is %.2f:1, want at least 4.5:1", p[0], p[1], r)
		}
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
