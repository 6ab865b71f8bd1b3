package privacy

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// eea are the EU member states and the EEA countries (Iceland,
// Liechtenstein, Norway), ISO 3166-1 alpha-2.
var eea = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"IS": true, "LI": true, "NO": true,
}

// adequate are the countries with an adequacy decision of the Commission
// (Art. 45) as of 2026; the United States only for companies certified
// under the EU–US Data Privacy Framework (TransferDPF).
var adequate = map[string]bool{
	"AD": true, "AR": true, "CA": true, "FO": true, "GG": true, "IL": true, "IM": true, "JP": true, "JE": true,
	"NZ": true, "KR": true, "CH": true, "GB": true, "UY": true, "BR": true,
}

// annotate derives EEA and Flagged.
func annotate(s *gallra.SubProcessor) {
	s.EEA = eea[s.Country]
	s.Flagged = !s.EEA && s.Mechanism == ""
}

func cleanSub(in gallra.NewSubProcessor) (gallra.NewSubProcessor, error) {
	in.Name, in.Service = strings.TrimSpace(in.Name), strings.TrimSpace(in.Service)
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	in.Mechanism = strings.ToLower(strings.TrimSpace(in.Mechanism))
	if err := gallra.ValidateText("name", in.Name, true, 200); err != nil {
		return in, err
	}
	if err := gallra.ValidateText("service", in.Service, true, 300); err != nil {
		return in, err
	}
	if len(in.Country) != 2 || in.Country[0] < 'A' || in.Country[0] > 'Z' || in.Country[1] < 'A' || in.Country[1] > 'Z' {
		return in, gallra.Errorf(gallra.EINVALID, "country must be a two-letter ISO 3166 code such as SE, DE or US")
	}
	switch in.Mechanism {
	case "":
	case gallra.TransferAdequacy:
		if !adequate[in.Country] {
			return in, gallra.Errorf(gallra.EINVALID, "%s has no adequacy decision: choose dpf (United States, certified companies) or scc", in.Country)
		}
	case gallra.TransferDPF:
		if in.Country != "US" {
			return in, gallra.Errorf(gallra.EINVALID, "the EU–US Data Privacy Framework applies to the United States (US) only")
		}
	case gallra.TransferSCC:
	default:
		return in, gallra.Errorf(gallra.EINVALID, "mechanism must be adequacy, dpf, scc or empty")
	}
	if eea[in.Country] && in.Mechanism != "" {
		return in, gallra.Errorf(gallra.EINVALID, "%s is in the EU/EEA: no transfer mechanism is needed, leave mechanism empty", in.Country)
	}
	return in, nil
}

func (s *Service) currentSubProcessors(ctx context.Context) ([]gallra.SubProcessor, error) {
	subs, _, err := s.db.SubProcessors(ctx, false)
	for i := range subs {
		annotate(&subs[i])
	}
	return subs, err
}

// SubProcessors implements gallra.PrivacyService.
func (s *Service) SubProcessors(ctx context.Context, staff *gallra.Staff) ([]gallra.SubProcessor, bool, error) {
	if err := active(staff); err != nil {
		return nil, false, err
	}
	subs, changed, err := s.db.SubProcessors(ctx, false)
	if err != nil {
		return nil, false, err
	}
	for i := range subs {
		annotate(&subs[i])
	}
	reg, err := s.register(ctx, staff.OrgID)
	if err != nil {
		return nil, false, err
	}
	news := changed != nil && (reg.SubProcessorsSeenAt == nil || reg.SubProcessorsSeenAt.Before(*changed))
	return subs, news, nil
}

// AcknowledgeSubProcessors implements gallra.PrivacyService.
func (s *Service) AcknowledgeSubProcessors(ctx context.Context, staff *gallra.Staff) error {
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return err
	}
	reg, err := s.register(ctx, staff.OrgID)
	if err != nil {
		return err
	}
	return s.db.AcknowledgeSubProcessors(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}, staff.OrgID, reg.Kind)
}

// ListSubProcessorsAsOperator implements gallra.PrivacyService.
func (s *Service) ListSubProcessorsAsOperator(ctx context.Context) ([]gallra.SubProcessor, error) {
	subs, _, err := s.db.SubProcessors(ctx, true)
	for i := range subs {
		annotate(&subs[i])
	}
	return subs, err
}

// AddSubProcessorAsOperator implements gallra.PrivacyService.
func (s *Service) AddSubProcessorAsOperator(ctx context.Context, in gallra.NewSubProcessor) (*gallra.SubProcessor, error) {
	in, err := cleanSub(in)
	if err != nil {
		return nil, err
	}
	return s.saveSub(ctx, 0, in, false)
}

// UpdateSubProcessorAsOperator implements gallra.PrivacyService.
func (s *Service) UpdateSubProcessorAsOperator(ctx context.Context, id int64, in gallra.NewSubProcessor) (*gallra.SubProcessor, error) {
	in, err := cleanSub(in)
	if err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, gallra.Errorf(gallra.EINVALID, "sub-processor id must be positive")
	}
	return s.saveSub(ctx, id, in, false)
}

// RemoveSubProcessorAsOperator implements gallra.PrivacyService.
func (s *Service) RemoveSubProcessorAsOperator(ctx context.Context, id int64) error {
	if id <= 0 {
		return gallra.Errorf(gallra.EINVALID, "sub-processor id must be positive")
	}
	_, err := s.saveSub(ctx, id, gallra.NewSubProcessor{}, true)
	return err
}

func (s *Service) saveSub(ctx context.Context, id int64, in gallra.NewSubProcessor, remove bool) (*gallra.SubProcessor, error) {
	out, err := s.db.SaveSubProcessor(ctx, id, in, remove)
	if err != nil {
		return nil, err
	}
	annotate(out)
	return out, nil
}
