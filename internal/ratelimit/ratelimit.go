// Package ratelimit keeps a token bucket per key (a client IP, an account)
// in a bounded map, for login and public-endpoint rate limits.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets keyed by string, holding at most max keys.
// When full, buckets idle long enough to have refilled are dropped first,
// then the least recently seen one. It is safe for concurrent use.
type Keyed struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Keyed limiter: limit tokens per second, bursts of burst, at
// most max keys remembered.
func New(limit rate.Limit, burst, max int) *Keyed {
	return &Keyed{limit: limit, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// Allow takes a token from key's bucket at time now and reports whether
// there was one.
func (l *Keyed) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets that have refilled (their owner is idle), and if none
// has, the least recently seen one.
func (l *Keyed) evict(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	var oldestKey string
	var oldest time.Time
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
			continue
		}
		if oldestKey == "" || b.seen.Before(oldest) {
			oldestKey, oldest = k, b.seen
		}
	}
	if len(l.buckets) >= l.max && oldestKey != "" {
		delete(l.buckets, oldestKey)
	}
}

// Len reports how many keys are remembered.
func (l *Keyed) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
