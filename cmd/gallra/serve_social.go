package main

import (
	"time"

	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/social"
)

// socialSettings configure the Meta connector, from the environment only
// (secrets never go in flags, which ps would show).
type socialSettings struct {
	appSecret   string // GALLRA_META_APP_SECRET
	verifyToken string // GALLRA_META_VERIFY_TOKEN
	graphURL    string // GALLRA_META_GRAPH_URL (default social.DefaultGraphURL)
}

func socialFromEnv(env *Env) socialSettings {
	return socialSettings{appSecret: env.Getenv("GALLRA_META_APP_SECRET"), verifyToken: env.Getenv("GALLRA_META_VERIFY_TOKEN"), graphURL: env.Getenv("GALLRA_META_GRAPH_URL")}
}

// check builds the connectors: none without an app secret (social channels
// are then mirrored through the API only).
func (s socialSettings) check() ([]social.Connector, error) {
	if s.appSecret == "" {
		return nil, nil
	}
	m, err := social.NewMeta(social.MetaConfig{GraphURL: s.graphURL, AppSecret: s.appSecret, VerifyToken: s.verifyToken})
	if err != nil {
		return nil, usageErr("GALLRA_META_APP_SECRET / GALLRA_META_GRAPH_URL: %v", err)
	}
	return []social.Connector{m}, nil
}

// registerSocialJobs wires the social connectors' jobs (reconciliation
// every 6 hours).
func registerSocialJobs(r *jobs.Runner, svc *services, c service.SocialConfig) {
	service.RegisterSocialJobs(r, svc.features.SocialPlatform, len(c.Connectors) > 0, 6*time.Hour)
}
