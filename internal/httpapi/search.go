package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
)

func (s *Server) searchRoutes(r *Router) {
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/search", Summary: "Search a channel's content", Tags: []string{"search"}, Auth: AuthStaff,
		Query:    []Param{{Name: "q", Type: "string", Required: true}, {Name: "limit", Type: "integer"}},
		Response: List[gallra.SearchHit]{}, Handler: s.search})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	limit := 50
	if raw := r.URL.Query().Get("limit"); raw != "" {
		pg, err := QueryPage(r)
		if err != nil {
			return err
		}
		limit = pg.Limit
	}
	hits, err := s.svc.Search.Search(r.Context(), PrincipalFrom(r.Context()).Staff, id, r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(hits))
	return nil
}
