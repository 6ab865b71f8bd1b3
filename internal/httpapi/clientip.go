package httpapi

import (
	"net/http"
	"net/netip"

	"github.com/gallra/gallra/internal/clientip"
)

// clientIP returns the end customer's address (see clientip.From: the last
// hop of the trusted proxy header when one is configured).
func (s *Server) clientIP(r *http.Request) netip.Addr { return clientip.From(r, s.proxyHdr) }

// rateKey is the key the per-client limiter counts ip under: an IPv6
// address by its /64 (see clientip.Key).
func rateKey(ip netip.Addr) string { return clientip.Key(ip) }
