package retention

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// RedactorSource gives the redaction of free text of an organisation: a
// function that rewrites the personal identifiers typed into a text (e.g. a
// personnummer becomes "[personnummer]"), idempotent and safe for
// concurrent use. Anonymization runs post bodies and topic titles through
// it. The purge asks for it once per channel it anonymizes (not per batch
// or row), so a change of the organisation's patterns applies from the
// next channel on. orgpii.Redactors (the built-in kinds plus the
// organisation's own patterns) is the one used outside tests.
type RedactorSource interface {
	Redactor(ctx context.Context, orgID int64) (func(text string) string, error)
}

// LeaseName is the store lease that keeps purges one at a time per database.
const LeaseName = "retention.purge"

// JobName is the background job that runs the purge on a schedule.
const JobName = "retention.purge"

// Config configures an Engine. Zero fields take defaults.
type Config struct {
	Caps gallra.Caps
	// BatchSize fixes the rows per purge transaction. Zero (the default)
	// sizes batches adaptively: starting at 500 rows, each batch is grown or
	// shrunk so that its transaction holds the writer for about BatchTime.
	BatchSize int
	// BatchTime is the target duration of one adaptive batch transaction
	// (default 15ms on SQLite, where every other writer queues behind it,
	// 250ms on PostgreSQL): short enough that concurrent writers wait little,
	// long enough to amortize per-commit costs.
	BatchTime time.Duration
	LeaseTTL  time.Duration // purge lease; default 5m, renewed while running
	// DrainWorkers is how many transactions delete persons left without
	// content side by side at the end of a run on PostgreSQL (default 2;
	// SQLite always uses one).
	DrainWorkers int
	// Writers is how many batch transactions anonymize a forum side by
	// side on PostgreSQL (default 2), each writing batches read ahead by
	// one reader; SQLite, whose writer is single, always uses one.
	Writers int
	Logger  *slog.Logger
	// TxHook, when set (tests), observes or injects faults into the
	// purge's transactions where store.PurgeTarget.Hook says: inside each
	// forum batch before its hold check, and inside a person step that
	// deleted custom fields on persons. Each engine has its own, so tests
	// with hooks run in parallel.
	TxHook store.TxHook
	// CountsMaxAge is how old the due counts the overview and the preview
	// show may be (default 24h); each purge run counts its channels again,
	// and older counts are counted again when viewed.
	CountsMaxAge time.Duration
}

var _ gallra.RetentionService = (*Engine)(nil)

// Engine applies retention policies. It holds no mutable state besides its
// lease owner id and is safe for concurrent use.
type Engine struct {
	every time.Duration // the schedule Register set (Schedule reports it)
	db    *store.DB
	red   RedactorSource // nil: free text is left as it is
	caps  gallra.Caps
	batch int           // fixed rows per batch, or the first adaptive batch
	adapt bool          // batch sizes follow batchTime
	btime time.Duration // adaptive batch target duration
	ttl   time.Duration
	log   *slog.Logger
	owner string
	hook  func(batch int) error // tests: called after each committed batch
	// drainHook (tests) is called before the run's person pass.
	drainHook func() error
	txHook    store.TxHook // Config.TxHook
	// previewIDs caps the ids per preview bucket (gallra.MaxPreviewIDs; tests
	// lower it).
	previewIDs int
	// drainWorkers: side-by-side person-drain transactions (PostgreSQL).
	drainWorkers int
	// writers: side-by-side batch transactions (PostgreSQL forum anonymization).
	writers int
	pre     func(batch int) error // tests: called inside each batch transaction
	drained func(*store.Tx) error // tests: called inside each person-drain transaction that took persons
	// notices, when set (UseNotices), answers the privacy text.
	notices Notices
	// countsMaxAge: Config.CountsMaxAge.
	countsMaxAge time.Duration
	// offboardHook (tests) runs inside each staff off-boarding batch.
	offboardHook func(*store.Tx) error
	// offboardSize (tests) replaces offboardBatch.
	offboardSize int
}

