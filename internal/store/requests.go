package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// gallra.Mention search states.
const (
	MentionsPending  = "pending"
	MentionsComplete = "complete"
	MentionsPartial  = "partial"
)

const requestCols = `id, org_id, kind, status, email, email_hash, modules, channel_ids, forum_action, requested_by, attestation,
	verification_method, verification_note, received_at, due_at, extended_months, extension_reason, started_at, finished_at,
	counts, mentions, error, artefact_path, artefact_size, artefact_sha256, artefact_expires_at, artefact_deleted_at,
	updated_at, claim, attempts, retry_at, mentions_status, mention_keys, person_data,
	reference, assignee_id, completed_late, close_reason, idempotency_key, hold_wait`

func scanRequest(sc interface{ Scan(...any) error }, now time.Time) (*gallra.SubjectRequest, error) {
	var r gallra.SubjectRequest
	var kind, status, modules, channels, counts, mentions, apath string
	var received, due int64
	var started, finished, aexp, adel, retry sql.NullInt64
	var asize, updated int64
	var asum string
	var personData, late int
	var assignee sql.NullInt64
	var holdWait string
	if err := sc.Scan(&r.ID, &r.OrgID, &kind, &status, &r.Email, &r.EmailHash, &modules, &channels, &r.ForumAction, &r.RequestedBy, &r.Attestation,
		&r.VerificationMethod, &r.VerificationNote, &received, &due, &r.ExtendedMonths, &r.ExtensionReason, &started, &finished,
		&counts, &mentions, &r.Error, &apath, &asize, &asum, &aexp, &adel,
		&updated, &r.Claim, &r.Attempts, &retry, &r.MentionsStatus, &r.MentionKeys, &personData,
		&r.Reference, &assignee, &late, &r.CloseReason, &r.IdempotencyKey, &holdWait); err != nil {
		return nil, err
	}
	r.Kind, r.Status = gallra.RequestKind(kind), gallra.RequestStatus(status)
	r.ReceivedAt, r.DueAt, r.StartedAt, r.FinishedAt = fromMS(received), fromMS(due), fromNullMS(started), fromNullMS(finished)
	r.Modules = []gallra.Module{}
	for _, m := range strings.Split(modules, ",") {
		if m != "" {
			r.Modules = append(r.Modules, gallra.Module(m))
		}
	}
	r.ChannelIDs = []int64{}
	for _, c := range strings.Split(channels, ",") {
		if id, err := strconv.ParseInt(c, 10, 64); err == nil {
			r.ChannelIDs = append(r.ChannelIDs, id)
		}
	}
	r.Counts = map[string]int64{}
	if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
		return nil, fmt.Errorf("decode request %d counts: %w", r.ID, err)
	}
	r.Mentions = []gallra.Mention{}
	if err := json.Unmarshal([]byte(mentions), &r.Mentions); err != nil {
		return nil, fmt.Errorf("decode request %d mentions: %w", r.ID, err)
	}
	r.UpdatedAt, r.RetryAt, r.PersonData = fromMS(updated), fromNullMS(retry), personData != 0
	r.CompletedLate = late != 0
	if err := decodeHoldWait(&r, holdWait); err != nil {
		return nil, err
	}
	if assignee.Valid {
		r.AssigneeID = &assignee.Int64
	}
	if r.Status != gallra.StatusCompleted && !adel.Valid {
		r.PlannedArtefact = apath
	} else if apath != "" || adel.Valid {
		r.Artefact = &gallra.Artefact{Path: apath, Size: asize, SHA256: asum, ExpiresAt: fromNullMS(aexp), DeletedAt: fromNullMS(adel)}
	}
	r.Overdue = r.Status.Open() && now.After(r.DueAt)
	r.EmailRetained = r.Email != ""
	return &r, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func joinModules(ms []gallra.Module) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

