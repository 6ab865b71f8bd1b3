package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/demo"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/takeout"
	"github.com/gallra/gallra/internal/web"
)

func serveCommand() command {
	return command{name: "serve", summary: "run the web server, API and background jobs", run: runServe}
}

// serveConfig is everything serve reads from flags and GALLRA_* variables.
type serveConfig struct {
	databaseURL    string
	addr           string
	metricsAddr    string
	metricsChosen  bool // --metrics-addr or GALLRA_METRICS_ADDR was given
	demo           bool
	bootstrapToken string
	operatorToken  string
	baseURL        string
	trustedProxy   string
	logFormat      string
	logLevel       string
	chatIdleClose  time.Duration
	shutdownGrace  time.Duration
	services       *serviceConfig
	smtp           *smtpSettings
	mailout        *mailoutConfig
}

func parseServe(env *Env, args []string) (*serveConfig, error) {
	fs := newFlags(env, "serve", "[flags]")
	c := &serveConfig{}
	url := dbFlag(env, fs)
	fs.StringVar(&c.addr, "addr", envDefault(env, "GALLRA_ADDR", "127.0.0.1:8080"), "listen address (env GALLRA_ADDR)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", envDefault(env, "GALLRA_METRICS_ADDR", DefaultMetricsAddr),
		"listen address of the Prometheus /metrics endpoint, apart from the public port; off: no metrics (env GALLRA_METRICS_ADDR)")
	fs.BoolVar(&c.demo, "demo", envDefault(env, "GALLRA_DEMO", "") == "true", "fill an empty database with a demo organisation (env GALLRA_DEMO=true)")
	fs.StringVar(&c.trustedProxy, "trusted-proxy-header", envDefault(env, "GALLRA_TRUSTED_PROXY_HEADER", ""),
		"header holding the client IP set by your reverse proxy, e.g. X-Forwarded-For; empty: use the connection's address (env GALLRA_TRUSTED_PROXY_HEADER)")
	fs.StringVar(&c.logFormat, "log-format", envDefault(env, "GALLRA_LOG_FORMAT", "text"), "log format: text or json (env GALLRA_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envDefault(env, "GALLRA_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env GALLRA_LOG_LEVEL)")
	idle := envDefault(env, "GALLRA_CHAT_IDLE_CLOSE", "24h")
	fs.Func("chat-idle-close", "close chats idle this long, so their retention clock starts (env GALLRA_CHAT_IDLE_CLOSE, default 24h)", func(s string) error {
		idle = s
		return nil
	})
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 15*time.Second, "time to finish requests on SIGINT/SIGTERM")
	var set serviceSettings
	fs.StringVar(&set.imapPoll, "imap-poll", envDefault(env, "GALLRA_IMAP_POLL", ""), "how often inboxes with an IMAP account are fetched (env GALLRA_IMAP_POLL, default 2m)")
	set.secretKey = env.Getenv("GALLRA_SECRET_KEY")
	set.social = socialFromEnv(env)
	fs.StringVar(&set.purgeInterval, "purge-interval", envDefault(env, "GALLRA_PURGE_INTERVAL", ""), "how often the retention purge runs (env GALLRA_PURGE_INTERVAL, default 1h)")
	set.caps = map[gallra.Module]*string{}
	for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat} {
		v := new(string)
		fs.StringVar(v, "retention-cap-"+string(m), envDefault(env, gallra.CapEnv(m), ""),
			fmt.Sprintf("operator cap on %s retention, e.g. 30d, 1m or 2y; with a cap, never-purge is refused (env %s)", m, gallra.CapEnv(m)))
		set.caps[m] = v
	}
	fs.StringVar(&set.artefactDir, "artefact-dir", envDefault(env, "GALLRA_ARTEFACT_DIR", takeout.DefaultArtefactDir), "where export ZIPs wait for download (env GALLRA_ARTEFACT_DIR)")
	fs.StringVar(&set.artefactTTL, "artefact-ttl", envDefault(env, "GALLRA_ARTEFACT_TTL", "7d"), "how long exports stay downloadable before they are deleted (env GALLRA_ARTEFACT_TTL)")
	c.smtp = smtpFlags(env, fs)
	mo := mailoutFlags(env, fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := c.smtp.check(); err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(idle)
	if err != nil || d < time.Minute {
		return nil, usageErr("chat idle close %q: give a duration of at least 1m, e.g. 24h", idle)
	}
	c.chatIdleClose = d
	if c.mailout, err = mo.check(); err != nil {
		return nil, err
	}
	if c.services, err = set.check(); err != nil {
		return nil, err
	}
	c.databaseURL = *url
	c.bootstrapToken = env.Getenv("GALLRA_BOOTSTRAP_TOKEN")
	if err := checkBootstrapToken(c.bootstrapToken); err != nil {
		return nil, err
	}
	c.operatorToken = env.Getenv("GALLRA_OPERATOR_TOKEN")
	if err := checkOperatorToken(c.operatorToken); err != nil {
		return nil, err
	}
	if c.baseURL, err = checkBaseURL(env.Getenv("GALLRA_BASE_URL")); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return nil, usageErr("address %q: give host:port, e.g. 127.0.0.1:8080", c.addr)
	}
	c.metricsChosen = env.Getenv("GALLRA_METRICS_ADDR") != ""
	fs.Visit(func(f *flag.Flag) { c.metricsChosen = c.metricsChosen || f.Name == "metrics-addr" })
	if c.metricsAddr == "off" {
		c.metricsAddr = ""
	} else if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
		return nil, usageErr("metrics address %q: give host:port, e.g. %s, or off", c.metricsAddr, DefaultMetricsAddr)
	} else if c.metricsAddr == c.addr && !strings.HasSuffix(c.addr, ":0") {
		return nil, usageErr("metrics address %q is the public address: give the metrics their own port", c.metricsAddr)
	}
	return c, nil
}

