package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
)

// The access log (docs/privacy-register.md, "Access log"): one row per
// read of a person's data by staff. It is append-only: this file is the
// only place that writes it (INSERT) or deletes from it (the purge, and
// org_delete.go for a deleted organisation); no statement updates it, and
// both engines refuse an UPDATE (a trigger), PostgreSQL also a DELETE
// outside those two (allowAccessLogDelete).

// AccessRecord is a read to record.
type AccessRecord struct {
	StaffID     int64
	SubjectType gallra.SubjectType
	SubjectID   int64
	Action      gallra.AccessAction
	Reason      gallra.AccessReason
}

// RecordRead appends a read to the organisation's access log inside tx, so
// that it is recorded exactly when the transaction that served the data
// commits.
func (tx *Tx) RecordRead(ctx context.Context, orgID int64, r AccessRecord) error {
	if r.Action == "" {
		r.Action = gallra.AccessView
	}
	if _, err := tx.exec(ctx, `INSERT INTO access_log (org_id, staff_id, subject_type, subject_id, action, reason, accessed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, r.StaffID, string(r.SubjectType), r.SubjectID, string(r.Action), string(r.Reason), ms(tx.Now)); err != nil {
		return fmt.Errorf("record read in access log: %w", err)
	}
	return nil
}

// RecordRead appends a read to the organisation's access log.
func (db *DB) RecordRead(ctx context.Context, orgID int64, r AccessRecord) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.RecordRead(ctx, orgID, r) })
}

// RecordReads appends several reads to the organisation's access log in
// one transaction (an export of many conversations).
func (db *DB) RecordReads(ctx context.Context, orgID int64, rs []AccessRecord) error {
	if len(rs) == 0 {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		for _, r := range rs {
			if err := tx.RecordRead(ctx, orgID, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// MessageConversation returns the conversation of a mail message of the
// organisation (ENOTFOUND otherwise).
func (db *DB) MessageConversation(ctx context.Context, orgID, messageID int64) (int64, error) {
	var id int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT conversation_id FROM mail_messages WHERE id = ? AND org_id = ?`, messageID, orgID).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("mail message", messageID)
	}
	return id, err
}

// AccessLogQuery selects entries of one organisation's access log: by staff
// user, by person (EmailHash: the keyed hash of the person's address, to
// find the exports made for it), or all.
type AccessLogQuery struct {
	OrgID     int64
	StaffID   int64
	PersonID  int64
	EmailHash string
	From, To  time.Time
	Cursor    string
	Limit     int
}

// accessPersonBranches find the access-log ids of the reads of a person's
// data, each through an index: their person page, the mail conversations
// they take part in, their chats, the topics they started or wrote in, and
// the exports made for their address. Arguments: org, person (and org,
// person again for the posts' branch).
const accessPersonBranches = `SELECT id FROM access_log WHERE org_id = ? AND subject_type = 'person' AND subject_id = ?
	UNION SELECT a.id FROM mail_participants mp JOIN access_log a ON a.org_id = mp.org_id AND a.subject_type = 'mail_conversation' AND a.subject_id = mp.conversation_id
		WHERE mp.org_id = ? AND mp.person_id = ?
	UNION SELECT a.id FROM chat_conversations c JOIN access_log a ON a.org_id = c.org_id AND a.subject_type = 'chat_conversation' AND a.subject_id = c.id
		WHERE c.org_id = ? AND c.person_id = ?
	UNION SELECT a.id FROM forum_topics t JOIN access_log a ON a.org_id = t.org_id AND a.subject_type = 'forum_topic' AND a.subject_id = t.id
		WHERE t.org_id = ? AND t.person_id = ?
	UNION SELECT a.id FROM access_log a WHERE a.org_id = ? AND a.subject_type = 'forum_topic'
		AND a.subject_id IN (SELECT topic_id FROM forum_posts WHERE org_id = ? AND person_id = ?)
	UNION SELECT a.id FROM subject_requests r JOIN access_log a ON a.org_id = r.org_id AND a.subject_type = 'export' AND a.subject_id = r.id
		WHERE r.org_id = ? AND r.email_hash = ?`

