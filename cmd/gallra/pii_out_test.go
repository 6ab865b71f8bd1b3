package main

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Buffered output still streams: a line written is out within the flush
// interval, without Close; Close writes the rest and may be called twice.
func TestFlushingWriterStreams(t *testing.T) {
	var out lockedBuf
	w := newFlushingWriter(&out, 10*time.Millisecond)
	if _, err := w.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "one\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed by the timer: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.Write([]byte("two\n"))
	if err := w.Close(); err != nil || out.String() != "one\ntwo\n" {
		t.Fatalf("after Close: %q %v", out.String(), err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