// DefaultMetricsAddr is where /metrics is served unless configured: loopback
// only, so traffic figures never reach the public internet by default.
const DefaultMetricsAddr = "127.0.0.1:9464"

// serveMetrics serves the Prometheus metrics on their own listener until ctx
// ends; a non-loopback address is allowed (a scraper on another host) but
// logged, since nothing but the network guards it.
func serveMetrics(ctx context.Context, env *Env, log *slog.Logger, addr string, h http.Handler) (stop func(context.Context), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		log.Warn("metrics listen on a non-loopback address; restrict who can reach it with a firewall", "addr", ln.Addr().String())
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	fmt.Fprintf(env.Stdout, "Metrics on http://%s/metrics\n", ln.Addr())
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	return func(ctx context.Context) { _ = srv.Shutdown(ctx) }, nil
}

// Bootstrap token lengths, in characters: a guessable token would hand the
// first organisation's admin rights to whoever guesses it, and the API
// refuses bearer secrets longer than the maximum.
const (
	MinBootstrapTokenLen = 32
	MaxBootstrapTokenLen = 200
)

// checkBootstrapToken refuses a GALLRA_BOOTSTRAP_TOKEN that is too short
// to be a secret (or too long to be accepted by the API); unset is fine (a
// random token is made). The error names the variable, never the value.
func checkBootstrapToken(tok string) error {
	if tok == "" {
		return nil
	}
	n := utf8.RuneCountInString(tok)
	if n < MinBootstrapTokenLen || len(tok) > MaxBootstrapTokenLen {
		return usageErr("GALLRA_BOOTSTRAP_TOKEN is %d characters long; it must have at least %d and at most %d: give a random secret (e.g. the output of `openssl rand -hex 32`), or leave it unset to have one made", n, MinBootstrapTokenLen, MaxBootstrapTokenLen)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return usageErr("GALLRA_BOOTSTRAP_TOKEN must not contain spaces or line breaks")
	}
	return nil
}

// checkOperatorToken refuses a GALLRA_OPERATOR_TOKEN that is too short to
// be a secret (it opens every organisation's lifecycle); unset is fine (the
// operator API then answers 404). The error names the variable, never the
// value.
func checkOperatorToken(tok string) error {
	if tok == "" {
		return nil
	}
	n := utf8.RuneCountInString(tok)
	if n < httpapi.MinOperatorTokenLen || len(tok) > MaxBootstrapTokenLen || strings.ContainsAny(tok, " \t\r\n") {
		return usageErr("GALLRA_OPERATOR_TOKEN is %d characters long; give a random secret of %d to %d characters without spaces (e.g. the output of `openssl rand -hex 32`), or leave it unset to turn the operator API off", n, httpapi.MinOperatorTokenLen, MaxBootstrapTokenLen)
	}
	return nil
}

