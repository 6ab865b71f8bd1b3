package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/service"
)

// PIIScanRequest is the body of POST /api/v1/pii/scan.
type PIIScanRequest struct {
	Text string `json:"text"`
	// Kinds restricts detection to these kinds; empty means all.
	Kinds []string `json:"kinds,omitempty"`
}

// PIIScanResponse lists the findings, ordered by position.
type PIIScanResponse struct {
	Findings []pii.Finding `json:"findings"`
}

// PIIRedactRequest is the body of POST /api/v1/pii/redact.
type PIIRedactRequest struct {
	Text string `json:"text"`
	// Operator is replace (a label such as [personnummer]), mask (stars,
	// keeping the last Keep digits) or remove; default replace.
	Operator string `json:"operator,omitempty" enum:"replace,mask,remove"`
	Keep     int    `json:"keep,omitempty"`
	// Kinds lists the kinds to redact; empty means every kind except orgnummer.
	Kinds []string `json:"kinds,omitempty"`
}

// PIIRedactResponse is the redacted text.
type PIIRedactResponse struct {
	Text string `json:"text"`
}

// PIIPatterns is the organisation's own detector patterns.
type PIIPatterns struct {
	Patterns []gallra.PIIPattern `json:"patterns"`
}

// maxPIIText caps the text of one scan or redaction request.
const maxPIIText = 1 << 20

func (s *Server) piiRoutes(r *Router) {
	tags := []string{"pii"}
	r.Handle(Route{Method: "POST", Path: "/api/v1/pii/scan", Summary: "Find personal data in a text", Tags: tags, Auth: AuthStaff,
		Description: "Offsets are bytes into the UTF-8 text, end exclusive. Uses the built-in kinds and the organisation's own patterns.",
		Request:     PIIScanRequest{}, Response: PIIScanResponse{}, MaxBody: 2 * maxPIIText, Handler: s.piiScan})
	r.Handle(Route{Method: "POST", Path: "/api/v1/pii/redact", Summary: "Redact personal data in a text", Tags: tags, Auth: AuthStaff,
		Request: PIIRedactRequest{}, Response: PIIRedactResponse{}, MaxBody: 2 * maxPIIText, Handler: s.piiRedact})
	r.Handle(Route{Method: "GET", Path: "/api/v1/pii/patterns", Summary: "List the organisation's own detector patterns", Tags: tags, Auth: AuthStaff,
		Response: PIIPatterns{}, Handler: s.getPIIPatterns})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/pii/patterns", Summary: "Replace the organisation's own detector patterns (e.g. a customer number)", Tags: tags, Auth: AuthAdmin,
		Request: PIIPatterns{}, Response: PIIPatterns{}, Errors: []string{gallra.ECONFLICT}, Handler: s.putPIIPatterns})
}

// orgDetector returns the organisation's detector (orgpii: the built-in
// kinds and the organisation's own patterns, as the purge and erasure use
// them), restricted to detecting kinds or, with redact non-nil, to
// redacting those kinds.
func (s *Server) orgDetector(ctx context.Context, orgID int64, kinds []string, redact []string) (*pii.Detector, error) {
	var opts pii.Options
	var err error
	if opts.Kinds, err = parseKinds("kinds", kinds); err != nil {
		return nil, err
	}
	if redact != nil {
		if opts.Redact, err = parseKinds("kinds", redact); err != nil {
			return nil, err
		}
		opts.Kinds = nil
	}
	d, err := s.pii.With(ctx, orgID, opts)
	if errors.Is(err, pii.ErrInvalidOptions) {
		return nil, gallra.Errorf(gallra.EINVALID, "detector options: %s", service.DetectorError(err))
	}
	return d, err
}

func parseKinds(field string, in []string) ([]pii.Kind, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]pii.Kind, 0, len(in))
	for i, k := range in {
		kind, err := pii.ParseKind(k)
		if err != nil {
			names := []string{}
			for _, k := range pii.Kinds() {
				names = append(names, string(k))
			}
			return nil, gallra.Errorf(gallra.EINVALID, "%s[%d] must be one of %s", field, i, strings.Join(names, ", "))
		}
		out = append(out, kind)
	}
	return out, nil
}

func checkPIIText(text string) error {
	if len(text) > maxPIIText {
		return gallra.Errorf(gallra.ETOOLARGE, "text is longer than %d bytes", maxPIIText)
	}
	return gallra.ValidateText("text", text, false, maxPIIText)
}

func (s *Server) piiScan(w http.ResponseWriter, r *http.Request) error {
	var req PIIScanRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkPIIText(req.Text); err != nil {
		return err
	}
	d, err := s.orgDetector(r.Context(), PrincipalFrom(r.Context()).OrgID(), req.Kinds, nil)
	if err != nil {
		return err
	}
	f := d.Detect(req.Text)
	if f == nil {
		f = []pii.Finding{}
	}
	return WriteJSON(w, http.StatusOK, PIIScanResponse{Findings: f})
}

func (s *Server) piiRedact(w http.ResponseWriter, r *http.Request) error {
	var req PIIRedactRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkPIIText(req.Text); err != nil {
		return err
	}
	var op pii.Operator
	switch req.Operator {
	case "", "replace":
		op = pii.Replace()
	case "mask":
		if req.Keep < 0 || req.Keep > 8 {
			return gallra.Errorf(gallra.EINVALID, "keep must be between 0 and 8")
		}
		op = pii.Mask(req.Keep)
	case "remove":
		op = pii.Remove()
	default:
		return gallra.Errorf(gallra.EINVALID, "operator must be replace, mask or remove")
	}
	var redact []string
	if len(req.Kinds) > 0 {
		redact = req.Kinds
	}
	d, err := s.orgDetector(r.Context(), PrincipalFrom(r.Context()).OrgID(), nil, redact)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, PIIRedactResponse{Text: d.Redact(req.Text, op)})
}

func (s *Server) getPIIPatterns(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.svc.PII.Patterns(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, PIIPatterns{Patterns: ps})
}

func (s *Server) putPIIPatterns(w http.ResponseWriter, r *http.Request) error {
	var req PIIPatterns
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	ps, err := s.svc.PII.SetPatterns(r.Context(), PrincipalFrom(r.Context()).Staff, req.Patterns)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, PIIPatterns{Patterns: ps})
}
