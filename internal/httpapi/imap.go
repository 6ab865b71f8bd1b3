package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
)

func (s *Server) imapRoutes(r *Router) {
	tags := []string{"mail"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/imap", Summary: "An inbox's IMAP fetch settings and last run (never the password)", Tags: tags,
		Auth: AuthAdmin, Permission: gallra.PermManageChannels, Response: gallra.IMAPAccount{}, Handler: byID(s.svc.IMAP.IMAPAccount)})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/channels/{id}/imap", Summary: "Set up or change an inbox's IMAP fetch (an empty password keeps the stored one)", Tags: tags,
		Auth: AuthAdmin, Permission: gallra.PermManageChannels, Request: gallra.IMAPSettings{}, Response: gallra.IMAPAccount{},
		Errors: []string{gallra.EUNPROCESS}, Handler: bodyByID(http.StatusOK, s.svc.IMAP.SetIMAPAccount)})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/imap", Summary: "Stop an inbox's IMAP fetch and forget its credentials", Tags: tags,
		Auth: AuthAdmin, Permission: gallra.PermManageChannels, Handler: s.deleteIMAP})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/imap/fetch", Summary: "Fetch an inbox's IMAP mailbox now; the answer says what the run did", Tags: tags,
		Auth: AuthStaff, Response: gallra.IMAPRun{}, Errors: []string{gallra.EUNPROCESS}, Handler: byID(s.svc.IMAP.FetchIMAPNow)})
}

func (s *Server) deleteIMAP(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.IMAP.DeleteIMAPAccount(r.Context(), PrincipalFrom(r.Context()).Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
