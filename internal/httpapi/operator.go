package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gallra/gallra"
)

// The operator API (docs/operators.md): the platform operator onboards,
// suspends and offboards organisations. It is authenticated by the one
// operator token (Config.OperatorToken, GALLRA_OPERATOR_TOKEN), never by an
// organisation's API token; without an operator token configured, its
// routes answer 404 as unknown endpoints do.

// MinOperatorTokenLen is the shortest operator token New accepts.
const MinOperatorTokenLen = 32

// OperatorOrganisationCreate is the body of POST
// /api/v1/operator/organisations.
type OperatorOrganisationCreate struct {
	Name       string `json:"name"`
	Language   string `json:"language,omitempty"` // sv (default) or en
	AdminName  string `json:"admin_name"`
	AdminEmail string `json:"admin_email"`
	// Kind is public_authority (default) or company: it chooses the
	// privacy register's default legal basis.
	Kind string `json:"kind,omitempty"`
}

// OperatorOrganisationDelete is the body of DELETE
// /api/v1/operator/organisations/{id}.
type OperatorOrganisationDelete struct {
	// Confirm must be the organisation's exact name (or its id).
	Confirm string `json:"confirm"`
	// OverrideLegalHolds deletes although legal holds exist: only on the
	// controller's documented instruction.
	OverrideLegalHolds bool `json:"override_legal_holds,omitempty"`
}

// OrganisationList is every organisation, by id.
type OrganisationList struct {
	Items []gallra.OrganisationSummary `json:"items"`
}

// OperatorAuditList is a page of the operator audit log, newest first: pass
// next_before_seq as before_seq for the next page.
type OperatorAuditList struct {
	Items         []gallra.OperatorAuditEntry `json:"items"`
	NextBeforeSeq *int64                      `json:"next_before_seq"`
}

func (s *Server) operatorRoutes(r *Router) {
	tags := []string{"operator"}
	base := "/api/v1/operator/organisations"
	r.Handle(Route{Method: "GET", Path: base, Summary: "List every organisation with its status and counts (operator)", Tags: tags, Auth: AuthOperator,
		Response: OrganisationList{}, Handler: s.listOrganisations})
	r.Handle(Route{Method: "POST", Path: base, Summary: "Create an organisation with its first administrator and a one-time sign-in link (operator)", Tags: tags, Auth: AuthOperator,
		Description: "The sign-in link (valid 24 hours, works once) is shown in this answer only: hand it to the administrator.",
		Request:     OperatorOrganisationCreate{}, Response: gallra.CreatedOrganisation{}, Status: http.StatusCreated, Errors: []string{gallra.ECONFLICT}, Handler: s.createOrganisation})
	r.Handle(Route{Method: "GET", Path: base + "/{id}", Summary: "Read an organisation's status and counts (operator)", Tags: tags, Auth: AuthOperator,
		Response: gallra.OrganisationSummary{}, Handler: s.getOrganisationAsOperator})
	r.Handle(Route{Method: "POST", Path: base + "/{id}/disable", Summary: "Disable an organisation: its staff cannot sign in, its public channels answer 404; data and retention are kept (operator)", Tags: tags, Auth: AuthOperator,
		Response: gallra.OrganisationSummary{}, Errors: []string{gallra.ECONFLICT}, Handler: s.setOrganisationStatus(true)})
	r.Handle(Route{Method: "POST", Path: base + "/{id}/enable", Summary: "Enable a disabled organisation again (operator)", Tags: tags, Auth: AuthOperator,
		Response: gallra.OrganisationSummary{}, Errors: []string{gallra.ECONFLICT}, Handler: s.setOrganisationStatus(false)})
	r.Handle(Route{Method: "DELETE", Path: base + "/{id}", Summary: "Delete a disabled organisation and all its data (operator)", Tags: tags, Auth: AuthOperator,
		Description: "Confirm with the organisation's exact name. The organisation is marked deleting (irreversible) and the background job erases its data in batches; " +
			"GET answers 404 once it is gone. Legal holds refuse the deletion unless override_legal_holds is set on the controller's instruction.",
		Request: OperatorOrganisationDelete{}, Response: gallra.OrganisationSummary{}, Status: http.StatusAccepted, Errors: []string{gallra.ECONFLICT}, Handler: s.deleteOrganisation})
	r.Handle(Route{Method: "GET", Path: "/api/v1/operator/audit", Summary: "List the operator audit log, newest first (operator)", Tags: tags, Auth: AuthOperator,
		Query:    []Param{{Name: "before_seq", Type: "integer"}, {Name: "limit", Type: "integer", Description: "1 to 200"}},
		Response: OperatorAuditList{}, Handler: s.listOperatorAudit})
	r.Handle(Route{Method: "GET", Path: "/api/v1/operator/audit/verify", Summary: "Verify the operator audit chain (operator)", Tags: tags, Auth: AuthOperator,
		Response: gallra.AuditResult{}, Handler: s.verifyOperatorAudit})
}

// authenticateOperator checks the operator bearer token against the
// configured one (compared as SHA-256 digests in constant time). Without a
// configured token the operator API does not exist: ENOTFOUND.
func (s *Server) authenticateOperator(r *http.Request) error {
	if s.operatorHash == nil {
		return gallra.Errorf(gallra.ENOTFOUND, "no such endpoint")
	}
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return gallra.Errorf(gallra.EUNAUTHORIZED, "the operator token is required: send Authorization: Bearer <GALLRA_OPERATOR_TOKEN>")
	}
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], s.operatorHash) != 1 {
		return gallra.Errorf(gallra.EUNAUTHORIZED, "invalid operator token (an organisation's API token is not one)")
	}
	return nil
}

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.Operator.ListOrganisations(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []gallra.OrganisationSummary{}
	}
	return WriteJSON(w, http.StatusOK, OrganisationList{Items: list})
}

func (s *Server) createOrganisation(w http.ResponseWriter, r *http.Request) error {
	var in OperatorOrganisationCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.svc.Operator.CreateOrganisation(r.Context(), gallra.NewOrganisation{Name: in.Name, Language: in.Language, AdminName: in.AdminName, AdminEmail: in.AdminEmail, Kind: in.Kind})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, c)
}

func (s *Server) getOrganisationAsOperator(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.svc.Operator.GetOrganisation(r.Context(), id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, o)
}

func (s *Server) setOrganisationStatus(disable bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		set := s.svc.Operator.EnableOrganisation
		if disable {
			set = s.svc.Operator.DisableOrganisation
		}
		o, err := set(r.Context(), id)
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, o)
	}
}

func (s *Server) deleteOrganisation(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in OperatorOrganisationDelete
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.svc.Operator.DeleteOrganisation(r.Context(), id, gallra.OrganisationDeletion{Confirm: in.Confirm, OverrideHolds: in.OverrideLegalHolds})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusAccepted, o)
}

func (s *Server) listOperatorAudit(w http.ResponseWriter, r *http.Request) error {
	before, err := QueryID(r, "before_seq")
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Operator.OperatorAudit(r.Context(), pg.Limit, before)
	if err != nil {
		return err
	}
	out := OperatorAuditList{Items: list}
	if out.Items == nil {
		out.Items = []gallra.OperatorAuditEntry{}
	}
	if len(list) >= pg.Limit && len(list) > 0 {
		seq := list[len(list)-1].Seq
		out.NextBeforeSeq = &seq
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (s *Server) verifyOperatorAudit(w http.ResponseWriter, r *http.Request) error {
	res, err := s.svc.Operator.VerifyOperatorAudit(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, res)
}
