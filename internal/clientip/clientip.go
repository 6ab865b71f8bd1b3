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
