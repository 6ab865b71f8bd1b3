package httpapi

import (
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The public rate limit counts an IPv6 client by its /64: a fresh address
// in the same /64 finds the bucket empty, the next /64 has its own.
func TestPublicRateLimitKeysIPv6By64(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, func(c *Config) { c.PublicBurst = 1; c.TrustedProxyHeader = "X-Forwarded-For" })
		post := func(ip string) int {
			t.Helper()
			return e.do("POST", "/api/v1/public/channels/{forum}/topics", "",
				`{"title":"t","body":"b","author_name":"N","author_email":"n@example.se"}`, map[string]string{"X-Forwarded-For": ip}).Status
		}
		tests := []struct {
			name, ip string
			want     int
		}{
			{"first address of a /64", "2001:db8:1:2::1", 201},
			{"fresh address, same /64", "2001:db8:1:2:ffff:ffff:ffff:ffff", 429},
			{"another /64", "2001:db8:1:3::1", 201},
			{"ipv4 neighbours are separate clients", "192.0.2.10", 201},
			{"the next IPv4 address", "192.0.2.11", 201},
		}
		for _, tt := range tests {
			if got := post(tt.ip); got != tt.want {
				t.Errorf("%s (%s): %d, want %d", tt.name, tt.ip, got, tt.want)
			}
		}
	})
}
