package pii

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// resolveQuadratic is resolve as it was before issue 15 (quadratic in the
// size of a cluster), kept as the reference the new resolver must agree with.
func resolveQuadratic(c []Finding) []Finding {
	if len(c) <= 1 {
		return c
	}
	slices.SortFunc(c, func(a, b Finding) int { return a.Start - b.Start })
	out := 0
	for lo := 0; lo < len(c); {
		hi, end := lo+1, c[lo].End
		for hi < len(c) && c[hi].Start < end {
			end = max(end, c[hi].End)
			hi++
		}
		kept := selectBestQuadratic(c[lo:hi])
		slices.SortFunc(kept, func(a, b Finding) int { return a.Start - b.Start })
		out += copy(c[out:], kept)
		lo = hi
	}
	return c[:out]
}

func selectBestQuadratic(c []Finding) []Finding {
	for i := 0; i < len(c); i++ {
		best := i
		for j := i + 1; j < len(c); j++ {
			if betterQuadratic(&c[j], &c[best]) {
				best = j
			}
		}
		c[i], c[best] = c[best], c[i]
		k := i + 1
		for j := i + 1; j < len(c); j++ {
			if c[j].End <= c[i].Start || c[j].Start >= c[i].End {
				c[k] = c[j]
				k++
			}
		}
		c = c[:k]
	}
	return c
}

func betterQuadratic(a, b *Finding) bool {
	la, lb := a.End-a.Start, b.End-b.Start
	if la != lb {
		return la > lb
	}
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	ra, rb := kindRank(a.Kind), kindRank(b.Kind)
	if ra != rb {
		return ra < rb
	}
	return a.Start < b.Start
}

// candidate returns a finding whose Name and Text follow from its other
// fields, so that two candidates equal in priority are equal in every field
// (the old resolver chose between such twins in no defined order).
func candidate(k Kind, start, end int, conf float64) Finding {
	return Finding{Kind: k, Start: start, End: end, Confidence: conf,
		Text: fmt.Sprintf("%d:%d", start, end), Name: fmt.Sprintf("%s/%g", k, conf)}
}

// checkResolveAgrees fails the test unless resolve and resolveQuadratic
// keep the same findings of c, and the result is sorted and non-overlapping.
func checkResolveAgrees(t *testing.T, c []Finding) {
	t.Helper()
	want := resolveQuadratic(slices.Clone(c))
	got := resolve(slices.Clone(c))
	if !slices.Equal(got, want) {
		t.Fatalf("resolve(%v)\n got %v\nwant %v", c, got, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Start < got[i-1].End {
			t.Fatalf("resolve(%v): %v overlaps %v", c, got[i-1], got[i])
		}
	}
}

var resolveKinds = []Kind{Personnummer, Phone, Email, Custom, Orgnummer, Address}

func TestResolveAgreesWithQuadratic(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 7))
	for range 3000 {
		n := 1 + r.IntN(60)
		width := 1 + r.IntN(4*n) // dense or sparse
		c := make([]Finding, n)
		for i := range c {
			start := r.IntN(width)
			end := start + 1 + r.IntN(1+r.IntN(12))
			c[i] = candidate(resolveKinds[r.IntN(len(resolveKinds))], start, end, []float64{0.5, 0.9, 0.9, 0.98}[r.IntN(4)])
		}
		checkResolveAgrees(t, c)
	}
}

