// Package takeout answers data-subject requests: the export of everything a
// person wrote in chosen modules (GDPR Art. 15 access and Art. 20
// portability) as a ZIP bundle, and its erasure (Art. 17). Requests are made
// by staff who must be editors of every channel in scope and attest that the
// person's identity was verified; each request has a deadline (one month,
// Art. 12(3)), an audit trail holding only a keyed hash of the e-mail, and a
// receipt to send back to the person.
//
// Processing is resumable: an erasure commits in small batches, each with its
// progress counts, so an interrupted run completes when run again, and a
// repeated erasure is a no-op that still yields a receipt.
package takeout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
)

// Statements returns the statements a staff member may give as the identity
// attestation (compared after trimming surrounding space). The Swedish
// wording follows the seed articles; the plural form of the seed is
// accepted too.
func Statements() []string {
	return []string{
		"We have verified the person's identity.",
		"Vi har bekräftat personens identitet.",
		"Vi har bekräftat personen/personernas identitet.",
	}
}

// Verification methods: how the organisation verified the person's identity.
const (
	MethodPhoneCall  = "phone_call"  // called the person back on a known number
	MethodEmailReply = "email_reply" // the request came from, or was confirmed from, the same address
	MethodInPerson   = "in_person"   // met the person and checked an identity document
	MethodEID        = "e_id"        // electronic identification (e.g. BankID)
	MethodOther      = "other"       // described in the free-text note (required)
)

// Methods lists the accepted verification methods.
func Methods() []string {
	return []string{MethodPhoneCall, MethodEmailReply, MethodInPerson, MethodEID, MethodOther}
}

// Forum actions of an erasure.
const (
	ForumDelete    = "delete"    // remove the posts; a content-free placeholder stays where others replied
	ForumAnonymize = "anonymize" // keep the text readable, remove name, e-mail and IP, redact personal data in it
)

// RequestModules lists the modules a request may cover (knowledge bases hold
// no end-customer data).
func RequestModules() []gallra.Module {
	return []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat, gallra.ModuleSocial}
}

// Defaults.
const (
	DefaultArtefactDir = "data/artefacts"
	DefaultArtefactTTL = 7 * 24 * time.Hour
	DefaultInlineLimit = 2000
	DefaultBatchSize   = 200
	MaxExtensionMonths = 2
	maxMentions        = 1000
	// DefaultInlineBudget bounds processing inside an API call; what is left
	// is finished by the requests.process job.
	DefaultInlineBudget = 20 * time.Second
	// DefaultStaleAfter is how long a processing request may go without a
	// heartbeat before the job takes it over (its worker is presumed dead).
	DefaultStaleAfter = 10 * time.Minute
	// DefaultMaxAttempts is how often a retryable failure is retried by the
	// job (then it waits for POST …/process or gallra takeout resume).
	DefaultMaxAttempts = 5
	// DefaultMentionTimeout and DefaultMentionScanLimit bound the search for
	// mentions; the result is "partial" when a bound is hit.
	DefaultMentionTimeout   = 30 * time.Second
	DefaultMentionScanLimit = 200_000
)

// Progress reports how far processing has come.
type Progress struct {
	Phase string // "find", "export", "erase", "mentions"
	Done  int64
	Total int64
	// File is set when an export starts writing a file of the bundle.
	File string
}

// Config configures a Service. The zero value uses the defaults.
type Config struct {
	// ArtefactDir is where export ZIPs are written (personal data: keep it
	// on encrypted storage). Default data/artefacts. A relative directory is
	// made absolute by New (from the working directory at that time);
	// requests record their file relative to it.
	ArtefactDir string
	// ArtefactTTL is how long an export stays downloadable before the
	// requests.expire_artefacts job deletes it. Default 7 days.
	ArtefactTTL time.Duration
	// InlineLimit is the largest request (in items) Submit processes in the
	// caller's goroutine; larger ones go to the requests.process job.
	InlineLimit int
	// BatchSize is the number of items an erasure deletes per transaction.
	BatchSize int
	// InlineBudget bounds processing done for an API call (Submit, Rerun).
	InlineBudget time.Duration
	// StaleAfter is the heartbeat age after which a processing request is
	// taken over by the job.
	StaleAfter time.Duration
	// HeartbeatEvery is how often a worker refreshes the heartbeat of the
	// request it holds, on a timer, whatever it is doing. Default
	// StaleAfter/5.
	HeartbeatEvery time.Duration
	// MaxAttempts is how often the job retries a retryable failure or takes
	// over an abandoned request (then the request is failed and waits for
	// staff to re-run it).
	MaxAttempts int
	// MentionTimeout and MentionScanLimit bound the mention search.
	MentionTimeout   time.Duration
	MentionScanLimit int
	// OnProgress, when set, is called as processing advances (after each
	// committed erasure batch). Returning an error stops processing; the
	// request is marked failed and resumes when processed again.
	OnProgress func(r *gallra.SubjectRequest, p Progress) error
	// RowsFault, when set (tests only), is called after each row a loop of
	// the export reads, with the loop's name ("mail messages", "mail
	// attachments", "attachments"); an error ends the loop as a read error
	// would, and the request fails.
	RowsFault func(loop string) error
	// Privacy, when set, gives the Art. 15(1) information every export
	// carries in index.html and data.json ("art15"): purposes, categories,
	// recipients, retention per channel, source, rights and the supervisory
	// authority, read from the privacy register when the export is made
	// (internal/privacy's Service).
	Privacy Art15Source
}

// Art15Source gives the Art. 15(1) information of an organisation.
type Art15Source interface {
	Art15(ctx context.Context, orgID int64) (*gallra.Art15Info, error)
}

