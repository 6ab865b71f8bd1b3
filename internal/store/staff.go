package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gallra/gallra"
)

func validateStaff(s *gallra.Staff) error {
	s.Name = strings.TrimSpace(s.Name)
	s.Email = strings.TrimSpace(s.Email)
	if err := gallra.ValidateText("name", s.Name, true, gallra.MaxNameLen); err != nil {
		return err
	}
	if err := gallra.ValidateEmail("email", s.Email); err != nil {
		return err
	}
	if !s.Role.Valid() {
		return gallra.Errorf(gallra.EINVALID, "role must be admin or editor")
	}
	if strings.HasSuffix(strings.ToLower(s.Email), "@"+deletedStaffDomain) {
		return gallra.Errorf(gallra.EINVALID, "email must not be in the domain %s, which marks deleted staff users", deletedStaffDomain)
	}
	return gallra.ValidateHTTPSURL("avatar_url", s.AvatarURL, 2000)
}

// deletedStaffDomain is the reserved domain of the placeholder e-mail a
// deleted staff user keeps (RFC 2606: it can never receive mail). No live
// staff user may have an address there, so the placeholder marks deletion.
const deletedStaffDomain = "staff.invalid"

// deletedStaffEmail is the placeholder e-mail of deleted staff user id.
func deletedStaffEmail(id int64) string {
	return fmt.Sprintf("deleted-%d@%s", id, deletedStaffDomain)
}

// staffDeleted reports whether s is a deleted staff user (DeleteStaff).
func staffDeleted(s *gallra.Staff) bool { return s.Email == deletedStaffEmail(s.ID) }

// endStaffAccess ends everything that lets a staff user in, for good: their
// API tokens are revoked, their web sessions deleted and their unused login
// links retired. Reactivating the user revives none of it: they need a new
// link (or token).
func (tx *Tx) endStaffAccess(ctx context.Context, orgID, staffID int64) error {
	if _, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE staff_id = ? AND org_id = ? AND revoked_at IS NULL`, ms(tx.Now), staffID, orgID); err != nil {
		return fmt.Errorf("revoke tokens of staff user: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE staff_id = ? AND org_id = ?`, staffID, orgID); err != nil {
		return fmt.Errorf("end sessions of staff user: %w", err)
	}
	return tx.retireLoginLinks(ctx, orgID, staffID)
}

// CreateStaff adds a staff user to s.OrgID; audited. The e-mail must be unique
// within the organisation (ECONFLICT otherwise).
func (db *DB) CreateStaff(ctx context.Context, actor gallra.Actor, s *gallra.Staff) (*gallra.Staff, error) {
	var out *gallra.Staff
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.CreateStaff(ctx, actor, s)
		return err
	})
	return out, err
}

