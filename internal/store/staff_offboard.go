package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// Staff off-boarding (docs/roles.md): a staff user deactivated for longer
// than their organisation's off-boarding period (staff_offboard_days,
// default 90) loses their name, e-mail and avatar to the purge; what they
// wrote stays attributed to "Former staff member 7F3A". The work is split
// into short transactions that can each be interrupted and run again:
//
//  1. BeginStaffOffboard gives the user a stable pseudonym (once);
//  2. RenameStaffWriting renames, a batch at a time, the copies of their
//     name kept with what they wrote (staff answers on the public site,
//     sent mail replies) to the pseudonym's name;
//  3. FinishStaffOffboard removes the personal data from the staff row and
//     records offboarded_at, audited.
//
// Until step 3 commits the user is still due, so a run killed anywhere
// leaves a consistent state (some copies already renamed, the row intact)
// and the next run finishes the work.

// StaffOffboardDue is a staff user the purge off-boards.
type StaffOffboardDue struct {
	OrgID   int64
	StaffID int64
	// Lang is the organisation's language, the pseudonym name's.
	Lang string
	// Pseudonym is the stable code, empty until BeginStaffOffboard.
	Pseudonym string
}

// StaffOffboardDays returns the organisation's off-boarding period in days.
func (db *DB) StaffOffboardDays(ctx context.Context, orgID int64) (int, error) {
	var days int
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT staff_offboard_days FROM organisations WHERE id = ?`, orgID).Scan(&days)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("organisation", orgID)
	}
	return days, err
}

// SetStaffOffboardDays sets the organisation's off-boarding period
// (validated: gallra.ValidateStaffOffboardDays); audited with the old and
// new periods when it changed.
func (db *DB) SetStaffOffboardDays(ctx context.Context, actor gallra.Actor, orgID int64, days int) error {
	if err := gallra.ValidateStaffOffboardDays(days); err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		var old int
		err := tx.queryRow(ctx, `SELECT staff_offboard_days FROM organisations WHERE id = ?`, orgID).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("organisation", orgID)
		} else if err != nil {
			return fmt.Errorf("read off-boarding period: %w", err)
		}
		if old == days {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE organisations SET staff_offboard_days = ? WHERE id = ?`, days, orgID); err != nil {
			return fmt.Errorf("set off-boarding period: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "staff.offboard_period_set", "organisation", orgID, map[string]any{"old_days": old, "new_days": days})
	})
}

// offboardCutoff is the deactivation time before which a user is due at
// now under a period of days.
func offboardCutoff(now time.Time, days int) time.Time {
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}

