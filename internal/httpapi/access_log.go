package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
)

// AccessLogMonthsRequest is the body of PUT /api/v1/access-log/settings.
type AccessLogMonthsRequest struct {
	// Months is how long the access log is kept, 1 to 60.
	Months int `json:"months"`
}

// accessLogRoutes: the access log of staff reads (admins) and its
// retention setting. There is no route that changes or removes an entry.
func (s *Server) accessLogRoutes(r *Router) {
	tags := []string{"audit"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/access-log", Summary: "Who among the staff read whose data: the access log, newest first", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermAudit,
		Description: "Each entry is a read of a person's data by a staff user: their person page (with the reason given), a mail conversation, a chat, a forum topic, " +
			"or the download of an export. Filter by staff_id (also staff who have left) or person_id (the reads of the person's page, conversations, chats, " +
			"topics and exports), and by days. Pass next as cursor for the next page.",
		Query: []Param{{Name: "staff_id", Type: "integer"}, {Name: "person_id", Type: "integer"},
			{Name: "from", Type: "string", Description: "first day, YYYY-MM-DD (Swedish time)"}, {Name: "to", Type: "string", Description: "last day, YYYY-MM-DD, included"},
			{Name: "cursor", Type: "string"}, {Name: "limit", Type: "integer", Description: "1 to 200, default 50"}},
		Response: gallra.AccessLogPage{}, Errors: []string{gallra.ENOTFOUND}, Handler: s.listAccessLog})
	r.Handle(Route{Method: "GET", Path: "/api/v1/access-log/settings", Summary: "How long the access log is kept, and what the next purge removes", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermAudit,
		Response: gallra.AccessLogSettings{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			st, err := s.svc.AccessLog.Settings(r.Context(), PrincipalFrom(r.Context()).Staff)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, st)
			return nil
		}})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/access-log/settings", Summary: "Set how long the access log is kept (1 to 60 months; audited)", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageOrganisation,
		Request: AccessLogMonthsRequest{}, Response: gallra.AccessLogSettings{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in AccessLogMonthsRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			st, err := s.svc.AccessLog.SetMonths(r.Context(), PrincipalFrom(r.Context()).Staff, in.Months)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, st)
			return nil
		}})
}

func (s *Server) listAccessLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f gallra.AccessLogFilter
	var err error
	if f.StaffID, err = QueryID(r, "staff_id"); err != nil {
		return err
	}
	if f.PersonID, err = QueryID(r, "person_id"); err != nil {
		return err
	}
	if f.From, f.To, err = gallra.ParseAccessLogDays(q.Get("from"), q.Get("to")); err != nil {
		return err
	}
	if raw := q.Get("limit"); raw != "" {
		if f.Limit, err = strconv.Atoi(raw); err != nil || f.Limit < 1 {
			return gallra.Errorf(gallra.EINVALID, "limit must be an integer from 1 to 200")
		}
	}
	f.Cursor = q.Get("cursor")
	page, err := s.svc.AccessLog.List(r.Context(), PrincipalFrom(r.Context()).Staff, f)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

// accessReasons are the reasons a read can be given, as strings.
func accessReasons() []string {
	var out []string
	for _, r := range gallra.AccessReasons() {
		out = append(out, string(r))
	}
	return out
}