// ConfigFromEnv reads GALLRA_ARTEFACT_DIR and GALLRA_ARTEFACT_TTL (a Go
// duration such as 168h, or a number of days such as 7d).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{ArtefactDir: strings.TrimSpace(getenv("GALLRA_ARTEFACT_DIR"))}
	if v := strings.TrimSpace(getenv("GALLRA_ARTEFACT_TTL")); v != "" {
		d, err := ParseTTL(v)
		if err != nil {
			return c, err
		}
		c.ArtefactTTL = d
	}
	return c, nil
}

// ParseTTL parses a duration such as 168h or a number of days such as 7d.
func ParseTTL(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d >= time.Minute {
		return d, nil
	}
	return 0, gallra.Errorf(gallra.EINVALID, "artefact TTL %q: give a duration of at least 1m (e.g. 168h) or days (e.g. 7d)", v)
}

// Service answers data-subject requests. It holds no mutable state and is
// safe for concurrent use.
type Service struct {
	db       *store.DB
	log      *slog.Logger
	cfg      Config
	detector *pii.Detector // mention search: built-in e-mail and phone detection
	// redactors gives erasure (forum_action anonymize) each organisation's
	// redactor: the built-in kinds plus its own patterns.
	redactors *orgpii.Redactors
}

// New returns a Service on db. log may be nil.
func New(db *store.DB, log *slog.Logger, cfg Config) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ArtefactDir == "" {
		cfg.ArtefactDir = DefaultArtefactDir
	}
	if abs, err := filepath.Abs(cfg.ArtefactDir); err == nil {
		cfg.ArtefactDir = abs
	}
	if cfg.ArtefactTTL <= 0 {
		cfg.ArtefactTTL = DefaultArtefactTTL
	}
	if cfg.InlineLimit <= 0 {
		cfg.InlineLimit = DefaultInlineLimit
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.InlineBudget <= 0 {
		cfg.InlineBudget = DefaultInlineBudget
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.HeartbeatEvery <= 0 || cfg.HeartbeatEvery >= cfg.StaleAfter {
		cfg.HeartbeatEvery = cfg.StaleAfter / 5
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.MentionTimeout <= 0 {
		cfg.MentionTimeout = DefaultMentionTimeout
	}
	if cfg.MentionScanLimit <= 0 {
		cfg.MentionScanLimit = DefaultMentionScanLimit
	}
	return &Service{db: db, log: log, cfg: cfg, detector: pii.Default(), redactors: orgpii.New(db)}
}

// WithProgress returns a copy of s that reports progress to fn.
func (s *Service) WithProgress(fn func(r *gallra.SubjectRequest, p Progress) error) *Service {
	c := *s
	c.cfg.OnProgress = fn
	return &c
}

// NewRequest is a data-subject request as made by a staff member.
type NewRequest struct {
	Kind  gallra.RequestKind `json:"kind"`
	Email string             `json:"email"`
	// Modules in scope; empty means all of forum, mail, chat and social.
	Modules []gallra.Module `json:"modules,omitempty"`
	// ChannelIDs optionally narrows the scope to these channels (of the
	// chosen modules); empty means every channel of the modules.
	ChannelIDs []int64 `json:"channel_ids,omitempty"`
	// ForumAction is delete (default) or anonymize; erasure only.
	ForumAction string `json:"forum_action,omitempty"`
	// Attestation must be one of Statements().
	Attestation string `json:"attestation"`
	// VerificationMethod is one of Methods(); "other" needs VerificationNote.
	VerificationMethod string `json:"verification_method"`
	VerificationNote   string `json:"verification_note,omitempty"`
	// PreviewFingerprint, when set, is the Fingerprint of the Preview the
	// staff member confirmed: the request is refused (ECONFLICT, reason
	// preview_stale, with the fresh preview in the details) when the
	// numbers changed since.
	PreviewFingerprint string `json:"preview_fingerprint,omitempty"`
	// IdempotencyKey (the Idempotency-Key header of the API) makes
	// creation idempotent: a second call of the same staff user with the
	// same key answers the request the first stored.
	IdempotencyKey string `json:"-"`
}

func (in *NewRequest) validate() error {
	if in.Kind != gallra.RequestExport && in.Kind != gallra.RequestErase {
		return withReason(gallra.Errorf(gallra.EINVALID, "kind must be export or erase"), ReasonKind)
	}
	if err := gallra.ValidateEmail("email", in.Email); err != nil {
		return withReason(err, ReasonEmail)
	}
	seen := map[gallra.Module]bool{}
	var mods []gallra.Module
	for _, m := range in.Modules {
		if !slices.Contains(RequestModules(), m) {
			return withReason(gallra.Errorf(gallra.EINVALID, "modules: %q is not one of forum, mail, chat, social", m), ReasonModules)
		}
		if !seen[m] {
			seen[m] = true
			mods = append(mods, m)
		}
	}
	if len(mods) == 0 {
		mods = RequestModules()
	}
	in.Modules = mods
	switch in.ForumAction {
	case "":
		if in.Kind == gallra.RequestErase {
			in.ForumAction = ForumDelete
		}
	case ForumDelete, ForumAnonymize:
		if in.Kind != gallra.RequestErase {
			return withReason(gallra.Errorf(gallra.EINVALID, "forum_action applies to erase requests only"), ReasonForumAction)
		}
	default:
		return withReason(gallra.Errorf(gallra.EINVALID, "forum_action must be delete or anonymize"), ReasonForumAction)
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > 200 {
		return withReason(gallra.Errorf(gallra.EINVALID, "Idempotency-Key: at most 200 characters"), ReasonIdempotencyKey)
	}
	if err := gallra.ValidateText("verification_note", in.VerificationNote, false, 500); err != nil {
		return withReason(err, ReasonNoteLength)
	}
	return nil
}

// checkAttestation enforces the identity attestation (EUNPROCESS when
// missing or not one of the accepted statements).
func (in *NewRequest) checkAttestation() error {
	in.Attestation = strings.TrimSpace(in.Attestation)
	if !slices.Contains(Statements(), in.Attestation) {
		e := gallra.Errorf(gallra.EUNPROCESS, "attestation must be exactly one of the accepted statements confirming the person's identity was verified")
		e.Details = map[string]any{"accepted_statements": Statements(), "reason_code": ReasonAttestation}
		return e
	}
	if !slices.Contains(Methods(), in.VerificationMethod) {
		e := gallra.Errorf(gallra.EUNPROCESS, "verification_method must say how the identity was verified: one of %s", strings.Join(Methods(), ", "))
		e.Details = map[string]any{"accepted_methods": Methods(), "reason_code": ReasonMethod}
		return e
	}
	in.VerificationNote = strings.TrimSpace(in.VerificationNote)
	if in.VerificationMethod == MethodOther && in.VerificationNote == "" {
		return withReason(gallra.Errorf(gallra.EUNPROCESS, "verification_note must describe the method when verification_method is other"), ReasonNoteRequired)
	}
	return nil
}

// scope returns the channels a request covers and fails with EFORBIDDEN,
// listing the channels the staff member lacks, unless they may act on all.
func scope(ctx context.Context, tx *store.Tx, staff *gallra.Staff, orgID int64, modules []gallra.Module, only []int64) ([]gallra.Channel, error) {
	var out []gallra.Channel
	for _, m := range modules {
		cs, err := tx.ListChannels(ctx, orgID, m)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	if len(only) > 0 {
		var narrowed []gallra.Channel
		for _, id := range only {
			i := slices.IndexFunc(out, func(c gallra.Channel) bool { return c.ID == id })
			if i < 0 {
				return nil, withReason(gallra.Errorf(gallra.EINVALID, "channel_ids: channel %d is not a channel of the chosen modules in this organisation", id), ReasonModules)
			}
			if !slices.ContainsFunc(narrowed, func(c gallra.Channel) bool { return c.ID == id }) {
				narrowed = append(narrowed, out[i])
			}
		}
		out = narrowed
	}
	if err := authorize(staff, out); err != nil {
		return nil, err
	}
	return out, nil
}

// errNoChannels is the EFORBIDDEN of an editor for a request without
// channels in scope.
func errNoChannels() error {
	return withReason(gallra.Errorf(gallra.EFORBIDDEN, "the request has no channel in scope (the chosen modules have none), so it would reach only "+
		"person-level data (the person record and the custom fields on the person), which lie in no channel: only an admin may make, see or process it"), ReasonNoChannels)
}

// authorize fails with EFORBIDDEN listing the channels staff may not act on.
// A scope without channels reaches only person-level data: admins only.
func authorize(staff *gallra.Staff, channels []gallra.Channel) error {
	if len(channels) == 0 && !staff.Allowed(gallra.PermPersonData, 0) {
		return errNoChannels()
	}
	missing := []int64{}
	for _, c := range channels {
		if !staff.Allowed(gallra.PermRequest, c.ID) {
			missing = append(missing, c.ID)
		}
	}
	if len(missing) > 0 {
		e := gallra.Errorf(gallra.EFORBIDDEN, "you must be an editor of every channel in scope; you lack %d channel(s)", len(missing))
		e.Details = map[string]any{"missing_channel_ids": missing, "reason_code": ReasonChannels}
		return e
	}
	return nil
}

// Authorize checks that staff may act on every channel of the request
// (EFORBIDDEN with the missing channel ids otherwise); a request without
// channels is for admins only.
func Authorize(staff *gallra.Staff, r *gallra.SubjectRequest) error {
	cs := make([]gallra.Channel, len(r.ChannelIDs))
	for i, id := range r.ChannelIDs {
		cs[i] = gallra.Channel{ID: id}
	}
	return authorize(staff, cs)
}

func staffActor(staff *gallra.Staff) gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}
}

// Create records a request made by staff, after checking the input (EINVALID),
// the staff member's rights on every channel in scope (EFORBIDDEN, with the
// missing channel ids in the error details) and the identity attestation
// (EUNPROCESS). Nothing is stored when a check fails. The request starts as
// received, due one calendar month later. Audited with a keyed hash of the
// e-mail address, never the address.
func (s *Service) Create(ctx context.Context, staff *gallra.Staff, in NewRequest) (*gallra.SubjectRequest, error) {
	r, _, err := s.create(ctx, staff, in)
	return r, err
}

// create is Create; replayed tells that the request was stored before under
// the same idempotency key (and is returned as it is now).
func (s *Service) create(ctx context.Context, staff *gallra.Staff, in NewRequest) (r *gallra.SubjectRequest, replayed bool, err error) {
	if staff == nil || !staff.Active {
		return nil, false, gallra.Errorf(gallra.EFORBIDDEN, "an active staff user must make the request")
	}
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if in.IdempotencyKey != "" {
			prev, err := tx.SubjectRequestByIdempotencyKey(ctx, staff.OrgID, staff.ID, in.IdempotencyKey)
			if err == nil {
				r, replayed = prev, true
				return nil
			} else if gallra.ErrorCode(err) != gallra.ENOTFOUND {
				return err
			}
		}
		channels, err := scope(ctx, tx, staff, staff.OrgID, in.Modules, in.ChannelIDs)
		if err != nil {
			return err
		}
		if err := in.checkAttestation(); err != nil {
			return err
		}
		if in.PreviewFingerprint != "" {
			fresh, err := preview(ctx, tx, staff, in, channels)
			if err != nil {
				return err
			}
			if fresh.Fingerprint != in.PreviewFingerprint {
				return errStale(fresh)
			}
		}
		key, err := tx.OrgAuditKey(ctx, staff.OrgID)
		if err != nil {
			return err
		}
		email := gallra.NormalizeEmail(in.Email)
		ids := make([]int64, len(channels))
		for i, c := range channels {
			ids[i] = c.ID
		}
		r = &gallra.SubjectRequest{
			OrgID: staff.OrgID, Kind: in.Kind, Status: gallra.StatusReceived, Email: email, EmailHash: audit.KeyedHash(key, email),
			Modules: in.Modules, ChannelIDs: ids, ForumAction: in.ForumAction, RequestedBy: staff.ID,
			Attestation: in.Attestation, VerificationMethod: in.VerificationMethod, VerificationNote: in.VerificationNote,
			ReceivedAt: tx.Now, DueAt: dueAt(tx.Now, 0), EmailRetained: true, MentionsStatus: store.MentionsPending,
			// Person-level data (the person record, the custom fields on
			// the person) lies in no channel: only an admin's request
			// exports or erases it.
			PersonData:     staff.Allowed(gallra.PermPersonData, 0),
			IdempotencyKey: in.IdempotencyKey,
		}
		if r.Reference, err = tx.NextRequestReference(ctx, staff.OrgID, tx.Now.Year()); err != nil {
			return err
		}
		if err := tx.InsertSubjectRequest(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, staff.OrgID, staffActor(staff), "request.received", "subject_request", r.ID, map[string]any{
			"kind": string(r.Kind), "email_hash": r.EmailHash, "modules": r.Modules, "channel_ids": r.ChannelIDs,
			"verification_method": r.VerificationMethod, "due_at": r.DueAt.Format(time.RFC3339), "reference": r.Reference,
		})
	})
	if err != nil && in.IdempotencyKey != "" && gallra.ErrorCode(err) == gallra.ECONFLICT {
		// A concurrent call with the same key stored it first.
		if prev, gerr := s.byKey(ctx, staff, in.IdempotencyKey); gerr == nil {
			return prev, true, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return r, replayed, nil
}

// JobProcess and JobExpireArtefacts are the background job names.
const (
	JobProcess         = "requests.process"
	JobExpireArtefacts = "requests.expire_artefacts"
)

// ProcessPayload is the payload of a requests.process job.
type ProcessPayload struct {
	OrgID     int64 `json:"org_id"`
	RequestID int64 `json:"request_id"`
}

// Submit creates the request and processes it: inline (detached from the
// caller's context, within Config.InlineBudget, never searching mentions)
// when the person has at most Config.InlineLimit items in scope. Whatever is
// left — a large request, an inline run that ran out of time, the mention
// search — is queued as a requests.process job (unique key request:<id>);
// the returned request then shows how far it got.
//
// Once the request is stored, Submit always answers it (never an error): a
// processing failure shows as its status (failed, with error and retry_at),
// so that a client never retries a request that exists.
func (s *Service) Submit(ctx context.Context, staff *gallra.Staff, in NewRequest) (*gallra.SubjectRequest, error) {
	r, _, err := s.SubmitKeyed(ctx, staff, in)
	return r, err
}

// SubmitKeyed is Submit that also tells whether the request was stored
// before under in.IdempotencyKey (replayed: returned as it is, not
// processed again).
func (s *Service) SubmitKeyed(ctx context.Context, staff *gallra.Staff, in NewRequest) (*gallra.SubjectRequest, bool, error) {
	r, replayed, err := s.create(ctx, staff, in)
	if err != nil || replayed {
		return r, replayed, err
	}
	done, err := s.submitted(ctx, r)
	if err != nil {
		s.log.Warn("request stored, processing failed", "org_id", r.OrgID, "request_id", r.ID, "err", err)
		cur, gerr := s.db.GetSubjectRequest(context.WithoutCancel(ctx), r.OrgID, r.ID)
		if gerr != nil {
			return nil, false, err
		}
		return cur, false, nil
	}
	return done, false, nil
}

func (s *Service) submitted(ctx context.Context, r *gallra.SubjectRequest) (*gallra.SubjectRequest, error) {
	found, err := s.find(ctx, r)
	if err != nil {
		return nil, err
	}
	if found.Total() <= int64(s.cfg.InlineLimit) {
		return s.runInline(ctx, r)
	}
	if err := s.enqueue(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// byKey returns the staff user's request stored under an idempotency key.
func (s *Service) byKey(ctx context.Context, staff *gallra.Staff, key string) (*gallra.SubjectRequest, error) {
	var r *gallra.SubjectRequest
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.SubjectRequestByIdempotencyKey(ctx, staff.OrgID, staff.ID, key)
		return err
	})
	return r, err
}

// Rerun processes an existing request again for staff who may act on all of
// its channels (the same rule as Get): a failed or interrupted request
// resumes where it stopped, a completed or cancelled one is returned as it
// is, and one another worker is processing right now is ECONFLICT. Like
// Submit it works inline within Config.InlineBudget and queues the rest.
func (s *Service) Rerun(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, err
	}
	if r.Status == gallra.StatusProcessing && r.Claim != "" && !s.stale(r) {
		return nil, withReason(gallra.Errorf(gallra.ECONFLICT, "request %d is being processed; try again if it shows no progress for %s", id, s.cfg.StaleAfter), ReasonBusy)
	}
	return s.runInline(ctx, r)
}

// runInline processes r under a context detached from the caller (a client
// disconnect must not interrupt an erasure half-way) and bounded by
// InlineBudget, then queues the job for whatever is left.
func (s *Service) runInline(ctx context.Context, r *gallra.SubjectRequest) (*gallra.SubjectRequest, error) {
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.InlineBudget)
	done, err := s.process(ictx, r.OrgID, r.ID, true)
	cancel()
	dctx := context.WithoutCancel(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && gallra.ErrorCode(err) != gallra.ECONFLICT {
		if cur, gerr := s.db.GetSubjectRequest(dctx, r.OrgID, r.ID); gerr == nil && cur.RetryAt != nil {
			_ = s.enqueue(dctx, cur)
		}
		return nil, err
	}
	if err != nil || done == nil {
		if done, err = s.db.GetSubjectRequest(dctx, r.OrgID, r.ID); err != nil {
			return nil, err
		}
	}
	if done.Status != gallra.StatusCompleted && done.Status != gallra.StatusCancelled && done.Status != gallra.StatusRefused &&
		done.Status != gallra.StatusWaitingOnHold || done.MentionsStatus == store.MentionsPending {
		if err := s.enqueue(dctx, done); err != nil {
			return nil, err
		}
	}
	return done, nil
}

// enqueue queues the requests.process job of r (at most one pending).
func (s *Service) enqueue(ctx context.Context, r *gallra.SubjectRequest) error {
	payload, _ := json.Marshal(ProcessPayload{OrgID: r.OrgID, RequestID: r.ID})
	at := s.db.Now()
	if r.Status == gallra.StatusFailed && r.RetryAt != nil && r.RetryAt.After(at) {
		at = *r.RetryAt
	}
	_, err := s.db.EnqueueJob(ctx, JobProcess, r.OrgID, fmt.Sprintf("request:%d", r.ID), string(payload), at)
	return err
}

func (s *Service) stale(r *gallra.SubjectRequest) bool {
	return r.UpdatedAt.Before(s.db.Now().Add(-s.cfg.StaleAfter))
}

// Get returns a request if staff may act on all of its channels.
func (s *Service) Get(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error) {
	r, err := s.db.GetSubjectRequest(ctx, staff.OrgID, id)
	if err != nil {
		return nil, err
	}
	if err := Authorize(staff, r); err != nil {
		return nil, err
	}
	return r, nil
}

// List returns a page of the organisation's requests that staff may act on
// (admins: all), newest first, with overdue ones flagged.
func (s *Service) List(ctx context.Context, staff *gallra.Staff, f gallra.RequestFilter) ([]gallra.SubjectRequest, error) {
	if staff == nil || !staff.Active {
		return []gallra.SubjectRequest{}, nil
	}
	// Filtered in SQL, before the page limit, so that an editor's pages are
	// full and the cursor works; the check below is a second line only.
	// An editor holds PermRequest only on their channels.
	f.RestrictChannels, f.ActOn = !staff.Allowed(gallra.PermPersonData, 0), staff.ChannelIDs
	list, err := s.db.ListSubjectRequests(ctx, staff.OrgID, f)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, r := range list {
		if Authorize(staff, &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// Extend extends an open request's deadline by months (1 or 2; at most
// MaxExtensionMonths in total, Art. 12(3)) with a reason; audited.
func (s *Service) Extend(ctx context.Context, staff *gallra.Staff, id int64, months int, reason string) (*gallra.SubjectRequest, error) {
	reason = strings.TrimSpace(reason)
	if err := gallra.ValidateText("reason", reason, true, 500); err != nil {
		return nil, withReason(err, ReasonReason)
	}
	if months < 1 || months > MaxExtensionMonths {
		return nil, withReason(gallra.Errorf(gallra.EINVALID, "months must be 1 or 2"), ReasonMonths)
	}
	var r *gallra.SubjectRequest
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.LockSubjectRequest(ctx, staff.OrgID, id); err != nil {
			return err
		}
		if err := Authorize(staff, r); err != nil {
			return err
		}
		if !r.Status.Open() {
			return withReason(gallra.Errorf(gallra.ECONFLICT, "request %d is %s; only open requests can be extended", id, r.Status), ReasonClosed)
		}
		if tx.Now.After(r.DueAt) {
			e := gallra.Errorf(gallra.EUNPROCESS, "the deadline of request %s has passed; it can no longer be extended (Art. 12(3)): answer the person now, the answer is recorded as late", r.Reference)
			e.Details = map[string]any{"reason_code": ReasonDeadlinePassed, "due_at": r.DueAt.Format(time.RFC3339)}
			return e
		}
		if r.ExtendedMonths+months > MaxExtensionMonths {
			return withReason(gallra.Errorf(gallra.EUNPROCESS, "the deadline may be extended by at most %d months in total; %d already used", MaxExtensionMonths, r.ExtendedMonths), ReasonExtensionMax)
		}
		r.ExtendedMonths += months
		r.ExtensionReason = reason
		r.DueAt = dueAt(r.ReceivedAt, r.ExtendedMonths)
		r.Overdue = tx.Now.After(r.DueAt)
		// Only the deadline is written: an extension is no heartbeat.
		if err := tx.ExtendSubjectRequest(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.extended", "subject_request", r.ID,
			map[string]any{"months": months, "due_at": r.DueAt.Format(time.RFC3339)})
	})
	return r, err
}

// dueAt is the deadline of a request received at received and extended by
// extended months: one calendar month plus the extension, the day clamped to
// the target month's last day (31 January + 1 month = 28/29 February).
func dueAt(received time.Time, extended int) time.Time {
	return gallra.AddMonths(received, 1+extended)
}

// Cancel cancels a request that is not being processed or finished (received
// or failed), reducing its e-mail to the keyed hash; audited. A failed
// erasure that is cancelled keeps what it already erased.
func (s *Service) Cancel(ctx context.Context, staff *gallra.Staff, id int64, reason string) (*gallra.SubjectRequest, error) {
	return s.close(ctx, staff, id, gallra.StatusCancelled, reason)
}

// Refuse refuses a received or failed request as manifestly unfounded or
// excessive (Art. 12(5)) with the reason the person is told (Art. 12(4));
// otherwise as Cancel.
func (s *Service) Refuse(ctx context.Context, staff *gallra.Staff, id int64, reason string) (*gallra.SubjectRequest, error) {
	return s.close(ctx, staff, id, gallra.StatusRefused, reason)
}

func (s *Service) close(ctx context.Context, staff *gallra.Staff, id int64, status gallra.RequestStatus, reason string) (*gallra.SubjectRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		e := gallra.Errorf(gallra.EINVALID, "reason: say why the request is %s (it is recorded, and told to the person)", status)
		e.Details = map[string]any{"field": "reason", "reason_code": ReasonReason}
		return nil, e
	}
	if err := gallra.ValidateText("reason", reason, true, 1000); err != nil {
		return nil, withReason(err, ReasonReason)
	}
	var r *gallra.SubjectRequest
	var planned string
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.LockSubjectRequest(ctx, staff.OrgID, id); err != nil {
			return err
		}
		if err := Authorize(staff, r); err != nil {
			return err
		}
		if r.Status != gallra.StatusReceived && r.Status != gallra.StatusFailed {
			return withReason(gallra.Errorf(gallra.ECONFLICT, "request %d is %s; only received or failed requests can be cancelled or refused", id, r.Status), ReasonClosed)
		}
		now := tx.Now
		r.Status, r.FinishedAt, r.Email, r.Overdue, r.RetryAt, r.Claim = status, &now, "", false, nil, ""
		r.CloseReason = reason
		r.VerificationNote = "" // kept only while the request is open
		if r.MentionsStatus == store.MentionsPending {
			r.MentionsStatus = ""
		}
		r.MentionKeys = ""
		planned = r.PlannedArtefact
		r.PlannedArtefact = ""
		if err := tx.SaveSubjectRequest(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request."+string(status), "subject_request", r.ID,
			map[string]any{"email_hash": r.EmailHash, "reason_chars": len([]rune(reason))})
	})
	if err == nil && planned != "" {
		os.Remove(s.artefactFile(planned)) // a failed export's file, if it got that far
	}
	return r, err
}