// StaffOffboardingDue lists the staff users due for off-boarding at the
// instant at: inactive, not yet off-boarded, and deactivated at least the
// organisation's period before at, or deleted (DeleteStaff: due at once).
// orgID 0 covers every organisation. By organisation and id.
func (tx *Tx) StaffOffboardingDue(ctx context.Context, orgID int64, at time.Time) ([]StaffOffboardDue, error) {
	q := `SELECT s.org_id, s.id, s.email_key, s.deactivated_at, s.pseudonym, o.staff_offboard_days, o.language
		FROM staff s JOIN organisations o ON o.id = s.org_id
		WHERE s.active = 0 AND s.offboarded_at IS NULL AND s.deactivated_at IS NOT NULL`
	var args []any
	if orgID != 0 {
		q += ` AND s.org_id = ?`
		args = append(args, orgID)
	}
	rows, err := tx.query(ctx, q+` ORDER BY s.org_id, s.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list staff due for off-boarding: %w", err)
	}
	defer rows.Close()
	var out []StaffOffboardDue
	for rows.Next() {
		var d StaffOffboardDue
		var emailKey string
		var deactivated int64
		var days int
		if err := rows.Scan(&d.OrgID, &d.StaffID, &emailKey, &deactivated, &d.Pseudonym, &days, &d.Lang); err != nil {
			return nil, fmt.Errorf("scan staff due for off-boarding: %w", err)
		}
		if emailKey == deletedStaffEmail(d.StaffID) || !fromMS(deactivated).After(offboardCutoff(at, days)) {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// CountStaffOffboardingDue counts the organisation's staff users due for
// off-boarding now and within the next 30 days (by the same rule as
// StaffOffboardingDue).
func (db *DB) CountStaffOffboardingDue(ctx context.Context, orgID int64) (now, within30 int, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		n, err := tx.StaffOffboardingDue(ctx, orgID, tx.Now)
		if err != nil {
			return err
		}
		soon, err := tx.StaffOffboardingDue(ctx, orgID, tx.Now.AddDate(0, 0, 30))
		if err != nil {
			return err
		}
		now, within30 = len(n), len(soon)-len(n)
		return nil
	})
	return now, within30, err
}

// errOffboarded refuses to change or reactivate off-boarded staff user id.
func errOffboarded(id int64) error {
	return gallra.Errorf(gallra.EUNPROCESS, "staff user %d was off-boarded: their name and e-mail were removed after the off-boarding period, so they cannot be changed or reactivated; add them again as a new staff user", id)
}

// errNoLongerDue stops an off-boarding step whose user was reactivated or
// off-boarded by someone else in between.
var errNoLongerDue = gallra.Errorf(gallra.ECONFLICT, "the staff user is no longer due for off-boarding")

// IsNoLongerDue reports whether err says the staff user was reactivated or
// off-boarded in between the steps of an off-boarding.
func IsNoLongerDue(err error) bool { return errors.Is(err, errNoLongerDue) }

// stillDue checks, inside the step's transaction, that the user is still
// inactive and not off-boarded, and returns their pseudonym.
func (tx *Tx) stillDue(ctx context.Context, orgID, staffID int64) (string, error) {
	var active int
	var offboarded sql.NullInt64
	var pseudonym string
	q := `SELECT active, offboarded_at, pseudonym FROM staff WHERE id = ? AND org_id = ?`
	if tx.Dialect() == Postgres {
		// A reactivation (UpdateStaff) waits for this step's commit, then
		// sees and restores what it renamed (restoreStaffWriting).
		q += ` FOR UPDATE`
	}
	err := tx.queryRow(ctx, q, staffID, orgID).Scan(&active, &offboarded, &pseudonym)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoLongerDue
	} else if err != nil {
		return "", fmt.Errorf("read staff user: %w", err)
	}
	if active == 1 || offboarded.Valid {
		return "", errNoLongerDue
	}
	return pseudonym, nil
}

// pseudonymCode is a random code of n upper-case hex digits.
func pseudonymCode(n int) (string, error) {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pseudonym: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(b))[:n], nil
}

// BeginStaffOffboard gives a due staff user their pseudonym, a code of four
// hex digits unique within the organisation, and returns it; a user who has
// one keeps it (idempotent). errNoLongerDue (IsNoLongerDue) when the user
// was reactivated or off-boarded meanwhile.
func (db *DB) BeginStaffOffboard(ctx context.Context, orgID, staffID int64) (string, error) {
	var code string
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if code, err = tx.stillDue(ctx, orgID, staffID); err != nil || code != "" {
			return err
		}
		for try := 0; ; try++ {
			// Four digits read well; an organisation with many former
			// staff gets longer codes rather than a long search.
			if code, err = pseudonymCode(4 + 2*(try/8)); err != nil {
				return err
			}
			var taken int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM staff WHERE org_id = ? AND pseudonym = ?`, orgID, code).Scan(&taken); err != nil {
				return fmt.Errorf("check pseudonym: %w", err)
			}
			if taken == 0 {
				break
			}
		}
		_, err = tx.exec(ctx, `UPDATE staff SET pseudonym = ? WHERE id = ? AND org_id = ?`, code, staffID, orgID)
		return err
	})
	return code, err
}

