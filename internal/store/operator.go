package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
)

// The operator's side of organisations: summaries with counts, status
// changes, and the operator audit log (docs/operators.md). The deletion
// itself is in org_delete.go.

// summarySelect reads an OrganisationSummary; holds are counted through the
// *_held indexes, staff without the removed ones (deletedStaffDomain).
const summarySelect = `SELECT o.id, o.name, o.language, o.status, o.status_at, o.created_at,
	(SELECT COUNT(*) FROM channels c WHERE c.org_id = o.id),
	(SELECT COUNT(*) FROM staff s WHERE s.org_id = o.id AND s.email NOT LIKE '%@` + deletedStaffDomain + `'),
	(SELECT COUNT(*) FROM forum_topics t WHERE t.org_id = o.id AND t.held_at IS NOT NULL)
	+ (SELECT COUNT(*) FROM mail_conversations m WHERE m.org_id = o.id AND m.held_at IS NOT NULL)
	+ (SELECT COUNT(*) FROM chat_conversations h WHERE h.org_id = o.id AND h.held_at IS NOT NULL)
	FROM organisations o`

func scanSummary(row interface{ Scan(...any) error }) (*gallra.OrganisationSummary, error) {
	var o gallra.OrganisationSummary
	var statusAt, created int64
	if err := row.Scan(&o.ID, &o.Name, &o.Language, &o.Status, &statusAt, &created, &o.Channels, &o.Staff, &o.Holds); err != nil {
		return nil, err
	}
	o.CreatedAt = fromMS(created)
	if statusAt > 0 {
		t := fromMS(statusAt)
		o.StatusAt = &t
	}
	return &o, nil
}

// OrganisationSummaries returns every organisation with its status and
// counts, by id.
func (db *DB) OrganisationSummaries(ctx context.Context) ([]gallra.OrganisationSummary, error) {
	var out []gallra.OrganisationSummary
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, summarySelect+` ORDER BY o.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanSummary(rows)
			if err != nil {
				return err
			}
			out = append(out, *o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return out, nil
}

// OrganisationSummary returns one organisation's summary; ENOTFOUND when
// it does not exist.
func (db *DB) OrganisationSummary(ctx context.Context, id int64) (*gallra.OrganisationSummary, error) {
	var o *gallra.OrganisationSummary
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		o, err = tx.organisationSummary(ctx, id)
		return err
	})
	return o, err
}

func (tx *Tx) organisationSummary(ctx context.Context, id int64) (*gallra.OrganisationSummary, error) {
	o, err := scanSummary(tx.queryRow(ctx, summarySelect+` WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organisation", id)
	} else if err != nil {
		return nil, fmt.Errorf("read organisation %d: %w", id, err)
	}
	return o, nil
}