// InsertSubjectRequest stores a new request (r.ID is set). The caller has
// validated and authorised it; the row is written as given.
func (tx *Tx) InsertSubjectRequest(ctx context.Context, r *gallra.SubjectRequest) error {
	counts, mentions, err := encodeResult(r)
	if err != nil {
		return err
	}
	id, err := tx.insert(ctx, `INSERT INTO subject_requests (org_id, kind, status, email, email_hash, modules, channel_ids, forum_action, requested_by,
		attestation, verification_method, verification_note, received_at, due_at, counts, mentions, updated_at, mentions_status, person_data,
		reference, assignee_id, idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.OrgID, string(r.Kind), string(r.Status), r.Email, r.EmailHash, joinModules(r.Modules), joinIDs(r.ChannelIDs), r.ForumAction, r.RequestedBy,
		r.Attestation, r.VerificationMethod, r.VerificationNote, ms(r.ReceivedAt), ms(r.DueAt), counts, mentions, ms(tx.Now), r.MentionsStatus, boolInt(r.PersonData),
		r.Reference, r.AssigneeID, r.IdempotencyKey)
	if err != nil {
		return fmt.Errorf("insert subject request: %w", err)
	}
	r.ID, r.UpdatedAt = id, tx.Now
	for _, c := range r.ChannelIDs {
		if _, err := tx.exec(ctx, `INSERT INTO subject_request_channels (request_id, org_id, channel_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, r.OrgID, c); err != nil {
			return fmt.Errorf("insert subject request scope: %w", err)
		}
	}
	return nil
}

func encodeResult(r *gallra.SubjectRequest) (string, string, error) {
	if r.Counts == nil {
		r.Counts = map[string]int64{}
	}
	if r.Mentions == nil {
		r.Mentions = []gallra.Mention{}
	}
	c, err := json.Marshal(r.Counts)
	if err != nil {
		return "", "", err
	}
	m, err := json.Marshal(r.Mentions)
	if err != nil {
		return "", "", err
	}
	return string(c), string(m), nil
}

// SaveSubjectRequest writes every mutable field of r (status, e-mail, dates,
// extension, counts, mentions, error, artefact, claim and retry state) back
// to its row. It leaves updated_at, the processing heartbeat, alone: only
// TouchSubjectRequest refreshes it.
func (tx *Tx) SaveSubjectRequest(ctx context.Context, r *gallra.SubjectRequest) error {
	counts, mentions, err := encodeResult(r)
	if err != nil {
		return err
	}
	a := r.Artefact
	if a == nil {
		a = &gallra.Artefact{Path: r.PlannedArtefact}
	}
	res, err := tx.exec(ctx, `UPDATE subject_requests SET status = ?, email = ?, verification_note = ?, due_at = ?, extended_months = ?, extension_reason = ?,
		started_at = ?, finished_at = ?, counts = ?, mentions = ?, error = ?,
		artefact_path = ?, artefact_size = ?, artefact_sha256 = ?, artefact_expires_at = ?, artefact_deleted_at = ?,
		claim = ?, attempts = ?, retry_at = ?, mentions_status = ?, mention_keys = ?,
		completed_late = ?, close_reason = ?, hold_wait = ?
		WHERE id = ? AND org_id = ?`,
		string(r.Status), r.Email, r.VerificationNote, ms(r.DueAt), r.ExtendedMonths, r.ExtensionReason, msPtr(r.StartedAt), msPtr(r.FinishedAt), counts, mentions, r.Error,
		a.Path, a.Size, a.SHA256, msPtr(a.ExpiresAt), msPtr(a.DeletedAt),
		r.Claim, r.Attempts, msPtr(r.RetryAt), r.MentionsStatus, r.MentionKeys,
		boolInt(r.CompletedLate), r.CloseReason, encodeHoldWait(r), r.ID, r.OrgID)
	if err != nil {
		return fmt.Errorf("save subject request %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("request", r.ID)
	}
	r.EmailRetained = r.Email != ""
	return nil
}

// ExtendSubjectRequest writes r's deadline and extension (due_at,
// extended_months, extension_reason) and nothing else: an extension is no
// heartbeat and must not delay the takeover of an abandoned request.
func (tx *Tx) ExtendSubjectRequest(ctx context.Context, r *gallra.SubjectRequest) error {
	res, err := tx.exec(ctx, `UPDATE subject_requests SET due_at = ?, extended_months = ?, extension_reason = ? WHERE id = ? AND org_id = ?`,
		ms(r.DueAt), r.ExtendedMonths, r.ExtensionReason, r.ID, r.OrgID)
	if err != nil {
		return fmt.Errorf("extend subject request %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("request", r.ID)
	}
	return nil
}

// TouchSubjectRequest records a heartbeat of the worker holding claim and
// reports whether it still holds it (false: another worker took the request
// over, or it was finished, released or cancelled).
func (db *DB) TouchSubjectRequest(ctx context.Context, orgID, id int64, claim string) (bool, error) {
	var ok bool
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		ok, err = tx.TouchSubjectRequest(ctx, orgID, id, claim)
		return err
	})
	return ok, err
}

