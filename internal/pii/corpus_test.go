package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"
)

type prCount struct{ tp, fp, fn int }

func (c prCount) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c prCount) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// TestCorpusQuality measures precision and recall per kind on the labelled
// corpus. Matching is exact: a finding counts as a true positive only if an
// entity has the same kind, start and end. A partial overlap, or the right
// span with the wrong kind, counts as one false positive (the finding) and
// one false negative (the entity).
func TestCorpusQuality(t *testing.T) {
	d, err := New(Options{Custom: []CustomPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	per := map[Kind]*prCount{}
	get := func(k Kind) *prCount {
		if per[k] == nil {
			per[k] = &prCount{}
		}
		return per[k]
	}
	var total prCount
	lines := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		lines++
		found := d.Detect(l.Text)
		matched := make([]bool, len(l.Entities))
		for _, fd := range found {
			k := slices.IndexFunc(l.Entities, func(e corpusEntity) bool {
				return e.Kind == fd.Kind && e.Start == fd.Start && e.End == fd.End
			})
			if k >= 0 {
				matched[k] = true
				get(fd.Kind).tp++
				total.tp++
				continue
			}
			get(fd.Kind).fp++
			total.fp++
			if testing.Verbose() {
				t.Logf("FP %s %q in %q", fd.Kind, fd.Text, l.Text)
			}
		}
		for k, e := range l.Entities {
			if !matched[k] {
				get(e.Kind).fn++
				total.fn++
				if testing.Verbose() {
					t.Logf("FN %s %q in %q", e.Kind, l.Text[e.Start:e.End], l.Text)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		if c, ok := per[k]; ok {
			t.Logf("%-18s precision %.3f recall %.3f (tp %d fp %d fn %d)", k, c.precision(), c.recall(), c.tp, c.fp, c.fn)
		}
	}
	t.Logf("%-18s precision %.3f recall %.3f (tp %d fp %d fn %d) over %d messages", "overall",
		total.precision(), total.recall(), total.tp, total.fp, total.fn, lines)
	if lines < 1000 {
		t.Errorf("corpus has %d messages, want ≥ 1000", lines)
	}
	if total.precision() < 0.97 || total.recall() < 0.95 {
		t.Errorf("overall precision %.3f recall %.3f, want ≥ 0.97 / 0.95", total.precision(), total.recall())
	}
}
