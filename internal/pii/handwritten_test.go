package pii

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// parseMarked turns "a [[phone:070…]] b" into text and entities. A literal
// \n in the file stands for a line break inside the message.
func parseMarked(tb testing.TB, line string) corpusLine {
	tb.Helper()
	var b strings.Builder
	var ents []corpusEntity
	for {
		i := strings.Index(line, "[[")
		if i < 0 {
			b.WriteString(line)
			break
		}
		j := strings.Index(line[i:], "]]") + i
		b.WriteString(line[:i])
		kind, text, ok := strings.Cut(line[i+2:j], ":")
		k, err := ParseKind(kind)
		if !ok || err != nil {
			tb.Fatalf("bad mark %q", line[i:j+2])
		}
		ents = append(ents, corpusEntity{Kind: k, Start: b.Len(), End: b.Len() + len(text)})
		b.WriteString(text)
		line = line[j+2:]
	}
	return corpusLine{Text: b.String(), Entities: ents}
}

// TestHandwritten reports precision and recall on hand-written messages
// (exact span match, as in TestCorpusQuality). It fails under the same
// thresholds as the corpus.
func TestHandwritten(t *testing.T) {
	f, err := os.Open("testdata/handwritten.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := MustDefault(t)
	var c prCount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		l := parseMarked(t, strings.ReplaceAll(sc.Text(), `\n`, "\n"))
		matched := make([]bool, len(l.Entities))
	findings:
		for _, fd := range d.Detect(l.Text) {
			for k, e := range l.Entities {
				if e.Kind == fd.Kind && e.Start == fd.Start && e.End == fd.End {
					matched[k] = true
					c.tp++
					continue findings
				}
			}
			c.fp++
			t.Logf("FP %s %q in %q", fd.Kind, fd.Text, l.Text)
		}
		for k, e := range l.Entities {
			if !matched[k] {
				c.fn++
				t.Logf("FN %s %q in %q", e.Kind, l.Text[e.Start:e.End], l.Text)
			}
		}
	}
	t.Logf("handwritten: precision %.3f recall %.3f (tp %d fp %d fn %d)", c.precision(), c.recall(), c.tp, c.fp, c.fn)
	if c.precision() < 0.97 || c.recall() < 0.95 {
		t.Errorf("precision %.3f recall %.3f, want ≥ 0.97 / 0.95", c.precision(), c.recall())
	}
}
