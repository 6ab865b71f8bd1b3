package main

import (
	"crypto/rand"
	"log/slog"
	"net"
	neturl "net/url"

	"github.com/gallra/gallra/internal/site"
)

// newPublicSite builds the public site's handler (internal/site). Forms
// are signed with a key made at start: a form opened before a restart is
// refused once with "send it again" and works the second time.
func newPublicSite(env *Env, log *slog.Logger, cfg *serveConfig, svc *services) (*site.Handler, error) {
	key := make([]byte, 32)
	rand.Read(key)
	var main []string
	if host, _, err := net.SplitHostPort(cfg.addr); err == nil {
		main = append(main, host)
	}
	if u, err := neturl.Parse(cfg.baseURL); err == nil && u.Hostname() != "" {
		main = append(main, u.Hostname())
	}
	return site.New(site.Config{Service: svc.site, Logger: log, Clock: env.Clock, Key: key, TrustedProxyHeader: cfg.trustedProxy, MainHosts: main})
}