// CreateOrganisationWithAdmin creates an organisation, its first
// administrator and their one-time sign-in link (purpose LinkSetup, valid
// gallra.SetupLinkTTL) in one transaction, audited in the organisation's
// log and the operator's. It returns the link's secret. A name another
// organisation has (ignoring case) is ECONFLICT: the operator confirms a
// deletion by name, so names must tell organisations apart.
func (db *DB) CreateOrganisationWithAdmin(ctx context.Context, in gallra.NewOrganisation) (*gallra.OrganisationSummary, *gallra.Staff, string, error) {
	secret, err := newWebSecret()
	if err != nil {
		return nil, nil, "", err
	}
	var sum *gallra.OrganisationSummary
	var admin *gallra.Staff
	err = db.Update(ctx, func(tx *Tx) error {
		// Compared in Go (Unicode case folding, the same on both engines);
		// an operator has hundreds of organisations, not millions.
		rows, err := tx.query(ctx, `SELECT id, name FROM organisations ORDER BY id`)
		if err != nil {
			return fmt.Errorf("look for an organisation of that name: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			if strings.EqualFold(name, strings.TrimSpace(in.Name)) {
				return gallra.Errorf(gallra.ECONFLICT, "organisation %d already has that name", id)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		org, err := tx.CreateOrganisation(ctx, in.Name, in.Language)
		if err != nil {
			return err
		}
		kind := in.Kind
		if kind == "" {
			kind = gallra.OrgKindPublic
		}
		if err := tx.CreatePrivacyRegister(ctx, org.ID, kind); err != nil {
			return err
		}
		sys := gallra.Actor{Type: gallra.ActorSystem}
		if admin, err = tx.CreateStaff(ctx, sys, &gallra.Staff{OrgID: org.ID, Name: in.AdminName, Email: in.AdminEmail, Role: gallra.RoleAdmin, Active: true}); err != nil {
			return err
		}
		if err := tx.createLoginLink(ctx, sys, org.ID, admin.ID, gallra.LinkSetup, gallra.SetupLinkTTL, secret); err != nil {
			return err
		}
		if err := tx.operatorAudit(ctx, "organisation.created", org.ID, org.Name, map[string]any{"admin_id": admin.ID}); err != nil {
			return err
		}
		sum, err = tx.organisationSummary(ctx, org.ID)
		return err
	})
	if err != nil {
		return nil, nil, "", err
	}
	return sum, admin, secret, nil
}

// SetOrganisationStatus moves an organisation between active and disabled
// (to is gallra.OrgActive or gallra.OrgDisabled); idempotent (no audit
// entry when nothing changed). An organisation being deleted is ECONFLICT.
// Disabling ends its staff's web sessions (tokens and links are refused
// while it stays disabled, and work again when it is enabled).
func (db *DB) SetOrganisationStatus(ctx context.Context, id int64, to string) (*gallra.OrganisationSummary, error) {
	if to != gallra.OrgActive && to != gallra.OrgDisabled {
		return nil, gallra.Errorf(gallra.EINVALID, "status must be active or disabled")
	}
	var out *gallra.OrganisationSummary
	err := db.Update(ctx, func(tx *Tx) error {
		cur, err := tx.organisationSummary(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == gallra.OrgDeleting:
			return gallra.Errorf(gallra.ECONFLICT, "organisation %d is being deleted", id)
		case cur.Status == to:
			out = cur
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE organisations SET status = ?, status_at = ? WHERE id = ?`, to, ms(tx.Now), id); err != nil {
			return fmt.Errorf("set organisation status: %w", err)
		}
		if to == gallra.OrgDisabled {
			if _, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE org_id = ?`, id); err != nil {
				return fmt.Errorf("end sessions of organisation: %w", err)
			}
		}
		action := "organisation.disabled"
		if to == gallra.OrgActive {
			action = "organisation.enabled"
		}
		if err := tx.Audit(ctx, id, gallra.Actor{Type: gallra.ActorSystem}, action, "organisation", id, nil); err != nil {
			return err
		}
		if err := tx.operatorAudit(ctx, action, id, cur.Name, nil); err != nil {
			return err
		}
		out, err = tx.organisationSummary(ctx, id)
		return err
	})
	return out, err
}

// errOrgDisabled is how a disabled organisation's staff are refused.
func errOrgDisabled() error {
	return gallra.Errorf(gallra.EFORBIDDEN, "your organisation's service is disabled; contact your service provider")
}

// orgStatus returns an organisation's status ("" when it does not exist).
func (tx *Tx) orgStatus(ctx context.Context, id int64) (string, error) {
	var s string
	err := tx.queryRow(ctx, `SELECT status FROM organisations WHERE id = ?`, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("read organisation status: %w", err)
	}
	return s, nil
}

// requireOrgActive returns errOrgDisabled unless the organisation is
// active (a deleted one: ENOTFOUND-free EUNAUTHORIZED is the caller's).
func (tx *Tx) requireOrgActive(ctx context.Context, id int64) error {
	s, err := tx.orgStatus(ctx, id)
	if err != nil {
		return err
	}
	if s != gallra.OrgActive {
		return errOrgDisabled()
	}
	return nil
}

// operatorAudit appends an entry to the operator audit log inside tx.
// details hold ids and counts only; orgName is the controller's name.
func (tx *Tx) operatorAudit(ctx context.Context, action string, orgID int64, orgName string, details map[string]any) error {
	var seq int64
	var prev string
	if err := tx.queryRow(ctx, `UPDATE operator_audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("advance operator audit head: %w", err)
	}
	raw := []byte("{}")
	if len(details) > 0 {
		var err error
		if raw, err = json.Marshal(details); err != nil {
			return fmt.Errorf("encode operator audit details: %w", err)
		}
	}
	e := gallra.OperatorAuditEntry{Seq: seq, At: tx.Now, Action: action, OrgID: orgID, OrgName: orgName, PrevHash: prev}
	e.Hash = operatorHash(&e, raw)
	if _, err := tx.exec(ctx, `INSERT INTO operator_audit (seq, at, action, org_id, org_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, ms(e.At), action, orgID, orgName, string(raw), prev, e.Hash); err != nil {
		return fmt.Errorf("insert operator audit entry: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE operator_audit_head SET hash = ? WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("update operator audit head: %w", err)
	}
	return nil
}

// operatorHash chains an operator audit entry: SHA-256 over the previous
// hash and the entry's fields, each length-prefixed so that no two entries
// encode alike.
func operatorHash(e *gallra.OperatorAuditEntry, details []byte) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(ms(e.At), 10), e.Action,
		strconv.FormatInt(e.OrgID, 10), e.OrgName, string(details)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// OperatorAudit returns operator audit entries, newest first: at most
// limit (1–500, default 100), with seq below beforeSeq when it is > 0.
func (db *DB) OperatorAudit(ctx context.Context, limit int, beforeSeq int64) ([]gallra.OperatorAuditEntry, error) {
	if beforeSeq <= 0 {
		beforeSeq = 1 << 62
	}
	var out []gallra.OperatorAuditEntry
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT seq, at, action, org_id, org_name, details, prev_hash, hash FROM operator_audit
			WHERE seq < ? ORDER BY seq DESC LIMIT ?`, beforeSeq, clampLimit(limit, 100, 500))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, _, err := scanOperatorAudit(rows)
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read operator audit: %w", err)
	}
	return out, nil
}

func scanOperatorAudit(rows *sql.Rows) (*gallra.OperatorAuditEntry, []byte, error) {
	var e gallra.OperatorAuditEntry
	var at int64
	var details string
	if err := rows.Scan(&e.Seq, &at, &e.Action, &e.OrgID, &e.OrgName, &details, &e.PrevHash, &e.Hash); err != nil {
		return nil, nil, err
	}
	e.At = fromMS(at)
	if details != "" && details != "{}" {
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return nil, nil, fmt.Errorf("decode operator audit details: %w", err)
		}
	}
	return &e, []byte(details), nil
}

// VerifyOperatorAudit checks the operator audit log's hash chain from its
// first entry to the head.
func (db *DB) VerifyOperatorAudit(ctx context.Context) (gallra.AuditResult, error) {
	res := gallra.AuditResult{OK: true}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `SELECT seq, hash FROM operator_audit_head WHERE id = 1`).Scan(&res.HeadSeq, &res.HeadHash); err != nil {
			return fmt.Errorf("read operator audit head: %w", err)
		}
		rows, err := tx.query(ctx, `SELECT seq, at, action, org_id, org_name, details, prev_hash, hash FROM operator_audit ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev, next := audit.Genesis, int64(1)
		for rows.Next() {
			e, raw, err := scanOperatorAudit(rows)
			if err != nil {
				return err
			}
			res.Entries++
			switch {
			case e.Seq != next:
				res.Problems = append(res.Problems, gallra.AuditProblem{Seq: e.Seq, Reason: fmt.Sprintf("expected seq %d", next)})
			case e.PrevHash != prev:
				res.Problems = append(res.Problems, gallra.AuditProblem{Seq: e.Seq, Reason: "prev_hash does not match the previous entry"})
			case operatorHash(e, raw) != e.Hash:
				res.Problems = append(res.Problems, gallra.AuditProblem{Seq: e.Seq, Reason: "hash does not match the entry"})
			}
			prev, next = e.Hash, e.Seq+1
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if res.Entries > 0 && (res.HeadSeq != next-1 || res.HeadHash != prev) {
			res.Problems = append(res.Problems, gallra.AuditProblem{Seq: res.HeadSeq, Reason: "head does not match the last entry"})
		}
		return nil
	})
	res.OK = err == nil && len(res.Problems) == 0
	return res, err
}
