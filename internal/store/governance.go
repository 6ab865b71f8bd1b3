package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kinds of governance reasons.
const (
	// GovernanceRetentionWeakened: a retention setting now keeps data
	// longer than before (or never purges).
	GovernanceRetentionWeakened = "retention_weakened"
	// GovernanceHoldReleased: a legal hold placed by someone else was
	// released.
	GovernanceHoldReleased = "hold_released"
)

// AddGovernanceReason keeps the reason a staff user gave for a governance
// decision, inside the decision's transaction, and returns its id for the
// audit entry (the reason's text stays out of the append-only log).
func (tx *Tx) AddGovernanceReason(ctx context.Context, orgID int64, kind, subjectType string, subjectID, staffID int64, reason string) (int64, error) {
	id, err := tx.insert(ctx, `INSERT INTO governance_reasons (org_id, kind, subject_type, subject_id, staff_id, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, kind, subjectType, subjectID, staffID, ms(tx.Now), reason)
	if err != nil {
		return 0, fmt.Errorf("record governance reason: %w", err)
	}
	return id, nil
}

// GovernanceReasons returns the texts of the organisation's reasons among
// ids (for the audit page); other organisations' ids are absent.
func (db *DB) GovernanceReasons(ctx context.Context, orgID int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > 500 {
		ids = ids[:500]
	}
	args := []any{orgID}
	for _, id := range ids {
		args = append(args, id)
	}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, reason FROM governance_reasons WHERE org_id = ? AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("read governance reasons: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var r string
			if err := rows.Scan(&id, &r); err != nil {
				return fmt.Errorf("scan governance reason: %w", err)
			}
			out[id] = r
		}
		return rows.Err()
	})
	return out, err
}

// NextJobRun returns when the named job next runs: the earliest pending or
// running job of that name (running reports one is running now); ok is
// false when none is queued.
func (db *DB) NextJobRun(ctx context.Context, name string) (at time.Time, running, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		var runAt int64
		var status string
		e := tx.queryRow(ctx, `SELECT run_at, status FROM jobs WHERE name = ? AND status IN ('pending', 'running') ORDER BY CASE status WHEN 'running' THEN 0 ELSE 1 END, run_at LIMIT 1`, name).Scan(&runAt, &status)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		} else if e != nil {
			return fmt.Errorf("read next run of %s: %w", name, e)
		}
		at, running, ok = fromMS(runAt), status == "running", true
		return nil
	})
	return at, running, ok, err
}
