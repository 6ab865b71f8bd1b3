package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// Session lifetimes of the web UI: a session ends after SessionIdle without
// a request, and at the latest SessionMax after sign-in.
const (
	SessionIdle = gallra.SessionIdle
	SessionMax  = gallra.SessionMax
)

// LoginLink purposes.
const (
	LinkSetup  = gallra.LinkSetup
	LinkInvite = gallra.LinkInvite
	LinkReset  = gallra.LinkReset
)

// Session is a signed-in browser of a staff user. Its secret id lives only
// in the browser's cookie; the database holds its SHA-256 hash.
type Session struct {
	OrgID      int64
	StaffID    int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// LoginLink is a one-time link that lets a staff user set a password and
// sign in. Only the hash of its secret is stored.
type LoginLink struct {
	OrgID     int64
	StaffID   int64
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// newWebSecret returns 32 random bytes, URL-safe encoded.
func newWebSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SetPassword sets a staff user's password (argon2id) and ends every session
// they have, so that a changed password locks out whoever knew the old one.
// Audited without the password, of course.
func (db *DB) SetPassword(ctx context.Context, actor gallra.Actor, orgID, staffID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := db.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		return tx.setPassword(ctx, actor, orgID, staffID, hash)
	})
}

func (tx *Tx) setPassword(ctx context.Context, actor gallra.Actor, orgID, staffID int64, hash string) error {
	s, err := tx.getStaff(ctx, orgID, staffID)
	if err != nil {
		return err
	}
	if !s.Active {
		return gallra.Errorf(gallra.EUNPROCESS, "staff user %d is deactivated", staffID)
	}
	if _, err := tx.exec(ctx, `UPDATE staff SET password_hash = ? WHERE id = ? AND org_id = ?`, hash, staffID, orgID); err != nil {
		return fmt.Errorf("store password: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE staff_id = ? AND org_id = ?`, staffID, orgID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return tx.Audit(ctx, orgID, actor, "staff.password_set", "staff", staffID, nil)
}

// StaffByEmail returns the organisation's staff user with that e-mail
// address (case-insensitive); ENOTFOUND otherwise.
func (db *DB) StaffByEmail(ctx context.Context, orgID int64, email string) (*gallra.Staff, error) {
	var s *gallra.Staff
	err := db.View(ctx, func(tx *Tx) error {
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM staff WHERE org_id = ? AND email_key = ?`, orgID, gallra.NormalizeEmail(email)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return gallra.Errorf(gallra.ENOTFOUND, "no staff user with that e-mail in organisation %d", orgID)
		} else if err != nil {
			return err
		}
		s, err = tx.getStaff(ctx, orgID, id)
		return err
	})
	return s, err
}

// CheckPassword returns the active staff user whose e-mail and password
// match. An e-mail may exist in several organisations; the first whose
// password matches wins. Every failure is the same EUNAUTHORIZED, and an
// unknown e-mail costs as much hashing as a known one. When the DB's hash
// limiter has no free slot within its wait, it answers ERATELIMIT without
// hashing (see WithHashLimiter).
func (db *DB) CheckPassword(ctx context.Context, email, password string) (*gallra.Staff, error) {
	unauth := gallra.Errorf(gallra.EUNAUTHORIZED, "wrong e-mail or password")
	if email == "" || password == "" || len(password) > 4*MaxPasswordLen {
		return nil, unauth
	}
	type cand struct {
		org, id int64
		hash    string
	}
	var cands []cand
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT org_id, id, password_hash FROM staff WHERE email_key = ? AND active = 1 AND password_hash <> '' ORDER BY id LIMIT 5`,
			gallra.NormalizeEmail(email))
		if err != nil {
			return fmt.Errorf("find staff by e-mail: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.org, &c.id, &c.hash); err != nil {
				return err
			}
			cands = append(cands, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// The hashing runs under the DB's hash limiter, an unknown e-mail's
	// dummy hash too, so both cost the same wait and the same work.
	var match *cand
	err = db.hashes.Do(ctx, func() {
		if len(cands) == 0 {
			checkPassword(dummyHash, password)
			return
		}
		for i := range cands {
			if checkPassword(cands[i].hash, password) {
				match = &cands[i]
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if match == nil {
		return nil, unauth
	}
	var s *gallra.Staff
	err = db.View(ctx, func(tx *Tx) error {
		if err := tx.requireOrgActive(ctx, match.org); err != nil {
			return err
		}
		s, err = tx.getStaff(ctx, match.org, match.id)
		return err
	})
	return s, err
}

// CreateSession signs a staff user in: it stores a new session and returns
// its secret for the browser's cookie. Audited as "session.created".
func (db *DB) CreateSession(ctx context.Context, s *gallra.Staff) (string, error) {
	secret, err := newWebSecret()
	if err != nil {
		return "", err
	}
	err = db.Update(ctx, func(tx *Tx) error {
		return tx.createSession(ctx, s.OrgID, s.ID, secret)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

func (tx *Tx) createSession(ctx context.Context, orgID, staffID int64, secret string) error {
	// Expired sessions of anyone are swept here, a few at a time, so the
	// table does not grow without a separate job.
	if _, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions WHERE expires_at < ? LIMIT 100)`, ms(tx.Now)); err != nil {
		return fmt.Errorf("sweep sessions: %w", err)
	}
	exp := tx.Now.Add(SessionIdle)
	if _, err := tx.exec(ctx, `INSERT INTO web_sessions (id_hash, org_id, staff_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hashSecret(secret), orgID, staffID, ms(tx.Now), ms(tx.Now), ms(exp)); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorStaff, ID: staffID}, "session.created", "staff", staffID, nil)
}

// SessionStaff resolves a session secret to its session and active staff
// user, and extends the session's idle expiry (at most once a minute, so
// reads stay reads). Unknown, expired and deactivated all answer the same
// EUNAUTHORIZED.
func (db *DB) SessionStaff(ctx context.Context, secret string) (*Session, *gallra.Staff, error) {
	unauth := gallra.Errorf(gallra.EUNAUTHORIZED, "not signed in")
	if secret == "" || len(secret) > 100 {
		return nil, nil, unauth
	}
	var sess Session
	var staff *gallra.Staff
	now := db.Now()
	err := db.View(ctx, func(tx *Tx) error {
		var created, seen, exp int64
		err := tx.queryRow(ctx, `SELECT org_id, staff_id, created_at, last_seen_at, expires_at FROM web_sessions WHERE id_hash = ?`, hashSecret(secret)).
			Scan(&sess.OrgID, &sess.StaffID, &created, &seen, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			return unauth
		} else if err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(exp)
		if !now.Before(sess.ExpiresAt) || now.Sub(sess.CreatedAt) >= SessionMax {
			return unauth
		}
		staff, err = tx.getStaff(ctx, sess.OrgID, sess.StaffID)
		if err != nil {
			return unauth
		}
		if !staff.Active {
			return unauth
		}
		return tx.requireOrgActive(ctx, sess.OrgID)
	})
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(sess.LastSeenAt) >= time.Minute {
		exp := now.Add(SessionIdle)
		if max := sess.CreatedAt.Add(SessionMax); exp.After(max) {
			exp = max
		}
		err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`, ms(now), ms(exp), hashSecret(secret))
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("extend session: %w", err)
		}
		sess.LastSeenAt, sess.ExpiresAt = now, exp
	}
	return &sess, staff, nil
}

// DeleteSession signs a browser out; idempotent. Audited as
// "session.deleted" when a session ended.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		var orgID, staffID int64
		err := tx.queryRow(ctx, `DELETE FROM web_sessions WHERE id_hash = ? RETURNING org_id, staff_id`, hashSecret(secret)).Scan(&orgID, &staffID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorStaff, ID: staffID}, "session.deleted", "staff", staffID, nil)
	})
}

// CreateLoginLink makes a one-time link for a staff user to choose a
// password, valid for ttl, and returns its secret (not stored; shown once).
// Earlier unused links of the same staff user stop working. Audited.
func (db *DB) CreateLoginLink(ctx context.Context, actor gallra.Actor, orgID, staffID int64, purpose string, ttl time.Duration) (string, error) {
	if purpose != LinkSetup && purpose != LinkInvite && purpose != LinkReset {
		return "", gallra.Errorf(gallra.EINVALID, "purpose must be setup, invite or reset")
	}
	if ttl <= 0 || ttl > 30*24*time.Hour {
		return "", gallra.Errorf(gallra.EINVALID, "a login link is valid between a minute and 30 days")
	}
	secret, err := newWebSecret()
	if err != nil {
		return "", err
	}
	err = db.Update(ctx, func(tx *Tx) error {
		return tx.createLoginLink(ctx, actor, orgID, staffID, purpose, ttl, secret)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// createLoginLink is CreateLoginLink's work inside tx, with the secret made.
func (tx *Tx) createLoginLink(ctx context.Context, actor gallra.Actor, orgID, staffID int64, purpose string, ttl time.Duration, secret string) error {
	s, err := tx.getStaff(ctx, orgID, staffID)
	if err != nil {
		return err
	}
	if !s.Active {
		return gallra.Errorf(gallra.EUNPROCESS, "staff user %d is deactivated", staffID)
	}
	if err := tx.retireLoginLinks(ctx, orgID, staffID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO login_links (secret_hash, org_id, staff_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hashSecret(secret), orgID, staffID, purpose, ms(tx.Now), ms(tx.Now.Add(ttl))); err != nil {
		return fmt.Errorf("insert login link: %w", err)
	}
	return tx.Audit(ctx, orgID, actor, "staff.login_link_created", "staff", staffID, map[string]any{"purpose": purpose, "valid_hours": int(ttl.Hours())})
}

// retireLoginLinks marks the staff user's unused login links used, so that
// none of them works again.
func (tx *Tx) retireLoginLinks(ctx context.Context, orgID, staffID int64) error {
	if _, err := tx.exec(ctx, `UPDATE login_links SET used_at = ? WHERE staff_id = ? AND org_id = ? AND used_at IS NULL`, ms(tx.Now), staffID, orgID); err != nil {
		return fmt.Errorf("retire login links: %w", err)
	}
	return nil
}

// LookupLoginLink returns an unused, unexpired link and its staff user.
// Unknown, used and expired links all answer the same ENOTFOUND.
func (db *DB) LookupLoginLink(ctx context.Context, secret string) (*LoginLink, *gallra.Staff, error) {
	var l *LoginLink
	var s *gallra.Staff
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		l, s, err = tx.lookupLoginLink(ctx, secret)
		return err
	})
	return l, s, err
}

func (tx *Tx) lookupLoginLink(ctx context.Context, secret string) (*LoginLink, *gallra.Staff, error) {
	gone := gallra.Errorf(gallra.ENOTFOUND, "this link is unknown, used or expired")
	if secret == "" || len(secret) > 100 {
		return nil, nil, gone
	}
	var l LoginLink
	var created, exp int64
	var used sql.NullInt64
	err := tx.queryRow(ctx, `SELECT org_id, staff_id, purpose, created_at, expires_at, used_at FROM login_links WHERE secret_hash = ?`, hashSecret(secret)).
		Scan(&l.OrgID, &l.StaffID, &l.Purpose, &created, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, gone
	} else if err != nil {
		return nil, nil, fmt.Errorf("read login link: %w", err)
	}
	l.CreatedAt, l.ExpiresAt = fromMS(created), fromMS(exp)
	if used.Valid || !tx.Now.Before(l.ExpiresAt) {
		return nil, nil, gone
	}
	s, err := tx.getStaff(ctx, l.OrgID, l.StaffID)
	if err != nil || !s.Active {
		return nil, nil, gone
	}
	if err := tx.requireOrgActive(ctx, l.OrgID); err != nil {
		return nil, nil, err
	}
	return &l, s, nil
}

// UseLoginLink consumes a link: it sets the staff user's password and signs
// them in, all in one transaction, and returns the staff user and the new
// session's secret. A link works once. Its hash waits for the DB's hash
// limiter like a sign-in, and answers ERATELIMIT when none is free in time.
func (db *DB) UseLoginLink(ctx context.Context, secret, password string) (*gallra.Staff, string, error) {
	if err := ValidatePassword(password); err != nil {
		return nil, "", err
	}
	hash, err := db.hashPassword(ctx, password)
	if err != nil {
		return nil, "", err
	}
	sessSecret, err := newWebSecret()
	if err != nil {
		return nil, "", err
	}
	var staff *gallra.Staff
	err = db.Update(ctx, func(tx *Tx) error {
		l, s, err := tx.lookupLoginLink(ctx, secret)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE login_links SET used_at = ? WHERE secret_hash = ? AND used_at IS NULL`, ms(tx.Now), hashSecret(secret))
		if err != nil {
			return fmt.Errorf("use login link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return gallra.Errorf(gallra.ENOTFOUND, "this link is unknown, used or expired")
		}
		self := gallra.Actor{Type: gallra.ActorStaff, ID: s.ID}
		if err := tx.setPassword(ctx, self, l.OrgID, s.ID, hash); err != nil {
			return err
		}
		staff = s
		return tx.createSession(ctx, l.OrgID, s.ID, sessSecret)
	})
	if err != nil {
		return nil, "", err
	}
	return staff, sessSecret, nil
}
