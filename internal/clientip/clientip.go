// Package clientip tells the address of the client that sent a request,
// optionally behind a trusted reverse proxy.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// From returns the client's address. Without a trusted proxy header it is
// the connection's peer (RemoteAddr). With one (e.g. "X-Forwarded-For"), it
// is the LAST address in the header's last line: the one the trusted proxy
// appended, since anything before it was sent by the client and can be
// forged. A missing or unparseable header falls back to RemoteAddr; an
// unparseable RemoteAddr gives the unspecified address 0.0.0.0.
func From(r *http.Request, trustedHeader string) netip.Addr {
	if trustedHeader != "" {
		if vals := r.Header.Values(trustedHeader); len(vals) > 0 {
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

// Key returns the key a per-client rate limit counts ip under: an IPv4
// address as it is, an IPv6 address by its /64 prefix ("2001:db8:1:2::/64").
// A /64 is the smallest block a provider hands one subscriber, who can pick
// fresh addresses in it at will, so keying on the full IPv6 address would
// give one client unlimited buckets. IPv4-mapped IPv6 addresses count as
// their IPv4 address, and zones are ignored.
func Key(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, err := ip.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return ip.String()
}