// errLostClaim stops a worker whose request was taken over by another
// worker (after a missed heartbeat) or finished meanwhile.
var errLostClaim = errors.New("request taken over by another worker")

// errBudget stops an inline run whose time budget is used up: the claim is
// released and the job carries on (not a failure).
var errBudget = errors.New("inline time budget used up")

// Process carries out a request: export or erasure, then the search for
// mentions. It is idempotent and resumable: a completed or cancelled request
// is returned unchanged (after a pending mention search), and a received,
// failed, released or abandoned processing one (no heartbeat for
// Config.StaleAfter) (re)starts where it stopped. A request another worker
// is processing is ECONFLICT. On error the request is marked failed (with a
// message free of personal data; retried by the job when the cause is
// transient) and the error returned. An erasure run, finished or not, ends
// by making what it removed leave the database files (scrub).
func (s *Service) Process(ctx context.Context, orgID, id int64) (*gallra.SubjectRequest, error) {
	return s.process(ctx, orgID, id, false)
}

// process is Process; inline skips the mention search (left to the job),
// and when ctx's deadline (the inline budget) passes it releases the claim
// for the job instead of failing the request.
func (s *Service) process(ctx context.Context, orgID, id int64, inline bool) (*gallra.SubjectRequest, error) {
	r, err := s.claim(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if r.Status == gallra.StatusProcessing {
		kind := r.Kind
		r, err = s.work(ctx, r, inline)
		if kind == gallra.RequestErase {
			s.scrub(ctx, "org_id", orgID, "request_id", id) // also after a failed run: what it erased is gone
		}
		if err != nil {
			return nil, err
		}
	}
	if (r.Status == gallra.StatusCompleted || r.Status == gallra.StatusWaitingOnHold) && r.MentionsStatus == store.MentionsPending && !inline {
		return s.findMentions(ctx, r)
	}
	return r, nil
}

// claim makes the request this worker's: status processing with a new claim
// token and a fresh heartbeat. Requests that are finished are returned as
// they are; so is an abandoned one that has used up Config.MaxAttempts,
// which is failed instead (staff re-run it).
func (s *Service) claim(ctx context.Context, orgID, id int64) (*gallra.SubjectRequest, error) {
	var r *gallra.SubjectRequest
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		cur, err := tx.LockSubjectRequest(ctx, orgID, id)
		if err != nil {
			return err
		}
		r = cur
		switch cur.Status {
		case gallra.StatusCompleted, gallra.StatusCancelled, gallra.StatusRefused:
			return nil
		case gallra.StatusWaitingOnHold:
			// Waits until a hold it waits for is released (or its subject
			// is gone); then the erasure carries on where it stopped.
			if cur.HoldWait == nil {
				return nil
			}
			still, err := tx.StillHeld(ctx, orgID, cur.HoldWait.Items)
			if err != nil || len(still) == len(cur.HoldWait.Items) {
				return err
			}
			cur.Attempts = 0 // a new pass, not a retry of the first
		case gallra.StatusFailed:
			if cur.Email == "" {
				return withReason(gallra.Errorf(gallra.EUNPROCESS, "request %d failed long ago and was reduced to the keyed hash of the address; make a new request", id), ReasonReduced)
			}
		case gallra.StatusProcessing:
			if cur.Claim == "" {
				break // released by its worker (inline budget used up)
			}
			if !cur.UpdatedAt.Before(tx.Now.Add(-s.cfg.StaleAfter)) {
				return withReason(gallra.Errorf(gallra.ECONFLICT, "request %d is being processed by another worker", id), ReasonBusy)
			}
			if cur.Attempts >= s.cfg.MaxAttempts {
				// Abandoned again and again (a worker dying on it each
				// time): stop taking it over; staff re-run it.
				s.log.Error("abandoned request not taken over again: attempts used up", "org_id", orgID, "request_id", id, "attempts", cur.Attempts)
				now := tx.Now
				cur.Status, cur.Claim, cur.RetryAt, cur.FinishedAt = gallra.StatusFailed, "", nil, &now
				cur.Error = fmt.Sprintf("processing was abandoned %d times (no heartbeat for %s); it is not retried by itself: re-run it (POST …/process or gallra takeout resume)",
					cur.Attempts, s.cfg.StaleAfter)
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "request.failed", "subject_request", id, map[string]any{"counts": cur.Counts, "attempts": cur.Attempts})
			}
			s.log.Warn("taking over abandoned request", "org_id", orgID, "request_id", id, "last_heartbeat", cur.UpdatedAt)
		}
		first := cur.StartedAt == nil
		if first {
			now := tx.Now
			cur.StartedAt = &now
			// What the mention search needs once the person's data is gone.
			if cur.MentionKeys, err = mentionKeys(ctx, tx, cur); err != nil {
				return err
			}
		}
		cur.Status, cur.Error, cur.RetryAt, cur.Claim, cur.FinishedAt = gallra.StatusProcessing, "", nil, newClaim(), nil
		cur.Attempts++
		if cur.Kind == gallra.RequestExport {
			cur.PlannedArtefact = artefactName(cur)
		}
		if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
			return err
		}
		if _, err := tx.TouchSubjectRequest(ctx, orgID, id, cur.Claim); err != nil {
			return err
		}
		cur.UpdatedAt = tx.Now
		if !first {
			return nil
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "request.processing", "subject_request", id, nil)
	})
	return r, err
}

