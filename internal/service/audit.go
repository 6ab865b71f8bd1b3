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
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, gallra.Errorf(gallra.EINVALID, "the date range ends before it starts: choose a 'to' date on or after the 'from' date")
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

// AuditActions lists the distinct actions in the organisation's log.
func (s *Audit) AuditActions(ctx context.Context, staff *gallra.Staff) ([]string, error) {
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return nil, err
	}
	return s.d.DB.AuditActions(ctx, staff.OrgID)
}

// AuditSubjectNames looks up the current names of the entries' subjects
// (request references, channel names) in the staff user's organisation.
func (s *Audit) AuditSubjectNames(ctx context.Context, staff *gallra.Staff, entries []gallra.AuditEntry) (map[gallra.AuditSubject]string, error) {
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return nil, err
	}
	want := make([]gallra.AuditSubject, 0, len(entries))
	for _, e := range entries {
		want = append(want, gallra.AuditSubject{Type: e.SubjectType, ID: e.SubjectID})
	}
	return s.d.DB.AuditSubjectNames(ctx, staff.OrgID, want)
}
