package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
)

// AuditList is a page of the audit log, newest first: pass next_before_seq
// as before_seq for the next page.
type AuditList struct {
	Items         []gallra.AuditEntry `json:"items"`
	NextBeforeSeq *int64              `json:"next_before_seq"`
}

func (s *Server) auditRoutes(r *Router) {
	tags := []string{"audit"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/audit", Summary: "List the organisation's audit log, newest first", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermAudit,
		Query: []Param{{Name: "action", Type: "string", Description: "exact action, or a prefix ending in '.'"}, {Name: "subject_type", Type: "string"},
			{Name: "subject_id", Type: "integer"}, {Name: "before_seq", Type: "integer"}, {Name: "limit", Type: "integer", Description: "1 to 200"}},
		Response: AuditList{}, Handler: s.listAudit})
	r.Handle(Route{Method: "GET", Path: "/api/v1/audit/verify", Summary: "Verify the organisation's audit chain is untampered", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermAudit,
		Response: audit.Result{}, Handler: s.verifyAudit})
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := gallra.AuditFilter{Action: q.Get("action"), SubjectType: q.Get("subject_type")}
	var err error
	if f.SubjectID, err = QueryID(r, "subject_id"); err != nil {
		return err
	}
	if f.BeforeSeq, err = QueryID(r, "before_seq"); err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	f.Limit = pg.Limit
	list, err := s.svc.Audit.ListAudit(r.Context(), p.Staff, f)
	if err != nil {
		return err
	}
	out := AuditList{Items: list}
	if out.Items == nil {
		out.Items = []gallra.AuditEntry{}
	}
	if len(list) >= f.Limit && len(list) > 0 {
		seq := list[len(list)-1].Seq
		out.NextBeforeSeq = &seq
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	res, err := s.svc.Audit.VerifyAudit(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}