// New returns an Engine over db that redacts the free text of anonymized
// forum posts and topic titles with the redactor r gives each organisation
// (orgpii.New(db): the built-in kinds and the organisation's own
// patterns). A nil r leaves free text as it is (names, e-mails and IPs are
// still removed).
func New(db *store.DB, r RedactorSource, cfg Config) *Engine {
	e := &Engine{db: db, red: r, caps: cfg.Caps, batch: cfg.BatchSize, ttl: cfg.LeaseTTL, log: cfg.Logger, previewIDs: gallra.MaxPreviewIDs, txHook: cfg.TxHook}
	if e.caps == nil {
		e.caps = gallra.Caps{}
	}
	if e.batch <= 0 {
		e.batch, e.adapt = 500, true
	}
	if e.btime = cfg.BatchTime; e.btime <= 0 {
		// SQLite: every other writer waits for the batch. At 200,000
		// posts, 15 ms kept the concurrent p99 at 30-32 ms where 25 ms let
		// it reach 35-46 ms, at the same purge/raw ratio (its commits are
		// cheap; docs/retention.md).
		e.btime = 15 * time.Millisecond
		if db.Dialect() == store.Postgres {
			// Other writers do not queue behind a PostgreSQL transaction
			// (only behind the rows it changes, and a topic hold being set
			// behind the commit of a batch past its hold check): fewer,
			// longer batches, each paying its dozen round trips once.
			e.btime = 250 * time.Millisecond
		}
	}
	if e.ttl <= 0 {
		e.ttl = 5 * time.Minute
	}
	if e.countsMaxAge = cfg.CountsMaxAge; e.countsMaxAge <= 0 {
		e.countsMaxAge = 24 * time.Hour
	}
	if e.drainWorkers = cfg.DrainWorkers; e.drainWorkers <= 0 {
		e.drainWorkers = 2
	}
	if e.writers = cfg.Writers; e.writers <= 0 {
		e.writers = 2
	}
	if db.Dialect() != store.Postgres {
		e.writers = 1
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	e.owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	return e
}

// Caps returns the operator caps the engine enforces.
func (e *Engine) Caps() gallra.Caps { return e.caps }

func parseSetting(m gallra.Module, s store.RetentionSetting) (gallra.Policy, error) {
	p, err := gallra.ParsePolicy(m, s.Period, s.Action)
	if err != nil {
		return gallra.Policy{}, fmt.Errorf("stored %s policy %q/%q: %w", m, s.Period, s.Action, err)
	}
	return p, nil
}

func (e *Engine) capOf(m gallra.Module) *gallra.Period {
	if c, ok := e.caps[m]; ok {
		return &c
	}
	return nil
}

// moduleDefault resolves the organisation's default for m inside tx.
func (e *Engine) moduleDefault(ctx context.Context, tx *store.Tx, orgID int64, m gallra.Module) (gallra.RetentionModuleDefault, error) {
	defs, err := tx.RetentionDefaults(ctx, orgID)
	if err != nil {
		return gallra.RetentionModuleDefault{}, err
	}
	d := gallra.RetentionModuleDefault{Module: m, Policy: gallra.Shipped(m), Source: "shipped", Cap: e.capOf(m)}
	if s, ok := defs[m]; ok {
		if d.Policy, err = parseSetting(m, s); err != nil {
			return d, err
		}
		d.Source = "organisation"
		at := s.UpdatedAt
		d.UpdatedAt = &at
	}
	d.Policy, d.Capped = e.caps.Clamp(m, d.Policy)
	return d, nil
}

// resolve returns the channel's effective policy inside tx; social and
// knowledge channels answer EUNPROCESS.
func (e *Engine) resolve(ctx context.Context, tx *store.Tx, orgID, channelID int64) (*gallra.Channel, *gallra.RetentionResolved, error) {
	c, err := tx.GetChannel(ctx, orgID, channelID)
	if err != nil {
		return nil, nil, err
	}
	if err := gallra.CheckPurgedModule(c.Module); err != nil {
		return c, nil, err
	}
	own, err := tx.ChannelRetention(ctx, orgID, channelID)
	if err != nil {
		return c, nil, err
	}
	r := &gallra.RetentionResolved{ChannelID: c.ID, Module: c.Module, Cap: e.capOf(c.Module)}
	if own != nil {
		if r.Policy, err = parseSetting(c.Module, *own); err != nil {
			return c, nil, err
		}
		r.Source = "channel"
		at := own.UpdatedAt
		r.UpdatedAt = &at
		r.Policy, r.Capped = e.caps.Clamp(c.Module, r.Policy)
		return c, r, nil
	}
	d, err := e.moduleDefault(ctx, tx, orgID, c.Module)
	if err != nil {
		return c, nil, err
	}
	r.Policy, r.Source, r.Capped, r.UpdatedAt = d.Policy, d.Source, d.Capped, d.UpdatedAt
	return c, r, nil
}

// ChannelPolicy returns a forum's, inbox's or chat flow's effective policy.
// Social and knowledge channels answer EUNPROCESS, another organisation's
// channel ENOTFOUND.
func (e *Engine) ChannelPolicy(ctx context.Context, orgID, channelID int64) (*gallra.RetentionResolved, error) {
	var r *gallra.RetentionResolved
	err := e.db.View(ctx, func(tx *store.Tx) error {
		var err error
		_, r, err = e.resolve(ctx, tx, orgID, channelID)
		return err
	})
	return r, err
}

func auditPolicy(p gallra.Policy, source string) map[string]any {
	return map[string]any{"period": p.Period.String(), "action": string(p.Action), "source": source}
}

// Defaults returns the organisation's module defaults for forum, mail and
// chat.
func (e *Engine) Defaults(ctx context.Context, orgID int64) ([]gallra.RetentionModuleDefault, error) {
	var out []gallra.RetentionModuleDefault
	err := e.db.View(ctx, func(tx *store.Tx) error {
		for _, m := range gallra.PurgedModules() {
			d, err := e.moduleDefault(ctx, tx, orgID, m)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// target is the purge target of a channel under a policy at now.
func target(c *gallra.Channel, p gallra.Policy, now time.Time) store.PurgeTarget {
	return store.PurgeTarget{OrgID: c.OrgID, ChannelID: c.ID, Module: c.Module, Delete: p.Action == gallra.ActionDelete, Cutoff: p.Period.Cutoff(now)}
}

// ItemType names what a channel's purge items are.
func ItemType(m gallra.Module) string {
	switch m {
	case gallra.ModuleForum:
		return "forum_post"
	case gallra.ModuleMail:
		return string(gallra.SubjectMailConversation)
	case gallra.ModuleChat:
		return string(gallra.SubjectChatConversation)
	}
	return ""
}