func newClaim() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// heartbeat refreshes the heartbeat of the claimed request r every
// Config.HeartbeatEvery, on a timer, for as long as the run lasts — whatever
// the run is doing (a long CSV pass, a large attachment, a slow batch). The
// returned context is cancelled with cause errLostClaim as soon as a beat
// finds the claim gone (taken over, finished or cancelled), which stops the
// run. stop ends the beats; call it before returning.
func (s *Service) heartbeat(ctx context.Context, r *gallra.SubjectRequest) (context.Context, func()) {
	hctx, cancel := context.WithCancelCause(ctx)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(s.cfg.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-hctx.Done():
				return
			case <-t.C:
			}
			ok, err := s.db.TouchSubjectRequest(hctx, r.OrgID, r.ID, r.Claim)
			switch {
			case err != nil:
				if hctx.Err() == nil {
					s.log.Warn("request heartbeat failed; trying again", "org_id", r.OrgID, "request_id", r.ID, "err", err)
				}
			case !ok:
				cancel(errLostClaim)
				return
			}
		}
	}()
	return hctx, func() {
		close(done)
		<-exited
		cancel(nil)
	}
}

// lostClaim reports whether err (or the run's context) says the claim was
// lost.
func lostClaim(ctx context.Context, err error) bool {
	return errors.Is(err, errLostClaim) || errors.Is(context.Cause(ctx), errLostClaim)
}