// TouchSubjectRequest is TouchSubjectRequest inside a transaction; it is the
// only way updated_at (the heartbeat) changes after the row is inserted.
func (tx *Tx) TouchSubjectRequest(ctx context.Context, orgID, id int64, claim string) (bool, error) {
	if claim == "" {
		return false, nil
	}
	res, err := tx.exec(ctx, `UPDATE subject_requests SET updated_at = ? WHERE id = ? AND org_id = ? AND claim = ? AND status = 'processing'`,
		ms(tx.Now), id, orgID, claim)
	if err != nil {
		return false, fmt.Errorf("touch subject request %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// GetSubjectRequest returns a request of the organisation (ENOTFOUND for any
// other organisation's).
func (db *DB) GetSubjectRequest(ctx context.Context, orgID, id int64) (*gallra.SubjectRequest, error) {
	var r *gallra.SubjectRequest
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		r, err = tx.GetSubjectRequest(ctx, orgID, id)
		return err
	})
	return r, err
}

// GetSubjectRequest is GetSubjectRequest inside a transaction.
func (tx *Tx) GetSubjectRequest(ctx context.Context, orgID, id int64) (*gallra.SubjectRequest, error) {
	return tx.getSubjectRequest(ctx, orgID, id, false)
}

// LockSubjectRequest is GetSubjectRequest for a write transaction: on
// PostgreSQL the row is locked (FOR UPDATE) so that concurrent state changes
// of one request serialise; SQLite has a single writer anyway.
func (tx *Tx) LockSubjectRequest(ctx context.Context, orgID, id int64) (*gallra.SubjectRequest, error) {
	return tx.getSubjectRequest(ctx, orgID, id, tx.Dialect() == Postgres)
}

func (tx *Tx) getSubjectRequest(ctx context.Context, orgID, id int64, lock bool) (*gallra.SubjectRequest, error) {
	q := `SELECT ` + requestCols + ` FROM subject_requests WHERE id = ? AND org_id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	r, err := scanRequest(tx.queryRow(ctx, q, id, orgID), tx.Now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("request", id)
	} else if err != nil {
		return nil, fmt.Errorf("get request %d: %w", id, err)
	}
	return r, nil
}

// ListSubjectRequests returns a page of the organisation's requests, newest
// first, each flagged Overdue when open past its due date.
func (db *DB) ListSubjectRequests(ctx context.Context, orgID int64, f gallra.RequestFilter) ([]gallra.SubjectRequest, error) {
	out := []gallra.SubjectRequest{}
	err := db.View(ctx, func(tx *Tx) error {
		q := `SELECT ` + requestCols + ` FROM subject_requests WHERE org_id = ?`
		args := []any{orgID}
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, string(f.Status))
		}
		if f.Kind != "" {
			q += ` AND kind = ?`
			args = append(args, string(f.Kind))
		}
		if f.EmailHash != "" {
			q += ` AND email_hash = ?`
			args = append(args, f.EmailHash)
		}
		if f.Reference != "" {
			q += ` AND LOWER(reference) LIKE ? ESCAPE '\'`
			args = append(args, "%"+escapeLike(strings.ToLower(f.Reference))+"%")
		}
		if f.AssigneeID != 0 {
			q += ` AND assignee_id = ?`
			args = append(args, f.AssigneeID)
		}
		if f.Unassigned {
			q += ` AND assignee_id IS NULL`
		}
		if f.Overdue {
			q += ` AND status IN ('received', 'processing', 'failed') AND due_at < ?`
			args = append(args, ms(tx.Now))
		}
		if f.RestrictChannels {
			// Filtered before LIMIT so that pages stay full; served by the
			// primary key of subject_request_channels. A request without
			// channels reaches person-level data only: admins only.
			q += ` AND EXISTS (SELECT 1 FROM subject_request_channels rc WHERE rc.request_id = subject_requests.id)`
			q += ` AND NOT EXISTS (SELECT 1 FROM subject_request_channels rc WHERE rc.request_id = subject_requests.id`
			if len(f.ActOn) > 0 {
				in, a := inList(f.ActOn)
				q += ` AND rc.channel_id NOT IN (` + in + `)`
				args = append(args, a...)
			}
			q += `)`
		}
		q, args = pageQuery(q, args, f.Page)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("list requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRequest(rows, tx.Now)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, err
}

// ExpiredArtefacts returns up to limit requests (all organisations) with an
// id above afterID whose export artefact is still recorded but past its
// expiry time, by id (page with the last id returned).
func (db *DB) ExpiredArtefacts(ctx context.Context, afterID int64, limit int) ([]gallra.SubjectRequest, error) {
	out := []gallra.SubjectRequest{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+requestCols+` FROM subject_requests
			WHERE artefact_path <> '' AND artefact_expires_at <= ? AND id > ? ORDER BY id LIMIT ?`, ms(tx.Now), afterID, clampLimit(limit, 100, 1000))
		if err != nil {
			return fmt.Errorf("list expired artefacts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRequest(rows, tx.Now)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, err
}

// ReducibleSubjectRequests returns up to limit requests (all organisations)
// with an id above afterID that are finished — completed, cancelled, or
// failed with no retry — since before, and still hold the clear address, the
// mention keys or the verification note (a completed request whose mention
// search is pending is left until it is done). By id; page with the last id.
func (db *DB) ReducibleSubjectRequests(ctx context.Context, before time.Time, afterID int64, limit int) ([]gallra.SubjectRequest, error) {
	out := []gallra.SubjectRequest{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE id > ?
			AND (status IN ('completed', 'cancelled', 'refused') OR (status = 'failed' AND retry_at IS NULL))
			AND COALESCE(finished_at, updated_at) < ?
			AND (email <> '' OR mention_keys <> '' OR verification_note <> '')
			AND NOT (status = 'completed' AND mentions_status = 'pending')
			ORDER BY id LIMIT ?`, afterID, ms(before), clampLimit(limit, 100, 1000))
		if err != nil {
			return fmt.Errorf("list finished requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRequest(rows, tx.Now)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, err
}

// QueueSocialDeletion records that an item must be deleted on the external
// social platform (the connector works the outbox). Idempotent per
// (channel, external id).
func (tx *Tx) QueueSocialDeletion(ctx context.Context, orgID, channelID int64, externalID string, requestID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO social_deletion_outbox (org_id, channel_id, external_id, request_id, requested_at, status, source, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, 'pending', COALESCE((SELECT source FROM social_items WHERE channel_id = ? AND external_id = ?), ''), ?) ON CONFLICT (channel_id, external_id) DO NOTHING`,
		orgID, channelID, externalID, idArg(nonZero(requestID)), ms(tx.Now), channelID, externalID, ms(tx.Now))
	if err != nil {
		return fmt.Errorf("queue social deletion: %w", err)
	}
	return nil
}

// SocialDeletion is one entry of the social deletion outbox.
type SocialDeletion struct {
	ID          int64     `json:"id"`
	ChannelID   int64     `json:"channel_id"`
	ExternalID  string    `json:"external_id"`
	RequestID   int64     `json:"request_id,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	Status      string    `json:"status"`
}

// ListSocialDeletions returns the organisation's outbox entries in the
// status ("" for all), oldest first.
func (db *DB) ListSocialDeletions(ctx context.Context, orgID int64, status string, limit int) ([]SocialDeletion, error) {
	out := []SocialDeletion{}
	err := db.View(ctx, func(tx *Tx) error {
		q := `SELECT id, channel_id, external_id, request_id, requested_at, status FROM social_deletion_outbox WHERE org_id = ?`
		args := []any{orgID}
		if status != "" {
			q += ` AND status = ?`
			args = append(args, status)
		}
		rows, err := tx.query(ctx, q+` ORDER BY id LIMIT ?`, append(args, clampLimit(limit, 100, 1000))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d SocialDeletion
			var req sql.NullInt64
			var at int64
			if err := rows.Scan(&d.ID, &d.ChannelID, &d.ExternalID, &req, &at, &d.Status); err != nil {
				return err
			}
			d.RequestID, d.RequestedAt = req.Int64, fromMS(at)
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// WorkableSubjectRequests returns up to limit requests (all organisations)
// with an id above afterID that the requests.process job has to work on, by
// id: received ones, processing ones released by their worker (no claim) or
// without a heartbeat since staleBefore (their worker died), failed ones
// whose retry time has come, and completed ones whose mention search is
// pending. gallra.Page with the last id returned.
func (db *DB) WorkableSubjectRequests(ctx context.Context, staleBefore time.Time, afterID int64, limit int) ([]gallra.SubjectRequest, error) {
	out := []gallra.SubjectRequest{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE id > ? AND (status = 'received'
			OR (status = 'processing' AND (updated_at < ? OR claim = '')) OR (retry_at <= ? AND status = 'failed') OR (mentions_status = 'pending' AND status IN ('completed', 'waiting_on_hold'))
			OR (status = 'waiting_on_hold' AND `+holdsReleased+`))
			ORDER BY id LIMIT ?`, afterID, ms(staleBefore), ms(tx.Now), clampLimit(limit, 100, 1000))
		if err != nil {
			return fmt.Errorf("list workable requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRequest(rows, tx.Now)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, err
}

// The Fold* helpers add what an erasure is about to delete to
// channel_daily_stats, with the same day buckets and columns as the
// retention purge (internal/store/retention_purge.go), so that
// ChannelTotals stays true after an erasure. Call them in the deleting
// transaction, before the delete.

// FoldErasedPosts folds forum posts and comments that are deleted or become
// content-free placeholders (ChannelTotals counts neither).
func (tx *Tx) FoldErasedPosts(ctx context.Context, ids []int64) error { return tx.foldPosts(ctx, ids) }

// FoldErasedTopics folds forum topics about to be deleted.
func (tx *Tx) FoldErasedTopics(ctx context.Context, ids []int64) error {
	return tx.foldTopics(ctx, ids)
}

// FoldErasedMailConversations folds whole mail conversations (and their
// messages) about to be deleted.
func (tx *Tx) FoldErasedMailConversations(ctx context.Context, ids []int64) error {
	return tx.foldConversations(ctx, mailPurge, ids)
}

// FoldErasedMailMessages folds single mail messages about to be deleted.
func (tx *Tx) FoldErasedMailMessages(ctx context.Context, ids []int64) error {
	return tx.foldMailMessages(ctx, ids)
}

// FoldErasedChats folds chats about to be deleted: the conversation, its
// messages and, when closed, its duration.
func (tx *Tx) FoldErasedChats(ctx context.Context, ids []int64) error {
	return tx.foldConversations(ctx, chatPurge, ids)
}
