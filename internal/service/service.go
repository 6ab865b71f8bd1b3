// Package service implements the feature services of package gallra
// (gallra.Services) on the store: validation, authorization by the role
// rules of gallra.Permission, and the audit entry, in one transaction. The
// JSON API, the web UI and the CLI call these services and never the store.
package service

import (
	"log/slog"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/imapfetch"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/store"
)

// Deps are what the services share.
type Deps struct {
	DB    *store.DB
	Clock gallra.Clock // default gallra.SystemClock
	Log   *slog.Logger // default: discard
	// Operator configures the operator service (organisations).
	Operator OperatorConfig
	// Secrets seals stored credentials (IMAP passwords); nil when the
	// installation has no GALLRA_SECRET_KEY (then IMAP fetch cannot be set
	// up).
	Secrets *secretbox.Box
	// IMAP bounds each IMAP fetch (timeouts, batch and message sizes).
	IMAP imapfetch.Options
	// Social configures the social connectors (none: social channels are
	// mirrored through the API only).
	Social SocialConfig
	// ChatHub wakes live-chat readers (New makes one that wakes this
	// process's readers only; serve makes one and runs it).
	ChatHub *ChatHub
}

// New builds every feature service on d.
func New(d Deps) *gallra.Services {
	if d.Clock == nil {
		d.Clock = gallra.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.ChatHub == nil {
		d.ChatHub = NewChatHub(d.DB, ChatHubConfig{Log: d.Log})
	}
	d.DB = d.ChatHub.db // chat notifications name this process
	mail := &Mail{d: d}
	chat := &Chat{d: d}
	svc := &gallra.Services{
		Organisations: &Organisations{d: d},
		Channels:      &Channels{d: d},
		Staff:         &Staff{d: d},
		Audit:         &Audit{d: d},
		Forum:         &Forum{d: d},
		Mail:          mail,
		IMAP:          &IMAP{d: d, mail: mail},
		Chat:          chat,
		Social:        &Social{d: d},
		Knowledge:     &Knowledge{d: d},
		CustomFields:  &CustomFields{d: d},
		Search:        &Search{d: d},
		Holds:         &Holds{d: d},
		PII:           &PII{d: d},
		Health:        &Health{d: d},
		Operator:      &Operator{d: d},
		Workspace:     &Workspace{d: d},
		ChatLive:      newChatLive(d, chat),
		Persons:       &Persons{d: d},
		AccessLog:     &AccessLog{d: d},
	}
	sc := newSocialConnect(d)
	svc.SocialConnect, svc.SocialPlatform = sc, sc
	return svc
}
