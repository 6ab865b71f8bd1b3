package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientIP returns the end customer's address. Without a configured trusted
// proxy header it is the connection's peer (RemoteAddr). With one, it is the
// LAST address listed in that header: the one our trusted proxy appended,
// since anything before it was sent by the client and can be forged. A
// missing or unparseable header falls back to RemoteAddr.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	if s.proxyHdr != "" {
		vals := r.Header.Values(s.proxyHdr)
		if len(vals) > 0 {
			parts := strings.Split(vals[len(vals)-1], ",")
			last := strings.TrimSpace(parts[len(parts)-1])
			if ip, err := netip.ParseAddr(last); err == nil {
				return ip.Unmap()
			}
			if ap, err := netip.ParseAddrPort(last); err == nil {
				return ap.Addr().Unmap()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return ip.Unmap()
}

// ipLimiter is a token bucket per client IP, in a bounded map: when full,
// idle buckets are dropped first, then the oldest.
type ipLimiter struct {
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

func newIPLimiter(limit rate.Limit, burst, max int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// allow takes a token from ip's bucket at time now.
func (l *ipLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[ip] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets that have refilled (their owner is idle), and if none
// has, the least recently seen one.
func (l *ipLimiter) evict(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	var oldestIP string
	var oldest time.Time
	for ip, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, ip)
			continue
		}
		if oldestIP == "" || b.seen.Before(oldest) {
			oldestIP, oldest = ip, b.seen
		}
	}
	if len(l.buckets) >= l.max && oldestIP != "" {
		delete(l.buckets, oldestIP)
	}
}

// size reports how many buckets are held (for tests).
func (l *ipLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
