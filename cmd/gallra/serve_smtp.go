package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/smtpd"
)

// smtpSettings are serve's inbound mail flags (defaulting to GALLRA_SMTP_*).
type smtpSettings struct {
	addr, domain, certFile, keyFile string
	lmtp                            bool
}

// smtpFlags registers the inbound mail flags on fs.
func smtpFlags(env *Env, fs *flag.FlagSet) *smtpSettings {
	s := &smtpSettings{}
	fs.StringVar(&s.addr, "smtp-addr", envDefault(env, "GALLRA_SMTP_ADDR", ""), "receive inbound mail over SMTP (or LMTP) on host:port; empty: off (env GALLRA_SMTP_ADDR)")
	fs.BoolVar(&s.lmtp, "smtp-lmtp", envDefault(env, "GALLRA_SMTP_LMTP", "") == "true", "speak LMTP instead of SMTP, for delivery from a local Postfix (env GALLRA_SMTP_LMTP=true)")
	fs.StringVar(&s.domain, "smtp-domain", envDefault(env, "GALLRA_SMTP_DOMAIN", ""), "host name in the SMTP greeting, e.g. mx.kommun.se (env GALLRA_SMTP_DOMAIN)")
	fs.StringVar(&s.certFile, "smtp-tls-cert", envDefault(env, "GALLRA_SMTP_TLS_CERT", ""), "PEM certificate offered with STARTTLS (env GALLRA_SMTP_TLS_CERT)")
	fs.StringVar(&s.keyFile, "smtp-tls-key", envDefault(env, "GALLRA_SMTP_TLS_KEY", ""), "PEM private key of --smtp-tls-cert (env GALLRA_SMTP_TLS_KEY)")
	return s
}

// check validates the settings before serve touches the database.
func (s *smtpSettings) check() error {
	if s.addr == "" {
		if s.lmtp || s.certFile != "" || s.keyFile != "" {
			return usageErr("--smtp-lmtp and --smtp-tls-* need --smtp-addr (GALLRA_SMTP_ADDR)")
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(s.addr); err != nil {
		return usageErr("--smtp-addr (GALLRA_SMTP_ADDR) %q: give host:port, e.g. 0.0.0.0:25 or 127.0.0.1:2525", s.addr)
	}
	if (s.certFile == "") != (s.keyFile == "") {
		return usageErr("give both --smtp-tls-cert and --smtp-tls-key (GALLRA_SMTP_TLS_CERT, GALLRA_SMTP_TLS_KEY), or neither")
	}
	return nil
}

// startSMTP starts the inbound mail receiver when --smtp-addr is set and
// returns a function that stops it and the address it listens on (nil and
// "" when off).
func startSMTP(env *Env, log *slog.Logger, s *smtpSettings, mail gallra.MailService) (stop func(context.Context), addr string, err error) {
	if s.addr == "" {
		return nil, "", nil
	}
	cfg := smtpd.Config{LMTP: s.lmtp, Domain: s.domain, Log: log}
	if s.certFile != "" {
		cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
		if err != nil {
			return nil, "", fmt.Errorf("load the SMTP TLS certificate (GALLRA_SMTP_TLS_CERT, GALLRA_SMTP_TLS_KEY): %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen for mail on %s: %w", s.addr, err)
	}
	srv := smtpd.New(mail, cfg)
	proto := "SMTP"
	if s.lmtp {
		proto = "LMTP"
	}
	fmt.Fprintf(env.Stdout, "Receiving mail over %s on %s (STARTTLS: %v)\n", proto, ln.Addr(), cfg.TLS != nil)
	log.Info("mail receiver listening", "protocol", proto, "addr", ln.Addr().String(), "starttls", cfg.TLS != nil)
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Error("mail receiver stopped", "err", err)
		}
	}()
	return func(ctx context.Context) {
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("mail receiver shutdown", "err", err)
		}
	}, ln.Addr().String(), nil
}