// ListAccessLog returns a page of the access log, newest first (keyset on
// time and id; backed by access_log_time, access_log_staff, and for a
// person by access_log_subject through the person's content).
func (db *DB) ListAccessLog(ctx context.Context, q AccessLogQuery) (*gallra.AccessLogPage, error) {
	page := &gallra.AccessLogPage{Items: []gallra.AccessEntry{}}
	limit := clampLimit(q.Limit, 50, 200)
	where := []string{`a.org_id = ?`}
	args := []any{q.OrgID}
	switch {
	case q.StaffID > 0:
		where, args = append(where, `a.staff_id = ?`), append(args, q.StaffID)
	case q.PersonID > 0:
		o, p := q.OrgID, q.PersonID
		where = append(where, `a.id IN (`+accessPersonBranches+`)`)
		args = append(args, o, p, o, p, o, p, o, p, o, o, p, o, q.EmailHash)
	}
	if !q.From.IsZero() {
		where, args = append(where, `a.accessed_at >= ?`), append(args, ms(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, `a.accessed_at < ?`), append(args, ms(q.To))
	}
	if q.Cursor != "" {
		at, id, err := parseInboxCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		where, args = append(where, `(a.accessed_at < ? OR (a.accessed_at = ? AND a.id < ?))`), append(args, at, at, id)
	}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT a.id, a.staff_id, COALESCE(s.name, ''), a.subject_type, a.subject_id, a.action, a.reason, a.accessed_at
			FROM access_log a LEFT JOIN staff s ON s.id = a.staff_id AND s.org_id = a.org_id
			WHERE `+strings.Join(where, " AND ")+` ORDER BY a.accessed_at DESC, a.id DESC LIMIT ?`, append(args, limit+1)...)
		if err != nil {
			return fmt.Errorf("list access log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e gallra.AccessEntry
			var st, action, reason string
			var at int64
			if err := rows.Scan(&e.ID, &e.StaffID, &e.StaffName, &st, &e.SubjectID, &action, &reason, &at); err != nil {
				return fmt.Errorf("list access log: %w", err)
			}
			e.SubjectType, e.Action, e.Reason, e.At = gallra.SubjectType(st), gallra.AccessAction(action), gallra.AccessReason(reason), fromMS(at)
			page.Items = append(page.Items, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.Next = inboxCursor(last.At, last.ID)
	}
	return page, nil
}

// PersonEmailHash returns the keyed hash of a person's e-mail address, by
// which the exports made for them are found ("" for a person without one);
// ENOTFOUND for a person not of the organisation.
func (db *DB) PersonEmailHash(ctx context.Context, orgID, personID int64) (string, error) {
	var h string
	err := db.View(ctx, func(tx *Tx) error {
		var email string
		err := tx.queryRow(ctx, `SELECT email FROM persons WHERE org_id = ? AND id = ?`, orgID, personID).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("person", personID)
		} else if err != nil {
			return fmt.Errorf("get person: %w", err)
		}
		if email == "" {
			return nil
		}
		key, err := tx.OrgAuditKey(ctx, orgID)
		if err != nil {
			return err
		}
		h = audit.KeyedHash(key, gallra.NormalizeEmail(email))
		return nil
	})
	return h, err
}

// AccessLogMonths returns how many months the organisation keeps its
// access log, and whether that is its own setting (else the default).
func (db *DB) AccessLogMonths(ctx context.Context, orgID int64) (months int, own bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		months, own, err = tx.accessLogMonths(ctx, orgID)
		return err
	})
	return months, own, err
}

func (tx *Tx) accessLogMonths(ctx context.Context, orgID int64) (int, bool, error) {
	var m int
	err := tx.queryRow(ctx, `SELECT months FROM access_log_settings WHERE org_id = ?`, orgID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return gallra.DefaultAccessLogMonths, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("read access log retention: %w", err)
	}
	return m, true, nil
}

// SetAccessLogMonths sets the organisation's access-log retention and
// audits the change (access_log.retention_set, with the old and new
// periods); setting the period it has changes nothing.
func (db *DB) SetAccessLogMonths(ctx context.Context, actor gallra.Actor, orgID int64, months int) error {
	return db.Update(ctx, func(tx *Tx) error {
		old, own, err := tx.accessLogMonths(ctx, orgID)
		if err != nil {
			return err
		}
		if own && old == months {
			return nil
		}
		if _, err := tx.exec(ctx, `INSERT INTO access_log_settings (org_id, months, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET months = excluded.months, updated_at = excluded.updated_at`, orgID, months, ms(tx.Now)); err != nil {
			return fmt.Errorf("set access log retention: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "access_log.retention_set", "organisation", orgID, map[string]any{"months": months, "previous_months": old})
	})
}

// AccessLogRetention is an organisation's access-log period.
type AccessLogRetention struct {
	OrgID  int64
	Months int
}

// AccessLogRetentions lists every organisation that has access-log entries
// with its period (its own, or the default), by id.
func (db *DB) AccessLogRetentions(ctx context.Context) ([]AccessLogRetention, error) {
	var out []AccessLogRetention
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT o.id, COALESCE(s.months, ?) FROM organisations o LEFT JOIN access_log_settings s ON s.org_id = o.id
			WHERE EXISTS (SELECT 1 FROM access_log a WHERE a.org_id = o.id) ORDER BY o.id`, gallra.DefaultAccessLogMonths)
		if err != nil {
			return fmt.Errorf("list access log retentions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r AccessLogRetention
			if err := rows.Scan(&r.OrgID, &r.Months); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// CountAccessLog counts the organisation's entries read at or after from
// (zero: no bound) and before before.
func (db *DB) CountAccessLog(ctx context.Context, orgID int64, from, before time.Time) (int64, error) {
	var n int64
	err := db.View(ctx, func(tx *Tx) error {
		lo := int64(-1 << 62)
		if !from.IsZero() {
			lo = ms(from)
		}
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM access_log WHERE org_id = ? AND accessed_at >= ? AND accessed_at < ?`, orgID, lo, ms(before)).Scan(&n)
	})
	return n, err
}

// PurgeAccessLogBatch deletes up to limit of the organisation's oldest
// entries read before cutoff, in one transaction, and returns how many it
// deleted. Killed at any point it leaves whole batches done; call it until
// it returns less than limit.
func (db *DB) PurgeAccessLogBatch(ctx context.Context, orgID int64, cutoff time.Time, limit int) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.allowAccessLogDelete(ctx); err != nil {
			return err
		}
		var err error
		n, err = countChanged(tx.exec(ctx, `DELETE FROM access_log WHERE id IN
			(SELECT id FROM access_log WHERE org_id = ? AND accessed_at < ? ORDER BY accessed_at, id LIMIT ?)`, orgID, ms(cutoff), limit))
		if err != nil {
			return fmt.Errorf("purge access log: %w", err)
		}
		return nil
	})
	return n, err
}

// allowAccessLogDelete tells PostgreSQL's access_log trigger that this
// transaction may delete entries (the purge, the deletion of an
// organisation); it lasts until the transaction ends.
func (tx *Tx) allowAccessLogDelete(ctx context.Context) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	if _, err := tx.exec(ctx, `SELECT set_config('gallra.access_log_delete', 'on', true)`); err != nil {
		return fmt.Errorf("allow access log delete: %w", err)
	}
	return nil
}

// deleteAccessLog is the organisation deletion's step for the access log.
func deleteAccessLog(ctx context.Context, tx *Tx, org, _ int64, limit int) (map[string]int64, error) {
	if err := tx.allowAccessLogDelete(ctx); err != nil {
		return nil, err
	}
	n, err := tx.deleteBatch(ctx, "access_log", `org_id = ?`, limit, org)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"access_log": n}, nil
}
