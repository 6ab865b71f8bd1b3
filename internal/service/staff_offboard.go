package service

import (
	"context"

	"github.com/gallra/gallra"
)

// StaffOffboarding returns the organisation's off-boarding period and how
// many former staff members the purge off-boards now and within 30 days.
func (s *Staff) StaffOffboarding(ctx context.Context, staff *gallra.Staff) (*gallra.StaffOffboarding, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	return s.offboarding(ctx, staff.OrgID)
}

func (s *Staff) offboarding(ctx context.Context, orgID int64) (*gallra.StaffOffboarding, error) {
	days, err := s.d.DB.StaffOffboardDays(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now, soon, err := s.d.DB.CountStaffOffboardingDue(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &gallra.StaffOffboarding{Days: days, DueNow: now, DueWithin30Days: soon}, nil
}

// SetStaffOffboardDays sets the organisation's off-boarding period;
// validated by the store, audited with the old and new periods.
func (s *Staff) SetStaffOffboardDays(ctx context.Context, staff *gallra.Staff, days int) (*gallra.StaffOffboarding, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageStaff); err != nil {
		return nil, err
	}
	if err := s.d.DB.SetStaffOffboardDays(ctx, staffActor(staff), staff.OrgID, days); err != nil {
		return nil, err
	}
	return s.offboarding(ctx, staff.OrgID)
}
