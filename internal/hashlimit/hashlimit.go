// Package hashlimit bounds how many memory-hard password hashes (argon2id,
// 19 MiB each) run at once, so that a burst of sign-in attempts costs a
// bounded amount of memory and CPU instead of all of it.
package hashlimit

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gallra/gallra"
)

// DefaultWait is how long a caller waits for a free slot before it is
// refused, when Config.Wait is zero.
const DefaultWait = 2 * time.Second

// RetryAfter is the Retry-After, in seconds, that a refused sign-in answers.
const RetryAfter = "5"

// DefaultSlots is the number of hashes in flight when Config.Slots is zero:
// half the cores Go runs on (runtime.GOMAXPROCS), at least one. Each hash
// keeps a core busy for its whole run, so the other half stays free for
// every other request: on two cores, two slots put the p50 of an unrelated
// GET during a sign-in burst at ~35 ms, one slot at ~0.5 ms (gallra bench
// signin).
func DefaultSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Config sets a Limiter's size.
type Config struct {
	// Slots is how many hashes may run at once. Zero means DefaultSlots;
	// a negative value disables the bound (for comparison in benchmarks
	// only).
	Slots int
	// Wait is how long a caller waits for a slot before it gets
	// ERATELIMIT; zero means DefaultWait.
	Wait time.Duration
	// Queue is how many callers may wait at once; more are refused with
	// ERATELIMIT at once. Zero means QueuePerSlot per slot.
	Queue int
}

// QueuePerSlot is how many waiting callers a slot has when Config.Queue is
// zero: about as many as it can serve within DefaultWait on a busy machine.
// Refusing the rest at once, rather than after the wait, spreads a burst's
// refusals over its arrival instead of answering them all in one instant.
const QueuePerSlot = 8

// Limiter is a counting semaphore over password hashes. The zero value is
// not usable; create one with New. It is safe for concurrent use, and one
// is shared by everything hashing passwords for a database.
type Limiter struct {
	slots   chan struct{} // nil: unbounded
	wait    time.Duration
	queue   int64
	waiting atomic.Int64
}

// New returns a Limiter configured by c.
func New(c Config) *Limiter {
	l := &Limiter{wait: c.Wait}
	if l.wait <= 0 {
		l.wait = DefaultWait
	}
	n := c.Slots
	if n == 0 {
		n = DefaultSlots()
	}
	if n > 0 {
		l.slots = make(chan struct{}, n)
	}
	l.queue = int64(c.Queue)
	if l.queue <= 0 {
		l.queue = int64(QueuePerSlot * max(n, 1))
	}
	return l
}

// Slots reports how many hashes may run at once (0: unbounded).
func (l *Limiter) Slots() int { return cap(l.slots) }

// Do runs fn while holding a slot. When every slot is taken it waits up to
// the configured wait for one; if none frees up in time, or the queue of
// waiters is already full, it returns ERATELIMIT without running fn, and if
// ctx ends first it returns ctx's error (wrapped). fn itself is not
// interrupted: a hash, once started, finishes.
func (l *Limiter) Do(ctx context.Context, fn func()) error {
	if l.slots == nil {
		fn()
		return nil
	}
	select {
	case l.slots <- struct{}{}:
	default:
		if l.waiting.Add(1) > l.queue {
			l.waiting.Add(-1)
			return busy()
		}
		defer l.waiting.Add(-1)
		t := time.NewTimer(l.wait)
		defer t.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("wait for a password hash slot: %w", ctx.Err())
		case <-t.C:
			return busy()
		}
	}
	defer func() { <-l.slots }()
	fn()
	return nil
}

func busy() error {
	return gallra.Errorf(gallra.ERATELIMIT, "sign-in is busy; try again in a few seconds")
}
