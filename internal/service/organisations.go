package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Organisations implements gallra.OrganisationService.
type Organisations struct{ d Deps }

var _ gallra.OrganisationService = (*Organisations)(nil)

// GetOrganisation returns the staff user's organisation.
func (s *Organisations) GetOrganisation(ctx context.Context, staff *gallra.Staff) (*gallra.Organisation, error) {
	if err := active(staff); err != nil {
		return nil, err
	}
	return s.d.DB.GetOrganisation(ctx, staff.OrgID)
}

// UpdateOrganisation renames the organisation or changes its language.
func (s *Organisations) UpdateOrganisation(ctx context.Context, staff *gallra.Staff, u gallra.OrganisationUpdate) (*gallra.Organisation, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	org, err := s.d.DB.GetOrganisation(ctx, staff.OrgID)
	if err != nil {
		return nil, err
	}
	if u.Name != nil {
		org.Name = *u.Name
	}
	if u.Language != nil {
		org.Language = *u.Language
	}
	if err := s.d.DB.UpdateOrganisation(ctx, staffActor(staff), org); err != nil {
		return nil, err
	}
	return s.d.DB.GetOrganisation(ctx, staff.OrgID)
}

// ListOrganisationsAsOperator returns every organisation (CLI).
func (s *Organisations) ListOrganisationsAsOperator(ctx context.Context) ([]gallra.Organisation, error) {
	return s.d.DB.ListOrganisations(ctx)
}

// active returns nil for an active staff user and the EFORBIDDEN of
// gallra.Staff.Authorize otherwise: operations any staff user may call
// still refuse a deactivated one.
func active(staff *gallra.Staff) error {
	if staff == nil || !staff.Active {
		return gallra.Errorf(gallra.EFORBIDDEN, "your staff account is not active")
	}
	return nil
}

// staffActor is the audit actor of a staff user's action.
func staffActor(staff *gallra.Staff) gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}
}

// systemActor is the audit actor of the operator's CLI and of serve.
func systemActor() gallra.Actor { return gallra.Actor{Type: gallra.ActorSystem} }
