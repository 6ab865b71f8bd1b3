package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
	"unicode/utf8"
)

// addSeeds adds corpus messages and tricky strings as fuzz seeds.
func addSeeds(f *testing.F) {
	f.Helper()
	for _, s := range []string{
		"", "0", "+", "@", "::", ":::1", "SE45 5000 0000 0583 9825 7466", "070-123 45 67",
		"Storgatan 12, lgh 1101, 114 55 Stockholm", "(08) 123 45 67", "+46 (0)70-123 45 67",
		"a@b.cc", "1.2.3.4", "bankgiro 5050-1055", "pg 90 20 01-7", "HETU 131052-308T",
		"\xff\xfe070-123 45 67\xc3", "Ö 19811228-9874 Å", "KN-123456",
	} {
		f.Add(s)
	}
	file, err := os.Open(corpusPath)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for n := 0; sc.Scan() && n < 200; n++ {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err == nil && n%4 == 0 {
			f.Add(l.Text)
		}
	}
}

func fuzzDetector(tb testing.TB) *Detector {
	tb.Helper()
	d, err := New(Options{Custom: []CustomPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}}})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func FuzzDetect(f *testing.F) {
	addSeeds(f)
	d := fuzzDetector(f)
	f.Fuzz(func(t *testing.T, text string) {
		fs := d.Detect(text)
		valid := utf8.ValidString(text)
		prevEnd := 0
		for k, fd := range fs {
			if fd.Start < 0 || fd.End > len(text) || fd.Start >= fd.End {
				t.Fatalf("finding %d out of bounds: %+v (len %d)", k, fd, len(text))
			}
			if fd.Start < prevEnd {
				t.Fatalf("finding %d overlaps or is unsorted: %+v after end %d", k, fd, prevEnd)
			}
			prevEnd = fd.End
			if fd.Text != text[fd.Start:fd.End] {
				t.Fatalf("finding %d text %q != span %q", k, fd.Text, text[fd.Start:fd.End])
			}
			if valid && (!utf8.RuneStart(text[fd.Start]) || (fd.End < len(text) && !utf8.RuneStart(text[fd.End]))) {
				t.Fatalf("finding %d not on rune boundaries: %+v", k, fd)
			}
			if fd.Confidence <= 0 || fd.Confidence > 1 {
				t.Fatalf("finding %d confidence %v", k, fd.Confidence)
			}
			if _, err := ParseKind(string(fd.Kind)); err != nil {
				t.Fatalf("finding %d: %v", k, err)
			}
		}
		if d.Contains(text) != (len(fs) > 0) {
			t.Fatalf("Contains disagrees with Detect (%d findings)", len(fs))
		}
	})
}

func FuzzRedact(f *testing.F) {
	addSeeds(f)
	d := fuzzDetector(f)
	ops := []Operator{Replace(), Mask(4), Remove()}
	f.Fuzz(func(t *testing.T, text string) {
		for _, op := range ops {
			out := d.Redact(text, op)
			if !utf8.ValidString(out) {
				t.Fatalf("op %v: invalid UTF-8 output %q", op, out)
			}
			if again := d.Redact(out, op); again != out {
				t.Fatalf("op %v not idempotent:\n in  %q\n out %q\n 2nd %q", op, text, out, again)
			}
			if utf8.ValidString(text) && len(d.Detect(text)) == 0 && out != text {
				t.Fatalf("op %v changed text without findings: %q -> %q", op, text, out)
			}
		}
	})
}