// CreateStaff is CreateStaff inside a transaction.
func (tx *Tx) CreateStaff(ctx context.Context, actor gallra.Actor, s *gallra.Staff) (*gallra.Staff, error) {
	c := *s
	if err := validateStaff(&c); err != nil {
		return nil, err
	}
	if err := tx.underCap(ctx, "staff users per organisation", gallra.MaxStaff, `SELECT COUNT(*) FROM staff WHERE org_id = ?`, c.OrgID); err != nil {
		return nil, err
	}
	c.CreatedAt = tx.Now
	if !c.Active {
		c.DeactivatedAt = &c.CreatedAt // created inactive: the off-boarding period runs from now
	}
	id, err := tx.insert(ctx, `INSERT INTO staff (org_id, name, email, email_key, role, avatar_url, active, created_at, deactivated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.OrgID, c.Name, c.Email, gallra.NormalizeEmail(c.Email), string(c.Role), c.AvatarURL, boolInt(c.Active), ms(c.CreatedAt), msPtr(c.DeactivatedAt))
	if err != nil {
		if gallra.ErrorCode(convertError(err)) == gallra.ECONFLICT {
			return nil, gallra.Errorf(gallra.ECONFLICT, "a staff user with that e-mail already exists")
		}
		return nil, fmt.Errorf("insert staff: %w", err)
	}
	c.ID = id
	c.ChannelIDs = []int64{}
	if err := tx.Audit(ctx, c.OrgID, actor, "staff.created", "staff", id, map[string]any{"role": string(c.Role)}); err != nil {
		return nil, err
	}
	return &c, nil
}

// GetStaff returns a staff user of the organisation with their channel
// memberships; ENOTFOUND when absent or of another organisation.
func (db *DB) GetStaff(ctx context.Context, orgID, id int64) (*gallra.Staff, error) {
	var s *gallra.Staff
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		s, err = tx.getStaff(ctx, orgID, id)
		return err
	})
	return s, err
}

func (tx *Tx) getStaff(ctx context.Context, orgID, id int64) (*gallra.Staff, error) {
	list, err := tx.listStaff(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound("staff user", id)
	}
	return &list[0], nil
}

// ListStaff returns the organisation's staff users, by id.
func (db *DB) ListStaff(ctx context.Context, orgID int64) ([]gallra.Staff, error) {
	var out []gallra.Staff
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.listStaff(ctx, orgID, 0)
		return err
	})
	return out, err
}

func (tx *Tx) listStaff(ctx context.Context, orgID, onlyID int64) ([]gallra.Staff, error) {
	q := `SELECT id, org_id, name, email, role, avatar_url, active, created_at, deactivated_at, offboarded_at FROM staff WHERE org_id = ?`
	args := []any{orgID}
	if onlyID != 0 {
		q += ` AND id = ?`
		args = append(args, onlyID)
	}
	rows, err := tx.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	var out []gallra.Staff
	idx := map[int64]int{}
	for rows.Next() {
		var s gallra.Staff
		var role string
		var active int
		var created int64
		var deactivated, offboarded sql.NullInt64
		if err := rows.Scan(&s.ID, &s.OrgID, &s.Name, &s.Email, &role, &s.AvatarURL, &active, &created, &deactivated, &offboarded); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan staff: %w", err)
		}
		s.Role, s.Active, s.CreatedAt, s.ChannelIDs = gallra.Role(role), active == 1, fromMS(created), []int64{}
		s.Deleted = staffDeleted(&s)
		s.DeactivatedAt, s.OffboardedAt = fromNullMS(deactivated), fromNullMS(offboarded)
		idx[s.ID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	mq := `SELECT staff_id, channel_id FROM channel_members WHERE org_id = ?`
	margs := []any{orgID}
	if onlyID != 0 {
		mq += ` AND staff_id = ?`
		margs = append(margs, onlyID)
	}
	mrows, err := tx.query(ctx, mq+` ORDER BY channel_id`, margs...)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var sid, cid int64
		if err := mrows.Scan(&sid, &cid); err != nil {
			return nil, err
		}
		if i, ok := idx[sid]; ok {
			out[i].ChannelIDs = append(out[i].ChannelIDs, cid)
		}
	}
	return out, mrows.Err()
}

// UpdateStaff changes a staff user; audited with the names of changed fields.
// Deactivating a user also revokes their API tokens, ends their web sessions
// and retires their unused login links, in the same transaction; reactivating
// them revives none of these (and retires links again, for rows deactivated
// before links were retired). A deleted staff user cannot be changed
// (EUNPROCESS).
func (db *DB) UpdateStaff(ctx context.Context, actor gallra.Actor, orgID, id int64, u gallra.StaffUpdate) (*gallra.Staff, error) {
	var out *gallra.Staff
	err := db.Update(ctx, func(tx *Tx) error {
		s, err := tx.getStaff(ctx, orgID, id)
		if err != nil {
			return err
		}
		if s.OffboardedAt != nil {
			return errOffboarded(id)
		}
		if staffDeleted(s) {
			return gallra.Errorf(gallra.EUNPROCESS, "staff user %d was deleted and cannot be changed or reactivated", id)
		}
		wasActive := s.Active
		var changed []string
		if u.Name != nil {
			s.Name, changed = *u.Name, append(changed, "name")
		}
		if u.Email != nil {
			s.Email, changed = *u.Email, append(changed, "email")
		}
		if u.Role != nil {
			s.Role, changed = *u.Role, append(changed, "role")
		}
		if u.AvatarURL != nil {
			s.AvatarURL, changed = *u.AvatarURL, append(changed, "avatar_url")
		}
		if u.Active != nil {
			s.Active, changed = *u.Active, append(changed, "active")
		}
		if err := validateStaff(s); err != nil {
			return err
		}
		// The off-boarding period counts from the deactivation; a
		// reactivation stops it, a later deactivation starts it anew.
		switch {
		case s.Active:
			s.DeactivatedAt = nil
		case wasActive || s.DeactivatedAt == nil:
			now := tx.Now
			s.DeactivatedAt = &now
		}
		// offboarded_at IS NULL: an off-boarding that finished since the
		// read above (the purge) is not undone by this write.
		n, err := countChanged(tx.exec(ctx, `UPDATE staff SET name = ?, email = ?, email_key = ?, role = ?, avatar_url = ?, active = ?, deactivated_at = ? WHERE id = ? AND org_id = ? AND offboarded_at IS NULL`,
			s.Name, s.Email, gallra.NormalizeEmail(s.Email), string(s.Role), s.AvatarURL, boolInt(s.Active), msPtr(s.DeactivatedAt), id, orgID))
		if err != nil {
			if gallra.ErrorCode(convertError(err)) == gallra.ECONFLICT {
				return gallra.Errorf(gallra.ECONFLICT, "a staff user with that e-mail already exists")
			}
			return fmt.Errorf("update staff: %w", err)
		}
		if n == 0 {
			return errOffboarded(id)
		}
		if !s.Active || !wasActive {
			if err := tx.endStaffAccess(ctx, orgID, id); err != nil {
				return err
			}
		}
		if !wasActive && s.Active {
			if err := tx.restoreStaffWriting(ctx, orgID, id, s.Name); err != nil {
				return err
			}
		}
		out = s
		return tx.Audit(ctx, orgID, actor, "staff.updated", "staff", id, map[string]any{"fields": changed, "active": s.Active, "role": string(s.Role)})
	})
	return out, err
}

// DeleteStaff removes a staff user's personal data when they leave: their
// memberships go, their tokens, sessions and login links end (as on
// deactivation), and the row keeps only an id so that messages they wrote
// stay attributable to "former staff". The row is left inactive with the
// editor role and no memberships, so it holds no permission, and it can
// never be reactivated, get a login link or sign in. Audited.
func (db *DB) DeleteStaff(ctx context.Context, actor gallra.Actor, orgID, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.getStaff(ctx, orgID, id); err != nil {
			return err
		}
		if actor.Type == gallra.ActorStaff && actor.ID == id {
			return gallra.Errorf(gallra.EUNPROCESS, "you cannot delete yourself")
		}
		if _, err := tx.exec(ctx, `DELETE FROM channel_members WHERE staff_id = ? AND org_id = ?`, id, orgID); err != nil {
			return fmt.Errorf("delete memberships of staff user: %w", err)
		}
		if err := tx.endStaffAccess(ctx, orgID, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE mail_conversations SET assignee_id = NULL WHERE assignee_id = ? AND org_id = ?`, id, orgID); err != nil {
			return fmt.Errorf("unassign conversations of staff user: %w", err)
		}
		placeholder := deletedStaffEmail(id)
		// deactivated_at makes the purge off-board the row at once
		// (offboard.go): it gives the pseudonym and renames what they wrote.
		if _, err := tx.exec(ctx, `UPDATE staff SET name = 'Former staff', email = ?, email_key = ?, role = ?, avatar_url = '', password_hash = '', signature = '', active = 0,
			deactivated_at = COALESCE(deactivated_at, ?) WHERE id = ? AND org_id = ?`,
			placeholder, placeholder, string(gallra.RoleEditor), ms(tx.Now), id, orgID); err != nil {
			return fmt.Errorf("remove personal data of staff user: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "staff.deleted", "staff", id, nil)
	})
}

