package hashlimit_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
)

// Never more than Slots functions run at once; callers beyond the bound
// wait, and those still waiting after Wait get ERATELIMIT.
func TestLimiterBoundsConcurrency(t *testing.T) {
	tests := []struct {
		name      string
		cfg       hashlimit.Config
		wantSlots int // 0: unbounded
	}{
		{"one slot", hashlimit.Config{Slots: 1, Wait: 50 * time.Millisecond}, 1},
		{"three slots", hashlimit.Config{Slots: 3, Wait: 50 * time.Millisecond}, 3},
		{"default: half the cores", hashlimit.Config{Wait: 50 * time.Millisecond}, max(1, runtime.GOMAXPROCS(0)/2)},
		{"disabled", hashlimit.Config{Slots: -1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := hashlimit.New(tt.cfg)
			if got := l.Slots(); got != tt.wantSlots {
				t.Fatalf("Slots() = %d, want %d", got, tt.wantSlots)
			}
			const callers = 12
			var inFlight, peak, limited atomic.Int32
			block := make(chan struct{})
			var wg sync.WaitGroup
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := l.Do(context.Background(), func() {
						n := inFlight.Add(1)
						for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
						}
						<-block
						inFlight.Add(-1)
					})
					if gallra.ErrorCode(err) == gallra.ERATELIMIT {
						limited.Add(1)
					} else if err != nil {
						t.Errorf("Do: %v", err)
					}
				}()
			}
			time.Sleep(200 * time.Millisecond) // past Wait: the waiting callers have given up
			close(block)
			wg.Wait()
			wantPeak, wantLimited := int32(tt.wantSlots), int32(callers-tt.wantSlots)
			if tt.wantSlots == 0 || tt.wantSlots > callers {
				wantPeak, wantLimited = callers, 0
			}
			if peak.Load() != wantPeak || limited.Load() != wantLimited {
				t.Fatalf("peak %d in flight, %d refused; want %d and %d", peak.Load(), limited.Load(), wantPeak, wantLimited)
			}
		})
	}
}

// A caller that finds the queue of waiters full is refused at once, not
// after the wait.
func TestLimiterRefusesAtOnceWhenQueueIsFull(t *testing.T) {
	l := hashlimit.New(hashlimit.Config{Slots: 1, Queue: 1, Wait: 10 * time.Second})
	block, started := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = l.Do(context.Background(), func() { close(started); <-block }) }()
	<-started
	go func() { defer wg.Done(); _ = l.Do(context.Background(), func() {}) }() // the one waiter
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	err := l.Do(context.Background(), func() { t.Error("ran past a full queue") })
	if gallra.ErrorCode(err) != gallra.ERATELIMIT || time.Since(start) > time.Second {
		t.Fatalf("third caller: %v after %v, want ERATELIMIT at once", err, time.Since(start))
	}
	close(block)
	wg.Wait()
}