// linkBase is the address sign-in links are built from: GALLRA_BASE_URL,
// or the listen address.
func (c *serveConfig) linkBase() string {
	if c.baseURL != "" {
		return c.baseURL
	}
	return "http://" + c.addr
}

// checkBaseURL checks GALLRA_BASE_URL, the public address of the UI that
// login links are built from, and returns it without a trailing slash
// (empty when unset).
func checkBaseURL(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	if raw == "" {
		return "", nil
	}
	u, err := neturl.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", usageErr("GALLRA_BASE_URL %q: give the UI's public address, e.g. https://gallra.example.se", raw)
	}
	return raw, nil
}

func runServe(ctx context.Context, env *Env, args []string) error {
	cfg, err := parseServe(env, args)
	if err != nil {
		return err
	}
	log, err := newLogger(env, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, env, cfg.databaseURL, true)
	if err != nil {
		return err
	}
	defer db.Close()
	db = db.WithScanner(orgpii.New(db)) // sensitive-data flags, with each organisation's patterns
	log.Info("database ready", "dialect", db.Dialect())

	if err := firstStart(ctx, env, db, cfg); err != nil {
		return err
	}

	if ids, err := db.AddressConflicts(ctx); err != nil {
		return err
	} else if len(ids) > 0 {
		log.Warn("inboxes without an address: another organisation's older inbox has it; an administrator chooses a new one on the admin page", "channel_ids", ids)
	}

	cfg.services.operator = service.OperatorConfig{BaseURL: cfg.linkBase(), ArtefactDir: cfg.services.takeout.ArtefactDir}
	cfg.services.social.StatusBaseURL = cfg.linkBase()
	svc := buildServices(db, env.Clock, log, cfg.services)
	withAnswerNotify(cfg, svc)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	api, err := httpapi.New(httpapi.Config{Logger: log, Clock: env.Clock, TrustedProxyHeader: cfg.trustedProxy, Registry: reg, Version: version,
		PolicyText: svc.retention.PublicPolicyText, Takeout: svc.takeout, Services: svc.features, Detectors: svc.detectors, OperatorToken: cfg.operatorToken, Extra: []func(*httpapi.Router){httpapi.RetentionRoutes(svc.retention), httpapi.PrivacyRoutes(svc.privacy)}})
	if err != nil {
		return err
	}
	ui, err := newWebUI(env, log, cfg.trustedProxy, cfg.baseURL, svc)
	if err != nil {
		return err
	}

	runner := jobs.New(db, log)
	registerJobs(runner, db, cfg, svc, log)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	stopMetrics := func(context.Context) {}
	if cfg.metricsAddr != "" {
		stop, err := serveMetrics(ctx, env, log, cfg.metricsAddr, api.MetricsHandler())
		switch {
		case err == nil:
			stopMetrics = stop
		case cfg.metricsChosen:
			ln.Close()
			return err
		default:
			// The default port may be taken by a second process on the
			// host: it runs without metrics rather than not at all.
			log.Warn("metrics not served: the default metrics address is taken; set --metrics-addr", "addr", cfg.metricsAddr)
		}
	}
	pub, err := newPublicSite(env, log, cfg, svc)
	if err != nil {
		return err
	}
	chatUI, err := chatlive.New(chatlive.Config{Service: svc.features.ChatLive, Logger: log, Clock: env.Clock, TrustedProxyHeader: cfg.trustedProxy,
		Notice: svc.retention.ChannelPolicyText})
	if err != nil {
		ln.Close()
		return err
	}
	go svc.chatHub.Run(ctx) // wakes chat readers: NOTIFY from other processes, polling
	srv := &http.Server{Handler: web.WithChat(web.Compose(api.Handler(), pub.Wrap(ui)), chatUI), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(env.Stdout, "Gallra %s listening on http://%s/\n", version, ln.Addr())
	log.Info("listening", "addr", ln.Addr().String())

	stopSMTP, smtpAddr, err := startSMTP(env, log, cfg.smtp, svc.features.Mail)
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.demo && smtpAddr != "" && !cfg.smtp.lmtp {
		fmt.Fprintf(env.Stdout, "Send a sample mail to the demo inbox: go run ./cmd/gallra mail send-test --smtp %s --to %s\n", smtpAddr, demo.InboxAddress(demoOrgName))
	}
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- runner.Run(ctx) }()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-srvDone:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownGrace)
	defer cancel()
	if stopSMTP != nil {
		stopSMTP(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	stopMetrics(sctx)
	select {
	case <-jobsDone:
	case <-sctx.Done():
	}
	log.Info("stopped")
	return nil
}

// registerJobs wires the background jobs serve runs on schedules.
func registerJobs(r *jobs.Runner, db *store.DB, cfg *serveConfig, svc *services, log *slog.Logger) {
	r.Handle("chat.close_idle", func(ctx context.Context, _ *store.Job) error {
		_, err := db.CloseIdleChats(ctx, cfg.chatIdleClose, 500)
		return err
	})
	r.Every("chat.close_idle", 10*time.Minute)
	r.Handle("jobs.cleanup", func(ctx context.Context, _ *store.Job) error {
		now := db.Now()
		_, err := db.DeleteFinishedJobs(ctx, now.AddDate(0, 0, -7), now.AddDate(0, 0, -90))
		return err
	})
	r.Every("jobs.cleanup", 24*time.Hour)
	// Deletions of organisations started by the operator API, or
	// interrupted, are carried out (and resumed) here.
	r.Handle("organisations.delete", func(ctx context.Context, _ *store.Job) error {
		_, err := svc.features.Operator.ResumeDeletions(ctx)
		return err
	})
	r.Every("organisations.delete", time.Minute)
	r.Handle("mail.imap_fetch", func(ctx context.Context, _ *store.Job) error {
		_, err := svc.features.IMAP.FetchAllIMAP(ctx)
		return err
	})
	r.Every("mail.imap_fetch", svc.imapEvery)
	svc.takeout.RegisterJobs(r)
	svc.retention.Register(r, svc.purgeEvery)
	mailout.New(db, cfg.mailout.sender(), cfg.mailout.DKIM, log).Register(r)
	registerSocialJobs(r, svc, svc.social)
}

// demoOrgName is the organisation serve --demo creates.
const demoOrgName = "Demo Kommun"

// firstStart creates the first organisation on an empty database: the demo
// organisation with --demo, and an admin with a bootstrap token (the value of
// GALLRA_BOOTSTRAP_TOKEN, or a random one printed once).
func firstStart(ctx context.Context, env *Env, db *store.DB, cfg *serveConfig) error {
	n, err := db.CountOrganisations(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		if cfg.demo {
			fmt.Fprintln(env.Stdout, "Database already has data: --demo left it as it is.")
		}
		return nil
	}
	name := "Default"
	if cfg.demo {
		name = demoOrgName
	}
	org, admin, secret, err := db.Bootstrap(ctx, name, "Administrator", "admin@gallra.invalid", cfg.bootstrapToken)
	if err != nil {
		return fmt.Errorf("create first organisation: %w", err)
	}
	if cfg.demo {
		if err := demo.Seed(ctx, db, org, admin); err != nil {
			return fmt.Errorf("fill demo data: %w", err)
		}
		fmt.Fprintf(env.Stdout, "Created demo organisation %q with sample content in every module.\n", org.Name)
	}
	if cfg.bootstrapToken == "" {
		fmt.Fprintf(env.Stdout, "\nFirst start: created organisation %q and an admin.\nAdmin API token (shown once, keep it safe):\n\n    %s\n\nUse it as: curl -H 'Authorization: Bearer %s' http://%s/api/v1/me\n\n", org.Name, secret, secret, cfg.addr)
	} else {
		fmt.Fprintf(env.Stdout, "First start: created organisation %q with the token from GALLRA_BOOTSTRAP_TOKEN.\n", org.Name)
	}
	return printSetupLink(ctx, env, service.New(service.Deps{DB: db, Clock: env.Clock}).Staff, admin, cfg.addr)
}
