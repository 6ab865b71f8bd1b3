package clientip

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestFrom(t *testing.T) {
	cases := []struct {
		name, remote, header string
		lines                []string
		want                 string
	}{
		{"no proxy", "192.0.2.1:5555", "", []string{"203.0.113.9"}, "192.0.2.1"},
		{"ipv4-mapped peer", "[::ffff:192.0.2.1]:5555", "", nil, "192.0.2.1"},
		{"ipv6 peer", "[2001:db8::1]:443", "", nil, "2001:db8::1"},
		{"proxy: last hop wins", "10.0.0.2:1", "X-Forwarded-For", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{"proxy: last header line wins", "10.0.0.2:1", "X-Forwarded-For", []string{"198.51.100.66", "203.0.113.9"}, "203.0.113.9"},
		{"proxy: address with port", "10.0.0.2:1", "X-Real-IP", []string{"203.0.113.9:8080"}, "203.0.113.9"},
		{"proxy: garbage falls back", "10.0.0.2:1", "X-Forwarded-For", []string{"not-an-ip"}, "10.0.0.2"},
		{"proxy configured, header missing", "10.0.0.2:1", "X-Forwarded-For", nil, "10.0.0.2"},
		{"unparseable peer", "pipe", "", nil, "0.0.0.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			h := c.header
			if h == "" {
				h = "X-Forwarded-For"
			}
			for _, l := range c.lines {
				r.Header.Add(h, l)
			}
			if got := From(r, c.header).String(); got != c.want {
				t.Fatalf("From = %s, want %s", got, c.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	cases := []struct {
		name, ip, want string
	}{
		{"ipv4 as it is", "203.0.113.9", "203.0.113.9"},
		{"ipv4 neighbours differ", "203.0.113.10", "203.0.113.10"},
		{"ipv4-mapped counts as ipv4", "::ffff:203.0.113.9", "203.0.113.9"},
		{"ipv6 by its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"another address in the same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"the next /64 is another key", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"zone ignored", "fe80::1%eth0", "fe80::/64"},
		{"loopback", "::1", "::/64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Key(netip.MustParseAddr(c.ip)); got != c.want {
				t.Fatalf("Key(%s) = %q, want %q", c.ip, got, c.want)
			}
		})
	}
}
