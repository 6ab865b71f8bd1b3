package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// NextRequestReference numbers a new request of the organisation in year:
// DSR-<year>-<number, at least 4 digits>. The counter row is bumped with an
// upsert, which serialises concurrent creations per organisation and year.
func (tx *Tx) NextRequestReference(ctx context.Context, orgID int64, year int) (string, error) {
	var n int64
	err := tx.queryRow(ctx, `INSERT INTO request_counters (org_id, year, n) VALUES (?, ?, 1)
		ON CONFLICT (org_id, year) DO UPDATE SET n = request_counters.n + 1 RETURNING n`, orgID, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("number request: %w", err)
	}
	return fmt.Sprintf("DSR-%d-%04d", year, n), nil
}

// SubjectRequestByIdempotencyKey returns the request the staff user made
// with the key (ENOTFOUND when none).
func (tx *Tx) SubjectRequestByIdempotencyKey(ctx context.Context, orgID, staffID int64, key string) (*gallra.SubjectRequest, error) {
	r, err := scanRequest(tx.queryRow(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE org_id = ? AND requested_by = ? AND idempotency_key = ?`,
		orgID, staffID, key), tx.Now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no request with that idempotency key")
	} else if err != nil {
		return nil, fmt.Errorf("get request by idempotency key: %w", err)
	}
	return r, nil
}

// SetSubjectRequestAssignee writes the request's assignee (nil: nobody).
func (tx *Tx) SetSubjectRequestAssignee(ctx context.Context, orgID, id int64, assignee *int64) error {
	res, err := tx.exec(ctx, `UPDATE subject_requests SET assignee_id = ? WHERE id = ? AND org_id = ?`, assignee, id, orgID)
	if err != nil {
		return fmt.Errorf("assign request %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("request", id)
	}
	return nil
}

// InsertRequestNote adds an internal note to a request (n.ID set).
func (tx *Tx) InsertRequestNote(ctx context.Context, orgID int64, n *gallra.RequestNote) error {
	id, err := tx.insert(ctx, `INSERT INTO subject_request_notes (org_id, request_id, staff_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		orgID, n.RequestID, n.StaffID, n.Body, ms(tx.Now))
	if err != nil {
		return fmt.Errorf("add request note: %w", err)
	}
	n.ID, n.CreatedAt = id, tx.Now
	return nil
}

// RequestNotes returns a request's notes, oldest first.
func (db *DB) RequestNotes(ctx context.Context, orgID, requestID int64) ([]gallra.RequestNote, error) {
	out := []gallra.RequestNote{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, request_id, staff_id, body, created_at FROM subject_request_notes
			WHERE request_id = ? AND org_id = ? ORDER BY id LIMIT 1000`, requestID, orgID)
		if err != nil {
			return fmt.Errorf("list request notes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n gallra.RequestNote
			var at int64
			if err := rows.Scan(&n.ID, &n.RequestID, &n.StaffID, &n.Body, &at); err != nil {
				return err
			}
			n.CreatedAt = fromMS(at)
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// RequestSettings returns the organisation's request settings (defaults
// when it saved none).
func (tx *Tx) RequestSettings(ctx context.Context, orgID int64) (*gallra.RequestSettings, error) {
	s := &gallra.RequestSettings{TimeZone: gallra.DefaultTimeZone}
	var info string
	err := tx.queryRow(ctx, `SELECT time_zone, info FROM request_settings WHERE org_id = ?`, orgID).Scan(&s.TimeZone, &info)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	} else if err != nil {
		return nil, fmt.Errorf("get request settings: %w", err)
	}
	if err := json.Unmarshal([]byte(info), &s.Info); err != nil {
		return nil, fmt.Errorf("decode request settings: %w", err)
	}
	return s, nil
}

// RequestSettings is RequestSettings in its own transaction.
func (db *DB) RequestSettings(ctx context.Context, orgID int64) (*gallra.RequestSettings, error) {
	var s *gallra.RequestSettings
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		s, err = tx.RequestSettings(ctx, orgID)
		return err
	})
	return s, err
}

// SaveRequestSettings writes the organisation's request settings (the
// caller validated them).
func (tx *Tx) SaveRequestSettings(ctx context.Context, orgID int64, s *gallra.RequestSettings) error {
	info, err := json.Marshal(s.Info)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO request_settings (org_id, time_zone, info, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET time_zone = excluded.time_zone, info = excluded.info, updated_at = excluded.updated_at`,
		orgID, s.TimeZone, string(info), ms(tx.Now))
	if err != nil {
		return fmt.Errorf("save request settings: %w", err)
	}
	return nil
}

// EarlierSubjectRequests returns the organisation's other requests about
// the same person (keyed e-mail hash) that still hold something of them:
// the clear address, the verification note, or an export artefact not yet
// deleted — finished ones only (completed, cancelled, refused): an open
// request keeps what it needs to be answered. For an erasure to retire (at
// most 1000, by id).
func (tx *Tx) EarlierSubjectRequests(ctx context.Context, orgID int64, emailHash string, exceptID int64) ([]gallra.SubjectRequest, error) {
	rows, err := tx.query(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE org_id = ? AND email_hash = ? AND id <> ?
		AND status IN ('completed', 'cancelled', 'refused')
		AND (email <> '' OR verification_note <> '' OR (artefact_path <> '' AND artefact_deleted_at IS NULL))
		ORDER BY id LIMIT 1000`, orgID, emailHash, exceptID)
	if err != nil {
		return nil, fmt.Errorf("list earlier requests: %w", err)
	}
	defer rows.Close()
	out := []gallra.SubjectRequest{}
	for rows.Next() {
		r, err := scanRequest(rows, tx.Now)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// StaffMember returns a staff user of the organisation with their channel
// memberships, inside a transaction (ENOTFOUND otherwise).
func (tx *Tx) StaffMember(ctx context.Context, orgID, id int64) (*gallra.Staff, error) {
	return tx.getStaff(ctx, orgID, id)
}
