package gallra

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseLegalBasis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LegalBasis
		ok   bool
	}{
		{"public_task", BasisPublicTask, true},
		{" E ", BasisPublicTask, true},
		{"6(1)(a)", BasisConsent, true},
		{"f", BasisLegitimateInterests, true},
		{"Contract", BasisContract, true},
		{"g", "", false},
		{"", "", false},
		{"because", "", false},
	} {
		got, err := ParseLegalBasis(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseLegalBasis(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "Art. 6(1)")) {
			t.Errorf("ParseLegalBasis(%q) error %v", tc.in, err)
		}
	}
	for i, b := range LegalBases() {
		if want := "6(1)(" + string(rune('a'+i)) + ")"; b.Article() != want {
			t.Errorf("%s article %s, want %s", b, b.Article(), want)
		}
	}
}

// FuzzParseLegalBasis: any input either parses to one of the six bases,
// whose article parses back to it, or is EINVALID with a bounded message.
func FuzzParseLegalBasis(f *testing.F) {
	for _, s := range []string{"public_task", "e", "6(1)(f)", "", "x", "6(1)(", strings.Repeat("ä", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseLegalBasis(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorMessage(err)) > 300 || !utf8.ValidString(ErrorMessage(err)) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if !b.Valid() {
			t.Fatalf("%q parsed to invalid %q", s, b)
		}
		if back, err := ParseLegalBasis(b.Article()); err != nil || back != b {
			t.Fatalf("%q: article %s does not parse back: %v", s, b.Article(), err)
		}
	})
}
