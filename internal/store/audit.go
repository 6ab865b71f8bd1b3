package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
)

// Audit appends an entry to the organisation's hash-chained audit log inside
// tx, so the entry exists exactly when the action it records does. details
// must hold ids, counts and keyed hashes only, never personal data.
func (tx *Tx) Audit(ctx context.Context, orgID int64, actor gallra.Actor, action string, subjectType string, subjectID int64, details map[string]any) error {
	// Bumping the head row takes its row lock on PostgreSQL (SQLite has one
	// writer), which serialises appends per organisation on every engine.
	var seq int64
	var prev string
	err := tx.queryRow(ctx, `UPDATE audit_heads SET seq = seq + 1 WHERE org_id = ? RETURNING seq, hash`, orgID).Scan(&seq, &prev)
	if err != nil {
		return fmt.Errorf("advance audit head of org %d: %w", orgID, err)
	}
	e := &gallra.AuditEntry{
		OrgID: orgID, Seq: seq, At: tx.Now, ActorType: actor.Type, ActorID: actor.ID,
		Action: action, SubjectType: subjectType, SubjectID: subjectID, Details: details, PrevHash: prev,
	}
	raw := []byte("{}")
	if len(details) > 0 {
		if raw, err = json.Marshal(details); err != nil {
			return fmt.Errorf("encode audit details: %w", err)
		}
	}
	e.Hash = audit.HashRaw(e, raw)
	if _, err := tx.exec(ctx, `INSERT INTO audit_log (org_id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, seq, ms(e.At), e.ActorType, e.ActorID, e.Action, e.SubjectType, e.SubjectID, string(raw), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE audit_heads SET hash = ? WHERE org_id = ?`, e.Hash, orgID); err != nil {
		return fmt.Errorf("update audit head: %w", err)
	}
	return nil
}

// ListAudit returns an organisation's audit entries, newest first.
func (db *DB) ListAudit(ctx context.Context, orgID int64, f gallra.AuditFilter) ([]gallra.AuditEntry, error) {
	var where []string
	args := []any{orgID}
	where = append(where, "org_id = ?")
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, `action LIKE ? ESCAPE '\'`)
			args = append(args, escapeLike(f.Action)+"%")
		} else {
			where = append(where, "action = ?")
			args = append(args, f.Action)
		}
	}
	if f.SubjectType != "" {
		where = append(where, "subject_type = ?")
		args = append(args, f.SubjectType)
	}
	if f.SubjectID != 0 {
		where = append(where, "subject_id = ?")
		args = append(args, f.SubjectID)
	}
	if f.ActorID != 0 {
		where = append(where, "actor_id = ?")
		args = append(args, f.ActorID)
	}
	if f.BeforeSeq > 0 {
		where = append(where, "seq < ?")
		args = append(args, f.BeforeSeq)
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, ms(f.To))
	}
	limit := clampLimit(f.Limit, 50, 500)
	args = append(args, limit)
	var out []gallra.AuditEntry
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, org_id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
			FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, args...)
		if err != nil {
			return fmt.Errorf("list audit: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, _, err := scanAudit(rows)
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return rows.Err()
	})
	return out, err
}

func scanAudit(rows *sql.Rows) (*gallra.AuditEntry, []byte, error) {
	var e gallra.AuditEntry
	var at int64
	var details string
	if err := rows.Scan(&e.ID, &e.OrgID, &e.Seq, &at, &e.ActorType, &e.ActorID, &e.Action, &e.SubjectType, &e.SubjectID, &details, &e.PrevHash, &e.Hash); err != nil {
		return nil, nil, fmt.Errorf("scan audit entry: %w", err)
	}
	e.At = fromMS(at)
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			// A row whose details are not JSON was tampered with; keep the raw
			// bytes so verification reports it rather than failing here.
			e.Details = map[string]any{"_unparseable": true}
		}
	}
	return &e, []byte(details), nil
}

// VerifyAudit re-computes an organisation's whole chain, streaming entries in
// seq order, and compares its end with the recorded head.
func (db *DB) VerifyAudit(ctx context.Context, orgID int64) (audit.Result, error) {
	var res audit.Result
	err := db.View(ctx, func(tx *Tx) error {
		var headSeq int64
		var headHash string
		err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = ?`, orgID).Scan(&headSeq, &headHash)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("organisation", orgID)
		} else if err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		rows, err := tx.query(ctx, `SELECT id, org_id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
			FROM audit_log WHERE org_id = ? ORDER BY seq`, orgID)
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		defer rows.Close()
		v := audit.NewVerifier()
		for rows.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			e, raw, err := scanAudit(rows)
			if err != nil {
				return err
			}
			v.Add(e, raw)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		res = v.Finish(headSeq, headHash)
		res.OrgID = orgID
		return nil
	})
	return res, err
}

// OrgAuditKey returns the organisation's secret key for keyed hashes of
// identifiers in audit entries.
func (tx *Tx) OrgAuditKey(ctx context.Context, orgID int64) ([]byte, error) {
	var key []byte
	err := tx.queryRow(ctx, `SELECT audit_key FROM organisations WHERE id = ?`, orgID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organisation", orgID)
	}
	return key, err
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}
