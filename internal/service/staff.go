package service

import (
	"context"
	"time"

	"github.com/gallra/gallra"
)

// Staff implements gallra.StaffService.
type Staff struct{ d Deps }

var _ gallra.StaffService = (*Staff)(nil)

// ListStaff returns the organisation's staff users.
func (s *Staff) ListStaff(ctx context.Context, staff *gallra.Staff) ([]gallra.Staff, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	return s.d.DB.ListStaff(ctx, staff.OrgID)
}

// GetStaff returns one staff user of the organisation.
func (s *Staff) GetStaff(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.Staff, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	return s.d.DB.GetStaff(ctx, staff.OrgID, id)
}

// ColleagueName returns the display name of a staff user of the caller's
// organisation; any active staff user may read it.
func (s *Staff) ColleagueName(ctx context.Context, staff *gallra.Staff, id int64) (string, error) {
	if staff == nil || !staff.Active {
		return "", gallra.Errorf(gallra.EFORBIDDEN, "your staff account is not active")
	}
	c, err := s.d.DB.GetStaff(ctx, staff.OrgID, id)
	if err != nil {
		return "", err
	}
	return c.Name, nil
}

// CreateStaff adds an active staff user.
func (s *Staff) CreateStaff(ctx context.Context, staff *gallra.Staff, in gallra.NewStaff) (*gallra.Staff, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	return s.d.DB.CreateStaff(ctx, staffActor(staff), &gallra.Staff{OrgID: staff.OrgID, Name: in.Name, Email: in.Email, Role: in.Role, AvatarURL: in.AvatarURL, Active: true})
}

// UpdateStaff changes a staff user; the store revokes a deactivated user's
// tokens, ends their sessions and retires their login links in the same
// transaction, and refuses to change a deleted one.
func (s *Staff) UpdateStaff(ctx context.Context, staff *gallra.Staff, id int64, u gallra.StaffUpdate) (*gallra.Staff, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	if id == staff.ID && ((u.Active != nil && !*u.Active) || (u.Role != nil && *u.Role != gallra.RoleAdmin)) {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "you cannot deactivate yourself or remove your own admin role")
	}
	return s.d.DB.UpdateStaff(ctx, staffActor(staff), staff.OrgID, id, u)
}

// DeleteStaff removes a staff user's personal data and ends their access
// for good (see store.DB.DeleteStaff).
func (s *Staff) DeleteStaff(ctx context.Context, staff *gallra.Staff, id int64) error {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return err
	}
	return s.d.DB.DeleteStaff(ctx, staffActor(staff), staff.OrgID, id)
}

// ListTokens returns all of the organisation's tokens to staff managers and
// their own to everyone else.
func (s *Staff) ListTokens(ctx context.Context, staff *gallra.Staff) ([]gallra.Token, error) {
	if err := active(staff); err != nil {
		return nil, err
	}
	if staff.Allowed(gallra.PermManageStaff, 0) {
		return s.d.DB.ListTokens(ctx, staff.OrgID, 0)
	}
	return s.d.DB.ListTokens(ctx, staff.OrgID, staff.ID)
}

// CreateToken creates an API token for forStaffID (0: the staff user).
func (s *Staff) CreateToken(ctx context.Context, staff *gallra.Staff, forStaffID int64, name string) (*gallra.Token, string, error) {
	if err := active(staff); err != nil {
		return nil, "", err
	}
	if forStaffID < 0 {
		return nil, "", gallra.Errorf(gallra.EINVALID, "staff_id must be a positive integer")
	}
	if forStaffID == 0 {
		forStaffID = staff.ID
	}
	if forStaffID != staff.ID && !staff.Allowed(gallra.PermManageStaff, 0) {
		// Not found first: an editor must not learn which ids exist elsewhere.
		if _, err := s.d.DB.GetStaff(ctx, staff.OrgID, forStaffID); err != nil {
			return nil, "", err
		}
		return nil, "", gallra.Errorf(gallra.EFORBIDDEN, "only administrators may create tokens for other staff users")
	}
	return s.d.DB.CreateToken(ctx, staffActor(staff), staff.OrgID, forStaffID, name)
}

