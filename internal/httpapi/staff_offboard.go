package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
)

// StaffOffboardingUpdate sets the organisation's off-boarding period.
type StaffOffboardingUpdate struct {
	Days int `json:"days"`
}

func (s *Server) staffOffboardingRoutes(r *Router) {
	tags := []string{"staff"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/staff/offboarding", Summary: "Staff off-boarding period and who is due", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Description: "How many days a staff user stays deactivated before the purge removes their name, e-mail and avatar (what they wrote stays attributed to \"Former staff member 7F3A\"), and how many are due now and within 30 days.",
		Response:    gallra.StaffOffboarding{}, Handler: s.getStaffOffboarding})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/staff/offboarding", Summary: "Set the staff off-boarding period", Tags: tags, Auth: AuthAdmin, Permission: gallra.PermManageStaff,
		Description: fmt.Sprintf("days between %d and %d (default %d). Audited.", gallra.MinStaffOffboardDays, gallra.MaxStaffOffboardDays, gallra.DefaultStaffOffboardDays),
		Request:     StaffOffboardingUpdate{}, Response: gallra.StaffOffboarding{}, Errors: []string{gallra.EINVALID}, Handler: s.putStaffOffboarding})
}

func (s *Server) getStaffOffboarding(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Staff.StaffOffboarding(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) putStaffOffboarding(w http.ResponseWriter, r *http.Request) error {
	var in StaffOffboardingUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.svc.Staff.SetStaffOffboardDays(r.Context(), PrincipalFrom(r.Context()).Staff, in.Days)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, o)
	return nil
}
