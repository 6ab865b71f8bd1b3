package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/privacy"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/takeout"
)

// services are the feature services serve builds once and shares between the
// API, the web UI and the job runner, so all three see the same settings.
type services struct {
	features   *gallra.Services
	detectors  *orgpii.Redactors
	retention  *retention.Engine
	takeout    *takeout.Service
	purgeEvery time.Duration
	imapEvery  time.Duration
	privacy    *privacy.Service
	site       *service.Site // the public site (forums, knowledge bases, privacy page)
	chatHub    *service.ChatHub
	social     service.SocialConfig
}

// serviceSettings are the serve flags (defaulting to GALLRA_* variables)
// that configure the services, as given.
type serviceSettings struct {
	purgeInterval string
	caps          map[gallra.Module]*string
	artefactDir   string
	artefactTTL   string
	secretKey     string // GALLRA_SECRET_KEY (environment only: never a flag, which ps would show)
	imapPoll      string
	social        socialSettings
}

// serviceConfig is serviceSettings checked and parsed.
type serviceConfig struct {
	caps       gallra.Caps
	takeout    takeout.Config
	purgeEvery time.Duration
	operator   service.OperatorConfig // set by serve (base URL, artefact folder)
	secrets    *secretbox.Box         // nil without GALLRA_SECRET_KEY
	imapEvery  time.Duration
	social     service.SocialConfig
}

// check parses the settings, naming the setting (flag and variable) that is
// wrong. serve checks them before it touches the database: running a purge
// with caps other than the operator configured is worse than not starting.
func (set serviceSettings) check() (*serviceConfig, error) {
	c := &serviceConfig{caps: gallra.Caps{}, purgeEvery: retention.DefaultInterval, imapEvery: DefaultIMAPPoll}
	for _, m := range gallra.PurgedModules() {
		v := ""
		if p := set.caps[m]; p != nil {
			v = *p
		}
		if err := c.caps.Set(m, v); err != nil {
			return nil, usageErr("--retention-cap-%s (%s) %q: %s", m, gallra.CapEnv(m), v, gallra.ErrorMessage(err))
		}
	}
	c.takeout.ArtefactDir = set.artefactDir
	if set.artefactTTL != "" {
		d, err := takeout.ParseTTL(set.artefactTTL)
		if err != nil {
			return nil, usageErr("--artefact-ttl (GALLRA_ARTEFACT_TTL) %q: %s", set.artefactTTL, gallra.ErrorMessage(err))
		}
		c.takeout.ArtefactTTL = d
	}
	if set.purgeInterval != "" {
		d, err := time.ParseDuration(set.purgeInterval)
		if err != nil || d < time.Minute {
			return nil, usageErr("--purge-interval (GALLRA_PURGE_INTERVAL) %q: give a duration of at least 1m, e.g. 1h", set.purgeInterval)
		}
		c.purgeEvery = d
	}
	if set.imapPoll != "" {
		d, err := time.ParseDuration(set.imapPoll)
		if err != nil || d < 30*time.Second {
			return nil, usageErr("--imap-poll (GALLRA_IMAP_POLL) %q: give a duration of at least 30s, e.g. 2m", set.imapPoll)
		}
		c.imapEvery = d
	}
	if set.secretKey != "" {
		box, err := secretbox.New(set.secretKey)
		if err != nil {
			return nil, usageErr("GALLRA_SECRET_KEY: %v", err)
		}
		c.secrets = box
	}
	conns, err := set.social.check()
	if err != nil {
		return nil, err
	}
	c.social.Connectors = conns
	return c, nil
}

// DefaultIMAPPoll is how often inboxes with an IMAP account are fetched
// unless --imap-poll says otherwise.
const DefaultIMAPPoll = 2 * time.Minute

// buildServices builds the services from checked settings.
func buildServices(db *store.DB, clock gallra.Clock, log *slog.Logger, c *serviceConfig) *services {
	detectors := orgpii.New(db)
	hub := service.NewChatHub(db, service.ChatHubConfig{Log: log})
	ret := retention.New(db, detectors, retention.Config{Caps: c.caps, Logger: log})
	// The privacy register reads the live policies; the retention
	// engine's privacy text is the register's notice; exports carry the
	// register's Art. 15 information.
	priv := privacy.New(db, ret, privacy.Config{Clock: clock, IPStorage: func(ctx context.Context, orgID int64, m gallra.Module) (string, error) {
		mode, err := service.IPStorageOf(ctx, db, orgID, m)
		return string(mode), err
	}})
	ret.UseNotices(priv)
	tc := c.takeout
	tc.Privacy = priv
	features := service.New(service.Deps{DB: db, Clock: clock, Log: log, Operator: c.operator, Secrets: c.secrets, ChatHub: hub, Social: c.social})
	features.Privacy = priv
	return &services{
		chatHub:    hub,
		features:   features,
		detectors:  detectors,
		retention:  ret,
		takeout:    takeout.New(db, log, tc),
		imapEvery:  c.imapEvery,
		purgeEvery: c.purgeEvery,
		privacy:    priv,
		site:       service.NewSite(service.Deps{DB: db, Clock: clock, Log: log}, ret.ChannelPolicyText),
		social:     c.social,
	}
}