// work runs the export or erasure of a claimed request and completes it.
func (s *Service) work(ctx context.Context, r *gallra.SubjectRequest, inline bool) (*gallra.SubjectRequest, error) {
	claim := r.Claim
	hctx, stop := s.heartbeat(ctx, r)
	var part *gallra.Artefact
	var held []gallra.HeldItem
	var err error
	func() {
		defer stop()
		switch r.Kind {
		case gallra.RequestExport:
			part, err = s.export(hctx, r)
		case gallra.RequestErase:
			held, err = s.erase(hctx, r)
		default:
			err = gallra.Errorf(gallra.EUNPROCESS, "request %d has unknown kind %q", r.ID, r.Kind)
		}
	}()
	if err != nil && lostClaim(hctx, err) {
		return s.lost(ctx, r)
	}
	if err != nil && inline && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, s.release(ctx, r, claim)
	}
	if err != nil {
		return nil, s.fail(ctx, r, claim, err)
	}
	lost := false
	var retired []string // earlier exports' files to remove once committed
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		// Compare-and-set: only the worker holding the claim completes.
		if cur.Status != gallra.StatusProcessing || cur.Claim != claim {
			lost = true
			return nil
		}
		now := tx.Now
		cur.Counts = r.Counts
		if r.Kind == gallra.RequestErase && (len(held) > 0 || cur.HoldWait != nil) {
			// Held back in part (Art. 17(3)(e)), or a pass after a release.
			r = cur
			retired, err = s.settleHolds(ctx, tx, cur, held)
			return err
		}
		cur.Status, cur.FinishedAt, cur.Error, cur.Overdue, cur.Claim, cur.RetryAt = gallra.StatusCompleted, &now, "", false, "", nil
		cur.VerificationNote = ""                // kept only while the request is open
		cur.CompletedLate = now.After(cur.DueAt) // Art. 12(3): recorded, never undone
		if r.Kind == gallra.RequestExport {
			// Renamed into place while the row is locked: a worker that lost
			// the claim never replaces the file the winner recorded.
			if err := os.Rename(s.partFile(part.Path, claim), s.artefactFile(part.Path)); err != nil {
				return fmt.Errorf("move artefact into place: %w", err)
			}
			exp := now.Add(s.cfg.ArtefactTTL)
			part.ExpiresAt = &exp
			cur.Artefact, cur.PlannedArtefact = part, ""
		} else {
			cur.Email = "" // erased: keep only the keyed hash
		}
		if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
			return err
		}
		if r.Kind == gallra.RequestErase {
			if retired, err = s.retireEarlier(ctx, tx, cur); err != nil {
				return err
			}
		}
		r = cur
		return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.completed", "subject_request", r.ID,
			map[string]any{"kind": string(r.Kind), "email_hash": r.EmailHash, "counts": r.Counts, "late": now.After(r.DueAt)})
	})
	if part != nil && (err != nil || lost) {
		os.Remove(s.partFile(part.Path, claim)) // ours; the final file belongs to the request row
	}
	if err != nil {
		return nil, s.fail(ctx, r, claim, err)
	}
	if lost {
		return s.lost(ctx, r)
	}
	s.removeArtefacts(r.OrgID, retired)
	s.log.Info("request completed", "org_id", r.OrgID, "request_id", r.ID, "kind", string(r.Kind))
	return r, nil
}

