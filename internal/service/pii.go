package service

import (
	"context"
	"errors"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
)

// PII implements gallra.PIIService.
type PII struct{ d Deps }

var _ gallra.PIIService = (*PII)(nil)

// MaxPIIPatterns bounds an organisation's own detector patterns.
const MaxPIIPatterns = 50

// Patterns returns the organisation's patterns, by name.
func (s *PII) Patterns(ctx context.Context, staff *gallra.Staff) ([]gallra.PIIPattern, error) {
	if staff == nil || !staff.Active {
		return nil, gallra.Errorf(gallra.EFORBIDDEN, "your staff account is not active")
	}
	ps, err := s.d.DB.PIIPatterns(ctx, staff.OrgID)
	if ps == nil && err == nil {
		ps = []gallra.PIIPattern{}
	}
	return ps, err
}

// SetPatterns checks and replaces the organisation's patterns.
func (s *PII) SetPatterns(ctx context.Context, staff *gallra.Staff, ps []gallra.PIIPattern) ([]gallra.PIIPattern, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	if len(ps) > MaxPIIPatterns {
		return nil, gallra.Errorf(gallra.EINVALID, "at most %d patterns", MaxPIIPatterns)
	}
	out := make([]gallra.PIIPattern, len(ps))
	opts := pii.Options{}
	for i, p := range ps {
		p.Name = strings.TrimSpace(p.Name)
		if err := gallra.ValidateText("patterns.name", p.Name, true, 100); err != nil {
			return nil, err
		}
		if err := gallra.ValidateText("patterns.pattern", p.Pattern, true, 500); err != nil {
			return nil, err
		}
		out[i] = p
		opts.Custom = append(opts.Custom, pii.CustomPattern{Name: p.Name, Pattern: p.Pattern})
	}
	if _, err := pii.New(opts); err != nil {
		return nil, gallra.Errorf(gallra.EINVALID, "%s", DetectorError(err))
	}
	if err := s.d.DB.SetPIIPatterns(ctx, staffActor(staff), staff.OrgID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DetectorError is the client-safe text of a detector option error: the
// detector's own words (they name patterns, which are configuration, not
// personal data), or "invalid" for anything else.
func DetectorError(err error) string {
	if errors.Is(err, pii.ErrInvalidOptions) {
		msg := err.Error()
		if i := strings.Index(msg, "pii: "); i >= 0 {
			msg = msg[i+len("pii: "):]
		}
		return msg
	}
	return "invalid"
}
