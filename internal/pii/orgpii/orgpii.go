// Package orgpii gives each organisation its personal-data detector: the
// built-in kinds of internal/pii plus the organisation's own patterns
// stored in the database (PUT /api/v1/pii/patterns).
package orgpii

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
)

// Redactors builds each organisation's detector: every built-in kind plus
// the organisation's own patterns (PUT /api/v1/pii/patterns), which are
// found as kind custom and replaced by "[name]". It is the one place these
// detectors are built: the purge (forum anonymization), erasure with
// forum_action anonymize, the /api/v1/pii endpoints and the sensitive-data
// flags set on write all take theirs from it.
//
// The patterns are read from the database on every call (one query on the
// (org_id, name) index), never remembered, so a change made by any process
// sharing the database applies to the very next purged channel, erasure or
// API call. What is cached is the compiled detector, by the exact pattern
// set and options it was built from: an organisation's patterns can reach
// only a detector built from them, and a cache entry can never be stale.
// Safe for concurrent use.
type Redactors struct {
	db    *store.DB
	mu    sync.Mutex
	cache map[string]*pii.Detector
}

// maxCachedDetectors bounds the cache; when it is full it is emptied (a
// detector costs well under a millisecond to build again).
const maxCachedDetectors = 256

var _ store.Scanner = (*Redactors)(nil)

// New returns the detectors of the organisations of db.
func New(db *store.DB) *Redactors {
	return &Redactors{db: db, cache: map[string]*pii.Detector{}}
}

// Redactor returns the organisation's redaction of free text
// (retention.RedactorSource): every kind but organisationsnummer, the
// organisation's patterns included, replaced by its label ("[phone]",
// "[kundnummer]"). It fails if the patterns cannot be read or a stored
// pattern no longer compiles: a purge or an erasure must not go on without
// them.
func (r *Redactors) Redactor(ctx context.Context, orgID int64) (func(text string) string, error) {
	d, err := r.Detector(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return func(text string) string { return d.Redact(text, pii.Replace()) }, nil
}

// Detector returns the organisation's detector with the default options:
// every built-in kind and the organisation's patterns detected, every kind
// but organisationsnummer redacted.
func (r *Redactors) Detector(ctx context.Context, orgID int64) (*pii.Detector, error) {
	return r.With(ctx, orgID, pii.Options{})
}

// With returns the organisation's detector configured by opts (Kinds,
// Redact), with the organisation's patterns added to opts.Custom. Errors
// from pii.New (an unknown kind) wrap pii.ErrInvalidOptions.
func (r *Redactors) With(ctx context.Context, orgID int64, opts pii.Options) (*pii.Detector, error) {
	own, err := r.db.PIIPatterns(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("detector of organisation %d: %w", orgID, err)
	}
	d, err := r.build(own, opts)
	if err != nil {
		return nil, fmt.Errorf("detector of organisation %d: %w", orgID, err)
	}
	return d, nil
}

// sensitiveKinds are the kinds the sensitive-data flags record: identity
// numbers, payment details and the organisation's own patterns. Phone
// numbers and e-mail addresses are too common in customer service to be
// worth a flag.
func sensitiveKinds() []pii.Kind {
	return []pii.Kind{pii.Personnummer, pii.Samordningsnummer, pii.Fodselsnummer, pii.CPR, pii.HETU, pii.IBAN, pii.Card, pii.Custom}
}

// SensitiveKinds implements store.Scanner: the sensitive kinds found in
// text, own being the patterns of the organisation the text belongs to.
// Matches of those patterns are recorded as "custom" (the kind, not the
// pattern's name, so the recorded values stay the fixed list of kinds). If
// own cannot be built (patterns are checked when saved, so only a pattern
// stored by an older version could fail), the built-in kinds are still
// flagged: a flag is no reason to refuse a customer's message.
func (r *Redactors) SensitiveKinds(text string, own []gallra.PIIPattern) []string {
	opts := pii.Options{Kinds: sensitiveKinds()}
	d, err := r.build(own, opts)
	if err != nil {
		if d, err = r.build(nil, opts); err != nil {
			return nil
		}
	}
	var out []string
	for _, f := range d.Detect(text) {
		if k := string(f.Kind); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// build returns the detector of opts with the patterns own added, from the
// cache or compiled now.
func (r *Redactors) build(own []gallra.PIIPattern, opts pii.Options) (*pii.Detector, error) {
	custom := make([]pii.CustomPattern, 0, len(own)+len(opts.Custom))
	for _, p := range own {
		custom = append(custom, pii.CustomPattern{Name: p.Name, Pattern: p.Pattern})
	}
	opts.Custom = append(custom, opts.Custom...)
	key := cacheKey(opts)
	r.mu.Lock()
	d, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := pii.New(opts)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.cache) >= maxCachedDetectors {
		clear(r.cache)
	}
	r.cache[key] = d
	r.mu.Unlock()
	return d, nil
}

// cacheKey spells out everything pii.New builds a detector from.
func cacheKey(o pii.Options) string {
	var b strings.Builder
	for _, k := range o.Kinds {
		b.WriteString(strconv.Quote(string(k)))
	}
	if o.Redact == nil {
		b.WriteString("|*")
	} else {
		b.WriteString("|")
		for _, k := range o.Redact {
			b.WriteString(strconv.Quote(string(k)))
		}
	}
	for _, p := range o.Custom {
		fmt.Fprintf(&b, "|%q%q%v", p.Name, p.Pattern, p.Confidence)
	}
	return b.String()
}
