package pii

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestNormalizeIdentifier(t *testing.T) {
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		kind, in, want string
	}{
		{IdentEmail, " Kalle.Karlsson@Example.SE ", "kalle.karlsson@example.se"},
		{IdentEmail, "no-at-sign", ""},
		{IdentEmail, "a@", ""},
		{IdentPhone, "070-174 06 05", "+46701740605"},
		{IdentPhone, "+46 (0)70 174 06 05", "+46701740605"},
		{IdentPhone, "0046701740605", "+46701740605"},
		{IdentPhone, "12", ""},
		{IdentPersonnummer, "821105-9954", "198211059954"},
		{IdentPersonnummer, "8211059954", "198211059954"},
		{IdentPersonnummer, "19821105-9954", "198211059954"},
		{IdentPersonnummer, "198211059954", "198211059954"},
		{IdentPersonnummer, "821105 9954", "198211059954"},
		{IdentPersonnummer, "791221+9990", "187912219990"},
		{IdentPersonnummer, "0012099891", "200012099891"},
		{IdentPersonnummer, "570574-9959", "195705749959"}, // samordningsnummer
		{IdentPersonnummer, "821105-9955", ""},             // check digit
		{IdentPersonnummer, "821305-9950", ""},             // month 13
		{IdentPersonnummer, "21821105-9954", ""},           // century
		{IdentPersonnummer, "82-11-05-99-54-1", ""},
		{"iban", "x", ""},
	} {
		got, err := NormalizeIdentifier(c.kind, c.in, now)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s %q: got %q, want an error", c.kind, c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.kind, c.in, got, err, c.want)
		}
	}
}

// The shared test vectors (birth numbers 980–999 only): every written form
// of a valid number normalises to its long form; invalid ones are refused.
func TestNormalizePersonnummerVectors(t *testing.T) {
	b, err := os.ReadFile("/work/shared/testdata/personnummer/list.json")
	if err != nil {
		t.Skip("shared test vectors not available:", err)
	}
	var list []struct {
		Long      any    `json:"long_format"`
		Separated string `json:"separated_format"`
		SepLong   string `json:"separated_long"`
		Valid     bool   `json:"valid"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	n := 0
	for _, e := range list {
		long := fmt.Sprint(e.Long)
		if f, ok := e.Long.(float64); ok {
			long = fmt.Sprintf("%.0f", f)
		}
		if len(long) != 12 || long[8:11] < "980" {
			continue
		}
		n++
		for _, in := range []string{long, e.Separated, e.SepLong} {
			got, err := NormalizePersonnummer(in, now)
			if e.Valid && (err != nil || got != long) {
				t.Errorf("%q: got %q, %v; want %s", in, got, err, long)
			}
			if !e.Valid && err == nil {
				t.Errorf("%q (invalid): got %q", in, got)
			}
		}
	}
	if n == 0 {
		t.Fatal("no vectors with birth numbers 980–999")
	}
}

func TestIdentifiersInText(t *testing.T) {
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	got := Default().Identifiers("Mejla Kalle@Example.se eller kalle@example.se, ring 070-174 06 05, pnr 821105-9954, IBAN SE45 5000 0000 0583 9825 7466", now)
	want := []Identifier{{IdentEmail, "kalle@example.se"}, {IdentPhone, "+46701740605"}, {IdentPersonnummer, "198211059954"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func FuzzNormalizePersonnummer(f *testing.F) {
	for _, s := range []string{"821105-9954", "19821105-9954", "791221+9990", "", "+", "000000-0000"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePersonnummer(s, now)
		if err != nil {
			return
		}
		if len(got) != 12 {
			t.Fatalf("%q → %q: not 12 digits", s, got)
		}
		again, err := NormalizePersonnummer(got, now)
		if err != nil || again != got {
			t.Fatalf("%q → %q → %q, %v: not idempotent", s, got, again, err)
		}
	})
}