// RenameStaffWriting renames, in one transaction, at most limit of the
// copies of a due staff user's name kept with what they wrote (the author
// of their answers on the public site, the sender name of their sent mail
// replies) to name, and returns how many it renamed: 0 when none is left.
// Idempotent (a renamed copy is not taken again). hook, when set (tests),
// runs inside the transaction after the renaming.
func (db *DB) RenameStaffWriting(ctx context.Context, orgID, staffID int64, name string, limit int, hook func(*Tx) error) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.stillDue(ctx, orgID, staffID); err != nil {
			return err
		}
		n = 0
		for _, t := range []struct{ table, col string }{{"forum_posts", "author_name"}, {"mail_messages", "from_name"}} {
			if int(n) >= limit {
				break
			}
			q := fmt.Sprintf(`UPDATE %[1]s SET %[2]s = ? WHERE id IN (SELECT id FROM %[1]s WHERE staff_id = ? AND org_id = ? AND %[2]s <> ? ORDER BY id LIMIT ?)`, t.table, t.col)
			k, err := countChanged(tx.exec(ctx, q, name, staffID, orgID, name, limit-int(n)))
			if err != nil {
				return fmt.Errorf("rename %s of staff user: %w", t.table, err)
			}
			n += k
		}
		if hook != nil {
			return hook(tx)
		}
		return nil
	})
	return n, err
}

// FinishStaffOffboard removes a due staff user's personal data from their
// row: the name becomes name (the pseudonym's), the e-mail the placeholder
// of removed users, the avatar, password and signature go; their channel
// memberships, conversations assigned to them, tokens, sessions, sign-in
// links and chat presence end. The row keeps its id, inactive, so that what
// they wrote still resolves to it. Audited as staff.offboarded with ids and
// the period only. errNoLongerDue when the user was reactivated meanwhile.
func (db *DB) FinishStaffOffboard(ctx context.Context, actor gallra.Actor, orgID, staffID int64, name string) error {
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.stillDue(ctx, orgID, staffID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM channel_members WHERE staff_id = ? AND org_id = ?`,
			`UPDATE mail_conversations SET assignee_id = NULL WHERE assignee_id = ? AND org_id = ?`,
			`DELETE FROM chat_presence WHERE staff_id = ? AND org_id = ?`,
		} {
			if _, err := tx.exec(ctx, q, staffID, orgID); err != nil {
				return fmt.Errorf("off-board staff user: %w", err)
			}
		}
		if err := tx.endStaffAccess(ctx, orgID, staffID); err != nil {
			return err
		}
		placeholder := deletedStaffEmail(staffID)
		if _, err := tx.exec(ctx, `UPDATE staff SET name = ?, email = ?, email_key = ?, role = ?, avatar_url = '', password_hash = '', signature = '', offboarded_at = ?
			WHERE id = ? AND org_id = ?`, name, placeholder, placeholder, string(gallra.RoleEditor), ms(tx.Now), staffID, orgID); err != nil {
			return fmt.Errorf("remove personal data of staff user: %w", err)
		}
		var days int
		if err := tx.queryRow(ctx, `SELECT staff_offboard_days FROM organisations WHERE id = ?`, orgID).Scan(&days); err != nil {
			return fmt.Errorf("read off-boarding period: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "staff.offboarded", "staff", staffID, map[string]any{"period_days": days})
	})
}

// restoreStaffWriting gives back the user's name to the copies an
// unfinished off-boarding renamed to their pseudonym (in either language),
// when the user is reactivated before the off-boarding finished. Nothing
// to do for a user without a pseudonym.
func (tx *Tx) restoreStaffWriting(ctx context.Context, orgID, staffID int64, name string) error {
	var code string
	if err := tx.queryRow(ctx, `SELECT pseudonym FROM staff WHERE id = ? AND org_id = ?`, staffID, orgID).Scan(&code); err != nil {
		return fmt.Errorf("read pseudonym: %w", err)
	}
	if code == "" {
		return nil
	}
	sv, en := gallra.FormerStaffName("sv", code), gallra.FormerStaffName("en", code)
	for _, t := range []struct{ table, col string }{{"forum_posts", "author_name"}, {"mail_messages", "from_name"}} {
		q := fmt.Sprintf(`UPDATE %[1]s SET %[2]s = ? WHERE staff_id = ? AND org_id = ? AND %[2]s IN (?, ?)`, t.table, t.col)
		if _, err := tx.exec(ctx, q, name, staffID, orgID, sv, en); err != nil {
			return fmt.Errorf("restore %s of reactivated staff user: %w", t.table, err)
		}
	}
	return nil
}
