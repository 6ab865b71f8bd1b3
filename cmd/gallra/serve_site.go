package main

import (
	"crypto/rand"
	"log/slog"
	"net"
	neturl "net/url"

	"github.com/gallra/gallra/internal/service"
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

// withAnswerNotify configures the site service's answer notifications:
// links under GALLRA_BASE_URL (sites without a host name of their own)
// and the site's canonical topic paths. The unsubscribe key is derived per
// organisation from its secret in the database (service.NotifyKey), so
// links in mail already sent stay valid across restarts.
func withAnswerNotify(cfg *serveConfig, svc *services) {
	svc.site = svc.site.WithNotify(service.NotifyConfig{BaseURL: cfg.baseURL, TopicPath: site.TopicPath})
}