func TestResolveTable(t *testing.T) {
	tests := []struct {
		name string
		in   []Finding
		want []Finding
	}{
		{"empty", nil, nil},
		{"disjoint kept in order", []Finding{candidate(Phone, 5, 8, 0.9), candidate(Email, 0, 3, 0.9)},
			[]Finding{candidate(Email, 0, 3, 0.9), candidate(Phone, 5, 8, 0.9)}},
		{"longer wins", []Finding{candidate(Phone, 0, 4, 0.99), candidate(Custom, 2, 9, 0.5)},
			[]Finding{candidate(Custom, 2, 9, 0.5)}},
		{"higher confidence wins", []Finding{candidate(Custom, 0, 4, 0.5), candidate(Custom, 2, 6, 0.9)},
			[]Finding{candidate(Custom, 2, 6, 0.9)}},
		{"kind listed first wins", []Finding{candidate(Phone, 0, 4, 0.9), candidate(Personnummer, 2, 6, 0.9)},
			[]Finding{candidate(Personnummer, 2, 6, 0.9)}},
		{"earlier start wins", []Finding{candidate(Custom, 2, 6, 0.9), candidate(Custom, 0, 4, 0.9)},
			[]Finding{candidate(Custom, 0, 4, 0.9)}},
		{"chain keeps every other", []Finding{candidate(Custom, 0, 2, 0.9), candidate(Custom, 1, 3, 0.9), candidate(Custom, 2, 4, 0.9), candidate(Custom, 3, 5, 0.9)},
			[]Finding{candidate(Custom, 0, 2, 0.9), candidate(Custom, 2, 4, 0.9)}},
		{"dropped loser does not block", []Finding{candidate(Custom, 0, 3, 0.5), candidate(Custom, 2, 6, 0.9), candidate(Custom, 5, 8, 0.5)},
			[]Finding{candidate(Custom, 2, 6, 0.9)}},
		{"winner in the middle frees both ends", []Finding{candidate(Custom, 0, 3, 0.5), candidate(Custom, 2, 5, 0.9), candidate(Custom, 4, 7, 0.5), candidate(Custom, 6, 9, 0.5)},
			[]Finding{candidate(Custom, 2, 5, 0.9), candidate(Custom, 6, 9, 0.5)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolve(slices.Clone(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("resolve = %v, want %v", got, tt.want)
			}
			checkResolveAgrees(t, tt.in)
		})
	}
}

// Of two candidates equal in priority, which differ only in the custom
// pattern's name, the one detected first (the pattern listed first) wins.
func TestResolveTwinsKeepDetectionOrder(t *testing.T) {
	d, err := New(Options{Kinds: []Kind{Custom}, Custom: []CustomPattern{
		{Name: "first", Pattern: `KN-\d+`}, {Name: "second", Pattern: `KN-\d+`}, {Name: "third", Pattern: `N-\d+`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		got := d.Detect("kund KN-123456 och KN-9")
		if len(got) != 2 || got[0].Name != "first" || got[1].Name != "first" {
			t.Fatalf("Detect = %+v, want two findings of pattern first", got)
		}
	}
}

// FuzzResolve reads candidates from the fuzzed bytes, four per candidate
// (start, length, kind, confidence), and checks resolve against the
// quadratic reference.
func FuzzResolve(f *testing.F) {
	f.Add([]byte{0, 2, 3, 1, 1, 2, 3, 1, 2, 2, 3, 1, 3, 2, 3, 1})
	f.Add([]byte{0, 9, 1, 0, 2, 3, 0, 3, 5, 2, 4, 2, 5, 5, 3, 1, 5, 1, 3, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c := make([]Finding, 0, len(b)/4)
		for ; len(b) >= 4; b = b[4:] {
			start := int(b[0])
			c = append(c, candidate(resolveKinds[int(b[2])%len(resolveKinds)], start, start+1+int(b[1]%16), []float64{0.5, 0.9, 0.98}[b[3]%3]))
		}
		checkResolveAgrees(t, c)
	})
}

// abText is the issue 15 case: custom patterns `ab` and `ba` over 64 KB of
// "abab…" chain every match into one cluster of 65535 candidates.
func abDetector(tb testing.TB) (*Detector, string) {
	tb.Helper()
	d, err := New(Options{Custom: []CustomPattern{{Name: "ab", Pattern: "ab"}, {Name: "ba", Pattern: "ba"}}})
	if err != nil {
		tb.Fatal(err)
	}
	return d, strings.Repeat("ab", 32<<10)
}

func TestResolveOverlappingCustomPatterns(t *testing.T) {
	d, text := abDetector(t)
	got := d.Detect(text)
	if len(got) != 32<<10 {
		t.Fatalf("Detect found %d, want %d", len(got), 32<<10)
	}
	for i, f := range got {
		if f.Name != "ab" || f.Start != 2*i {
			t.Fatalf("finding %d = %+v, want ab at %d", i, f, 2*i)
		}
	}
}

// BenchmarkDetectOverlappingCustom is issue 15's 64 KB `ab`/`ba` case
// through Detect (about 13 s through the API with the quadratic resolver).
func BenchmarkDetectOverlappingCustom(b *testing.B) {
	d, text := abDetector(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(text)
	}
}
