package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/gallra/gallra/internal/pii"
)

// The hand-written JSON is byte for byte what encoding/json's Encoder
// (SetEscapeHTML(false)) writes: every ASCII byte, HTML characters, the
// line separators, invalid UTF-8, Swedish letters, and floats on each side
// of the exponent thresholds.
func TestPIIJSONAsEncoder(t *testing.T) {
	var ascii strings.Builder
	for b := 0; b < 0x80; b++ {
		ascii.WriteByte(byte(b))
	}
	texts := []string{"", ascii.String(), `<a href="x">&amp;</a>`, "rad\u2028två\u2029tre", "fel \xff\xfe här", "åäö ÅÄÖ € 😀", `\"\\`, "slut\xe2\x80"}
	floats := []float64{0, 1, 0.5, 0.95, 0.123456789, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 123456789.125, -0.3}
	for _, s := range texts {
		want := encodeJSON(t, struct {
			Text string `json:"text"`
		}{s})
		if got := string(appendRedacted(nil, s)); got != want {
			t.Errorf("redacted %q:\n got %s\nwant %s", s, got, want)
		}
	}
	var fs []pii.Finding
	for i, s := range texts {
		name := ""
		if i%2 == 1 {
			name = s
		}
		fs = append(fs, pii.Finding{Kind: pii.Kind(s), Start: i, End: -i * 1000000, Text: s, Confidence: floats[i%len(floats)], Name: name})
	}
	for _, f := range floats {
		fs = append(fs, pii.Finding{Kind: "phone", Confidence: f})
	}
	for _, list := range [][]pii.Finding{{}, fs[:1], fs} {
		want := encodeJSON(t, struct {
			Findings []pii.Finding `json:"findings"`
		}{list})
		if got := string(appendScanned(nil, list)); got != want {
			t.Errorf("findings:\n got %s\nwant %s", got, want)
		}
	}
}

func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// oldPIILines is `gallra pii scan|redact --lines` as it was before the
// workers and the hand-written JSON (bufio.Scanner, encoding/json): the
// reference the new output is compared with.
func oldPIILines(in io.Reader, out io.Writer, d *pii.Detector, redact bool) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	type redacted struct {
		Text string `json:"text"`
	}
	type scanned struct {
		Findings []pii.Finding `json:"findings"`
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		var err error
		if !utf8.ValidString(text) {
			err = fmt.Errorf("input is not valid UTF-8")
		} else if redact {
			err = enc.Encode(redacted{d.Redact(text, pii.Replace())})
		} else {
			f := d.Detect(text)
			if f == nil {
				f = []pii.Finding{}
			}
			err = enc.Encode(scanned{f})
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin after line %d: %w", n, err)
	}
	return nil
}

// piiTestVectors are lines from the shared test vectors
// (internal/pii/testdata: the personnummer and organisation number lists
// in each written form inside a sentence, the labelled corpus, the
// hand-written cases) and about 3 MB of the benchmark's text, so that the
// input spans several reads and batches.
func piiTestVectors(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	var list []map[string]any
	for _, f := range []string{"list.json", "orgnumber.json"} {
		raw, err := os.ReadFile("../../internal/pii/testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var l []map[string]any
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		list = append(list, l...)
	}
	for _, e := range list {
		for _, k := range []string{"long_format", "short_format", "separated_format", "separated_long", "input", "output"} {
			if v, ok := e[k].(string); ok {
				fmt.Fprintf(&b, "Mitt nummer är %s, ring \"mig\" <snart> på 070-123 45 67.\n", v)
			}
		}
	}
	corpus, err := os.Open("../../internal/pii/testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer corpus.Close()
	sc := bufio.NewScanner(corpus)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.ReplaceAll(c.Text, "\n", " "))
		b.WriteString("\r\n")
	}
	hand, err := os.ReadFile("../../internal/pii/testdata/handwritten.txt")
	if err != nil {
		t.Fatal(err)
	}
	b.Write(hand)
	b.WriteString("\n\n\r\n\ttab\x01\x1f \u2028 slut\n")
	if err := pii.WriteBenchLines(&b, 3<<20); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// `gallra pii scan|redact --lines` writes what it wrote before the workers
// and the hand-written JSON, byte for byte, on the shared test vectors: with
// one worker and several, read in large chunks or a byte at a time, ending
// with or without a newline; a line that is not UTF-8 stops the run with
// the same output before it and the same error.
func TestPIILinesAsBefore(t *testing.T) {
	vectors := piiTestVectors(t)
	d := pii.Default()
	inputs := map[string]string{
		"vectors":             vectors,
		"no final newline":    strings.TrimRight(vectors, "\n") + "\r",
		"invalid line":        vectors[:4000] + "\nfel \xff rad\nefter\n" + vectors[4000:],
		"invalid last":        "a\nb\xff",
		"empty":               "",
		"only newlines":       "\n\n\r\n",
		"carriage return end": "x\r",
		// Longer than one read buffer: the buffer grows, and the partial
		// line carried into the next buffer is kept whole.
		"line over a buffer": vectors[:2000] + strings.Repeat("ord kund@exempel.se ", (3*readChunk)/20) + "\n" + vectors,
		// Many buffers: they are recycled while earlier batches are
		// still being written.
		"many buffers": strings.Repeat(vectors, 1+(4*readChunk)/max(1, len(vectors))),
	}
	for name, input := range inputs {
		for _, redact := range []bool{false, true} {
			var want bytes.Buffer
			wantErr := fmt.Sprint(oldPIILines(strings.NewReader(input), &want, d, redact))
			handle := func(dst []byte, text string) ([]byte, error) {
				if !utf8.ValidString(text) {
					return dst, fmt.Errorf("input is not valid UTF-8")
				}
				if redact {
					return appendRedacted(dst, d.Redact(text, pii.Replace())), nil
				}
				return appendScanned(dst, d.Detect(text)), nil
			}
			for _, workers := range []int{1, 2, 4} {
				for _, oneByte := range []bool{false, true} {
					if oneByte && len(input) > 20000 {
						continue
					}
					var in io.Reader = strings.NewReader(input)
					if oneByte {
						in = iotest.OneByteReader(in)
					}
					var got bytes.Buffer
					err := fmt.Sprint(runLines(context.Background(), in, &got, workers, handle))
					if got.String() != want.String() || err != wantErr {
						t.Errorf("%s (redact %v, %d workers, byte by byte %v): output differs (%d vs %d bytes) or error %q, want %q",
							name, redact, workers, oneByte, got.Len(), want.Len(), err, wantErr)
					}
				}
			}
		}
	}
}