// lost returns the request as the worker that took it over left it.
func (s *Service) lost(ctx context.Context, r *gallra.SubjectRequest) (*gallra.SubjectRequest, error) {
	s.log.Warn("request taken over by another worker; stopping", "org_id", r.OrgID, "request_id", r.ID)
	return s.db.GetSubjectRequest(context.WithoutCancel(ctx), r.OrgID, r.ID)
}

// release gives up the claim of an inline run whose time budget is used
// up: the request stays processing, without a claim, for the
// requests.process job to carry on at once (no failure is recorded, no
// retry used, and it cannot be cancelled meanwhile). Returns errBudget
// (wrapping context.DeadlineExceeded).
func (s *Service) release(ctx context.Context, r *gallra.SubjectRequest, claim string) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.db.Update(rctx, func(tx *store.Tx) error {
		cur, err := tx.LockSubjectRequest(rctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		if cur.Status != gallra.StatusProcessing || cur.Claim != claim {
			return nil
		}
		cur.Claim = ""
		return tx.SaveSubjectRequest(rctx, cur)
	})
	if err != nil {
		s.log.Error("release request", "request_id", r.ID, "err", err)
	}
	return fmt.Errorf("%w: %w", errBudget, context.DeadlineExceeded)
}

// retryable reports whether a failure may go away by itself (interruption,
// database or disk trouble) rather than needing a person (bad input).
func retryable(err error) bool {
	switch gallra.ErrorCode(err) {
	case gallra.EINVALID, gallra.EUNPROCESS, gallra.ENOTFOUND, gallra.EFORBIDDEN:
		return false
	}
	return true
}

