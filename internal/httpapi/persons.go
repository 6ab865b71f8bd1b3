package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
)

// PersonSearchRequest is the body of POST /api/v1/persons/search. The
// value travels in the body, not the URL, so that it never reaches an
// access log.
type PersonSearchRequest struct {
	// Q is an e-mail address, a phone number, a personnummer or
	// samordningsnummer, a name or a social account id or handle.
	Q string `json:"q"`
}

// personRoutes registers the person search and the person page.
func (s *Server) personRoutes(r *Router) {
	tags := []string{"requests"}
	r.Handle(Route{Method: "POST", Path: "/api/v1/persons/search", Summary: "Find a person across all channels by any identifier or name", Tags: tags, Auth: AuthStaff,
		Description: "q is read as an e-mail address, a personnummer, a phone number, else a name or social account. persons are the matching persons; " +
			"mentions are the items whose text names the e-mail, phone or personnummer, also in others' posts (for review). Admins search every channel, " +
			"editors their own. Every search is audited (person.searched) with a keyed hash of q, never q itself. complete is false while older items are still being indexed.",
		Request: PersonSearchRequest{}, Response: gallra.PersonSearchResult{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in PersonSearchRequest
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
			res, err := s.svc.Persons.SearchPersons(r.Context(), PrincipalFrom(r.Context()).Staff, in.Q)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, res)
			return nil
		}})
	r.Handle(Route{Method: "GET", Path: "/api/v1/persons/{id}", Summary: "The person page: what is held where, requests made, holds", Tags: tags, Auth: AuthStaff,
		Description: "Counts per channel (forum posts, mail and chat conversations, social items), the requests made for the person's e-mail address, " +
			"the legal holds on their topics and conversations. Editors see their own channels only (404 for a person with nothing there). Audited (person.viewed) " +
			"and recorded in the access log with the reason, when given.",
		Query:    []Param{{Name: "reason", Type: "string", Enum: accessReasons(), Description: "why you open the page (recorded in the access log)"}},
		Response: gallra.PersonOverview{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			reason, err := QueryEnum(r, "reason", accessReasons()...)
			if err != nil {
				return err
			}
			ov, err := s.svc.Persons.PersonOverviewFor(r.Context(), PrincipalFrom(r.Context()).Staff, id, gallra.AccessReason(reason))
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, ov)
			return nil
		}})
}
