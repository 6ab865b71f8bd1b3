package clientip

import (
	"net/http/httptest"
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
