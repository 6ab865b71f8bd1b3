package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSnippet asserts what snippet promises: no panic, a piece of the
// original text cut on rune boundaries (valid UTF-8 stays valid), "…" only
// where text was cut, and the whole match whenever the lower-cased text
// contains the lower-cased query.
func checkSnippet(t *testing.T, text, q string) {
	t.Helper()
	s := snippet(text, q)
	start, end := snippetSpan(text, q)
	if start < 0 || start > end || end > len(text) {
		t.Fatalf("snippetSpan(%q, %q) = %d, %d: out of range", text, q, start, end)
	}
	core := text[start:end]
	want := core
	if start > 0 {
		want = "…" + want
	}
	if end < len(text) {
		want += "…"
	}
	if s != want {
		t.Fatalf("snippet(%q, %q) = %q, want %q", text, q, s, want)
	}
	if utf8.ValidString(text) && !utf8.ValidString(s) {
		t.Fatalf("snippet(%q, %q) = %q: invalid UTF-8", text, q, s)
	}
	if text != "" && core == "" {
		t.Fatalf("snippet(%q, %q) is empty", text, q)
	}
	if !utf8.ValidString(text) || !utf8.ValidString(q) {
		return
	}
	lq := strings.ToLower(q)
	if i := strings.Index(strings.ToLower(text), lq); i >= 0 && q != "" {
		if !strings.Contains(strings.ToLower(core), lq) {
			t.Fatalf("snippet(%q, %q) = %q: match missing", text, q, s)
		}
		if n := utf8.RuneCountInString(core); n > max(160, utf8.RuneCountInString(lq)+60) {
			t.Fatalf("snippet(%q, %q) = %q: %d runes", text, q, s, n)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("abcdefghij", 30)
	tests := []struct {
		name, text, q, want string
	}{
		{"empty text", "", "x", ""},
		{"short text, no match", "hej", "x", "hej"},
		{"match at start", "needle " + long, "needle", "needle " + long[:153] + "…"},
		{"match centred", long + " needle " + long, "needle", "…" + long[len(long)-59:] + " needle " + long[:93] + "…"},
		{"no match keeps the start", long, "zzz", long[:160] + "…"},
		{"grows when lower-cased", strings.Repeat("Ⱥ", 40) + " needle", "e", strings.Repeat("Ⱥ", 40) + " needle"},
		{"grows, match past the window", strings.Repeat("Ⱥ", 100) + " needle", "needle", "…" + strings.Repeat("Ⱥ", 59) + " needle"},
		{"dotted I", strings.Repeat("İ", 100) + " needle", "NEEDLE", "…" + strings.Repeat("İ", 59) + " needle"},
		{"Kelvin sign shrinks", strings.Repeat("K", 100) + " needle", "needle", "…" + strings.Repeat("K", 59) + " needle"},
		{"match is a changed letter", "xx" + strings.Repeat("Ⱥ", 3) + "yy", "ⱥⱥ", "xxȺȺȺyy"},
		{"long query kept whole", strings.Repeat("a", 300), strings.Repeat("a", 200), strings.Repeat("a", 200) + "…"},
		{"invalid UTF-8", "\xff\xfe" + strings.Repeat("Ⱥ", 70) + " needle", "needle", "…" + strings.Repeat("Ⱥ", 59) + " needle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet(tt.text, tt.q); got != tt.want {
				t.Errorf("snippet(%q, %q)\n got %q\nwant %q", tt.text, tt.q, got, tt.want)
			}
			checkSnippet(t, tt.text, tt.q)
		})
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add(strings.Repeat("Ⱥ", 40)+" needle", "e")
	f.Add(strings.Repeat("İ", 100)+" needle", "NEEDLE")
	f.Add(strings.Repeat("K", 90)+" ankare", "ankare")
	f.Add("ẞßSS ss", "ss")
	f.Add("\xff\xfeȺ needle", "\xfe")
	f.Add(strings.Repeat("abc", 100), "cab")
	f.Fuzz(func(t *testing.T, text, q string) {
		checkSnippet(t, text, q)
	})
}
