package pii

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func BenchmarkDetect(b *testing.B) {
	msgs, total := benchMessages(4_000_000)
	d := Default()
	b.SetBytes(int64(total / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for k := 0; b.Loop(); k++ {
		d.Detect(msgs[k%len(msgs)])
	}
}

func BenchmarkDetectClean(b *testing.B) {
	text := strings.Repeat("Hej! Jag undrar när min beställning kommer, den skulle levereras 2024-05-17. Tack på förhand, Åsa. ", 10)
	d := Default()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(text)
	}
}

func TestBenchOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 50 MB")
	}
	var out bytes.Buffer
	if err := Bench(context.Background(), &out, 50); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "pii throughput: ") || !strings.HasSuffix(last, " MB/s") {
		t.Fatalf("last line %q", last)
	}
	t.Log(out.String())
}

func TestBenchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Bench(ctx, &bytes.Buffer{}, 1); err == nil {
		t.Fatal("want context error")
	}
}
