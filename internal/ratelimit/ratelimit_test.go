package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestKeyed(t *testing.T) {
	l := New(1, 2, 3) // 1/s, burst 2, 3 keys
	now := time.Unix(0, 0)
	if !l.Allow("a", now) || !l.Allow("a", now) {
		t.Fatal("burst refused")
	}
	if l.Allow("a", now) {
		t.Fatal("over the burst allowed")
	}
	if !l.Allow("b", now) {
		t.Fatal("another key shares a bucket")
	}
	if !l.Allow("a", now.Add(time.Second)) {
		t.Fatal("bucket did not refill")
	}
	for i := 0; i < 10; i++ {
		l.Allow(fmt.Sprintf("k%d", i), now.Add(time.Second))
	}
	if n := l.Len(); n > 3 {
		t.Fatalf("holds %d keys, want at most 3", n)
	}
	if !l.Allow("k9", now.Add(3*time.Second)) {
		t.Error("refilled bucket refused")
	}
}