// SetMembership makes a staff user an editor of the channel (member=true) or
// removes them (false); idempotent, audited when something changed. A
// deleted staff user cannot be made a member (EUNPROCESS).
func (db *DB) SetMembership(ctx context.Context, actor gallra.Actor, orgID, channelID, staffID int64, member bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		s, err := tx.getStaff(ctx, orgID, staffID)
		if err != nil {
			return err
		}
		if member && staffDeleted(s) {
			return gallra.Errorf(gallra.EUNPROCESS, "staff user %d was deleted and cannot be given a channel", staffID)
		}
		if _, err := tx.getChannel(ctx, orgID, channelID); err != nil {
			return err
		}
		var res sql.Result
		if member {
			res, err = tx.exec(ctx, `INSERT INTO channel_members (channel_id, staff_id, org_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, channelID, staffID, orgID)
		} else {
			res, err = tx.exec(ctx, `DELETE FROM channel_members WHERE channel_id = ? AND staff_id = ? AND org_id = ?`, channelID, staffID, orgID)
		}
		if err != nil {
			return fmt.Errorf("set membership: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		action := "membership.added"
		if !member {
			action = "membership.removed"
		}
		return tx.Audit(ctx, orgID, actor, action, "channel", channelID, map[string]any{"staff_id": staffID})
	})
}

// CreateToken creates an API token for a staff user and returns it with its
// secret, which is not stored and cannot be shown again. Audited.
func (db *DB) CreateToken(ctx context.Context, actor gallra.Actor, orgID, staffID int64, name string) (*gallra.Token, string, error) {
	name = strings.TrimSpace(name)
	if err := gallra.ValidateText("name", name, true, gallra.MaxNameLen); err != nil {
		return nil, "", err
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, "", err
	}
	var tok *gallra.Token
	err = db.Update(ctx, func(tx *Tx) error {
		s, err := tx.getStaff(ctx, orgID, staffID)
		if err != nil {
			return err
		}
		if !s.Active {
			return gallra.Errorf(gallra.EUNPROCESS, "staff user %d is deactivated", staffID)
		}
		tok, err = tx.createToken(ctx, actor, orgID, staffID, name, secret)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return tok, secret, nil
}

func (tx *Tx) createToken(ctx context.Context, actor gallra.Actor, orgID, staffID int64, name, secret string) (*gallra.Token, error) {
	prefix := secret
	if len(prefix) > 10 {
		prefix = prefix[:10]
	}
	t := &gallra.Token{OrgID: orgID, StaffID: staffID, Name: name, Prefix: prefix, CreatedAt: tx.Now}
	id, err := tx.insert(ctx, `INSERT INTO api_tokens (org_id, staff_id, name, prefix, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, staffID, name, prefix, hashSecret(secret), ms(tx.Now))
	if err != nil {
		if gallra.ErrorCode(convertError(err)) == gallra.ECONFLICT {
			return nil, gallra.Errorf(gallra.ECONFLICT, "that token secret is already in use")
		}
		return nil, fmt.Errorf("insert token: %w", err)
	}
	t.ID = id
	return t, tx.Audit(ctx, orgID, actor, "token.created", "token", id, map[string]any{"staff_id": staffID})
}

// TokenOwner returns the staff user a token of the organisation belongs to;
// ENOTFOUND when there is no such token.
func (db *DB) TokenOwner(ctx context.Context, orgID, id int64) (int64, error) {
	var owner int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT staff_id FROM api_tokens WHERE id = ? AND org_id = ?`, id, orgID).Scan(&owner)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("token", id)
	}
	return owner, err
}

// ListTokens returns the organisation's tokens (without secrets), or with
// staffID > 0 one staff user's, at most gallra.MaxListedTokens: the active
// ones first, then the revoked, newest first in each.
func (db *DB) ListTokens(ctx context.Context, orgID, staffID int64) ([]gallra.Token, error) {
	var out []gallra.Token
	err := db.View(ctx, func(tx *Tx) error {
		q, args := `SELECT id, org_id, staff_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE org_id = ?`, []any{orgID}
		if staffID > 0 {
			q += ` AND staff_id = ?`
			args = append(args, staffID)
		}
		rows, err := tx.query(ctx, q+` ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT ?`, append(args, gallra.MaxListedTokens)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t gallra.Token
			var created int64
			var used, revoked sql.NullInt64
			if err := rows.Scan(&t.ID, &t.OrgID, &t.StaffID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
				return err
			}
			t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromNullMS(used), fromNullMS(revoked)
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token; idempotent; audited on first revocation.
func (db *DB) RevokeToken(ctx context.Context, actor gallra.Actor, orgID, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		var exists int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE id = ? AND org_id = ?`, id, orgID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return notFound("token", id)
		}
		res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND org_id = ? AND revoked_at IS NULL`, ms(tx.Now), id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.Audit(ctx, orgID, actor, "token.revoked", "token", id, nil)
	})
}

// Authenticate resolves a bearer secret to its active staff user and token.
// Any failure (unknown, revoked, deactivated) is EUNAUTHORIZED with the same
// message, so the answer does not tell which.
func (db *DB) Authenticate(ctx context.Context, secret string) (*gallra.Staff, *gallra.Token, error) {
	unauth := gallra.Errorf(gallra.EUNAUTHORIZED, "invalid or revoked API token")
	if secret == "" || len(secret) > 200 {
		return nil, nil, unauth
	}
	var staff *gallra.Staff
	var tok gallra.Token
	err := db.View(ctx, func(tx *Tx) error {
		var revoked, used sql.NullInt64
		var created int64
		err := tx.queryRow(ctx, `SELECT id, org_id, staff_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE secret_hash = ?`, hashSecret(secret)).
			Scan(&tok.ID, &tok.OrgID, &tok.StaffID, &tok.Name, &tok.Prefix, &created, &used, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return unauth
		} else if err != nil {
			return err
		}
		if revoked.Valid {
			return unauth
		}
		tok.CreatedAt, tok.LastUsedAt = fromMS(created), fromNullMS(used)
		staff, err = tx.getStaff(ctx, tok.OrgID, tok.StaffID)
		if err != nil {
			return err
		}
		if !staff.Active {
			return unauth
		}
		return tx.requireOrgActive(ctx, tok.OrgID)
	})
	if err != nil {
		if gallra.ErrorCode(err) == gallra.ENOTFOUND {
			return nil, nil, unauth
		}
		return nil, nil, err
	}
	return staff, &tok, nil
}

// TouchToken records that a token was used, at most once a minute per token
// so that reads do not turn into writes.
func (db *DB) TouchToken(ctx context.Context, t *gallra.Token) error {
	now := db.Now()
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) < 60e9 {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ms(now), t.ID)
		return err
	})
}

func sortedIDs(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
