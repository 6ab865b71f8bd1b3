package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Audit implements gallra.AuditService.
type Audit struct{ d Deps }

var _ gallra.AuditService = (*Audit)(nil)

// ListAudit returns a page of the organisation's audit log; the filter's
// text fields are bounded here, for every transport.
func (s *Audit) ListAudit(ctx context.Context, staff *gallra.Staff, f gallra.AuditFilter) ([]gallra.AuditEntry, error) {
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("action", f.Action, false, 100); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("subject_type", f.SubjectType, false, 100); err != nil {
		return nil, err
	}
	return s.d.DB.ListAudit(ctx, staff.OrgID, f)
}

// VerifyAudit checks the organisation's hash chain.
func (s *Audit) VerifyAudit(ctx context.Context, staff *gallra.Staff) (gallra.AuditResult, error) {
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return gallra.AuditResult{}, err
	}
	return s.d.DB.VerifyAudit(ctx, staff.OrgID)
}

// VerifyAuditAsOperator checks one organisation's chain (CLI).
func (s *Audit) VerifyAuditAsOperator(ctx context.Context, orgID int64) (gallra.AuditResult, error) {
	return s.d.DB.VerifyAudit(ctx, orgID)
}