// internalError is a failure of the processing itself, never bad input:
// it carries no gallra code, so it is retryable and reported as internal.
type internalError struct{ msg string }

func (e *internalError) Error() string { return e.msg }

// fail marks r failed with err's message, unless another worker holds the
// request now, and returns err. A retryable failure gets a retry time
// (backing off by attempt) until Config.MaxAttempts.
func (s *Service) fail(ctx context.Context, r *gallra.SubjectRequest, claim string, cause error) error {
	if store.IsForeignKeyViolation(cause) {
		// The store classes a foreign-key violation as bad input (EINVALID);
		// while processing a request it is our own ordering problem or a
		// race with a writer: internal, and worth a retry.
		s.log.Error("request hit a foreign-key violation", "org_id", r.OrgID, "request_id", r.ID, "err", cause)
		cause = &internalError{msg: "processing hit a foreign-key violation (internal error): " + cause.Error()}
	}
	s.log.Error("request failed", "org_id", r.OrgID, "request_id", r.ID, "err", cause)
	msg := gallra.ErrorMessage(cause)
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		msg = "processing was interrupted; it resumes by itself (job requests.process) or when processed again"
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.db.Update(fctx, func(tx *store.Tx) error {
		cur, err := tx.LockSubjectRequest(fctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() || cur.Claim != claim {
			return nil
		}
		now := tx.Now
		cur.Status, cur.Error, cur.Claim, cur.RetryAt, cur.FinishedAt = gallra.StatusFailed, msg, "", nil, &now
		if retryable(cause) && cur.Attempts < s.cfg.MaxAttempts {
			at := tx.Now.Add(time.Duration(cur.Attempts-1) * time.Minute)
			cur.RetryAt = &at
		}
		if err := tx.SaveSubjectRequest(fctx, cur); err != nil {
			return err
		}
		return tx.Audit(fctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.failed", "subject_request", r.ID, map[string]any{"counts": cur.Counts})
	})
	if err != nil {
		s.log.Error("mark request failed", "request_id", r.ID, "err", err)
	}
	return cause
}

func (s *Service) progress(r *gallra.SubjectRequest, p Progress) error {
	if s.cfg.OnProgress == nil {
		return nil
	}
	return s.cfg.OnProgress(r, p)
}