// RevokeToken revokes a token; staff users without PermManageStaff only
// their own (another's answers EFORBIDDEN, an unknown one ENOTFOUND).
func (s *Staff) RevokeToken(ctx context.Context, staff *gallra.Staff, id int64) error {
	if err := active(staff); err != nil {
		return err
	}
	if !staff.Allowed(gallra.PermManageStaff, 0) {
		owner, err := s.d.DB.TokenOwner(ctx, staff.OrgID, id)
		if err != nil {
			return err
		}
		if owner != staff.ID {
			return gallra.Errorf(gallra.EFORBIDDEN, "only administrators may revoke other staff users' tokens")
		}
	}
	return s.d.DB.RevokeToken(ctx, staffActor(staff), staff.OrgID, id)
}

// AuthenticateToken resolves a bearer secret and records its use; a failed
// record is logged, not returned (last-used is informational).
func (s *Staff) AuthenticateToken(ctx context.Context, secret string) (*gallra.Staff, *gallra.Token, error) {
	staff, tok, err := s.d.DB.Authenticate(ctx, secret)
	if err != nil {
		return nil, nil, err
	}
	if err := s.d.DB.TouchToken(ctx, tok); err != nil {
		s.d.Log.WarnContext(ctx, "touch token failed", "token_id", tok.ID, "err", err.Error())
	}
	return staff, tok, nil
}

// SignIn checks the password and starts a session.
func (s *Staff) SignIn(ctx context.Context, email, password string) (*gallra.Staff, string, error) {
	staff, err := s.d.DB.CheckPassword(ctx, email, password)
	if err != nil {
		return nil, "", err
	}
	secret, err := s.d.DB.CreateSession(ctx, staff)
	if err != nil {
		return nil, "", err
	}
	return staff, secret, nil
}

// AuthenticateSession resolves a session secret to its staff user.
func (s *Staff) AuthenticateSession(ctx context.Context, secret string) (*gallra.Staff, error) {
	_, staff, err := s.d.DB.SessionStaff(ctx, secret)
	return staff, err
}

// SignOut ends a session.
func (s *Staff) SignOut(ctx context.Context, secret string) error {
	return s.d.DB.DeleteSession(ctx, secret)
}

// CreateLoginLink makes an invitation or reset link for a staff user.
func (s *Staff) CreateLoginLink(ctx context.Context, staff *gallra.Staff, staffID int64, purpose string, ttl time.Duration) (string, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return "", err
	}
	if purpose != gallra.LinkInvite && purpose != gallra.LinkReset {
		return "", gallra.Errorf(gallra.EINVALID, "purpose must be invite or reset")
	}
	return s.d.DB.CreateLoginLink(ctx, staffActor(staff), staff.OrgID, staffID, purpose, ttl)
}

// LookupLoginLink returns the staff user of a usable link.
func (s *Staff) LookupLoginLink(ctx context.Context, secret string) (*gallra.Staff, error) {
	_, staff, err := s.d.DB.LookupLoginLink(ctx, secret)
	return staff, err
}

// UseLoginLink sets the password chosen on a link and signs in.
func (s *Staff) UseLoginLink(ctx context.Context, secret, password string) (*gallra.Staff, string, error) {
	return s.d.DB.UseLoginLink(ctx, secret, password)
}

// FindStaffAsOperator returns the staff user with that e-mail (CLI).
func (s *Staff) FindStaffAsOperator(ctx context.Context, orgID int64, email string) (*gallra.Staff, error) {
	return s.d.DB.StaffByEmail(ctx, orgID, email)
}

// ListStaffAsOperator returns the organisation's staff users (CLI).
func (s *Staff) ListStaffAsOperator(ctx context.Context, orgID int64) ([]gallra.Staff, error) {
	return s.d.DB.ListStaff(ctx, orgID)
}

// CreateLoginLinkAsOperator makes a sign-in link as the system.
func (s *Staff) CreateLoginLinkAsOperator(ctx context.Context, orgID, staffID int64, purpose string, ttl time.Duration) (string, error) {
	return s.d.DB.CreateLoginLink(ctx, systemActor(), orgID, staffID, purpose, ttl)
}

// SetPasswordAsOperator sets a staff user's password as the system.
func (s *Staff) SetPasswordAsOperator(ctx context.Context, orgID, staffID int64, password string) error {
	return s.d.DB.SetPassword(ctx, systemActor(), orgID, staffID, password)
}
