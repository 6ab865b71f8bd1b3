package httpapi

import (
	"net/http"
	"time"

	"github.com/gallra/gallra"
)

// SocialImport is a post or comment mirrored from the external platform.
type SocialImport struct {
	ExternalID       string     `json:"external_id"`
	ParentExternalID string     `json:"parent_external_id,omitempty"`
	AuthorID         string     `json:"author_id"`
	AuthorName       string     `json:"author_name,omitempty"`
	AuthorEmail      string     `json:"author_email,omitempty"`
	Body             string     `json:"body,omitempty"`
	CreatedAt        *time.Time `json:"created_at,omitempty"`
}

// SocialRemoved reports how many mirrored items a removal deleted.
type SocialRemoved struct {
	Deleted int64 `json:"deleted"`
}

func (s *Server) socialRoutes(r *Router) {
	tags := []string{"social"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/social-items", Summary: "List mirrored social items, newest first", Tags: tags, Auth: AuthStaff,
		Query: pageParams, Response: List[gallra.SocialItem]{}, Handler: pageByID(s.svc.Social.ListItems, func(i gallra.SocialItem) int64 { return i.ID })})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/social-items", Summary: "Mirror (insert or update) an item from the platform", Tags: tags, Auth: AuthStaff,
		Request: SocialImport{}, Response: gallra.SocialItem{}, Errors: []string{gallra.ECONFLICT}, Handler: s.upsertSocial})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/social-items/{externalID}",
		Summary:     "Remove an item deleted on the platform, or with by=author all items of an author who left",
		Description: "externalID is the item's external id, or with by=author the external author id.",
		Tags:        tags, Auth: AuthStaff,
		PathParams: []Param{{Name: "externalID", Type: "string", Description: "external item id (or author id with by=author)"}},
		Query:      []Param{{Name: "by", Type: "string", Enum: []string{"author"}}},
		Response:   SocialRemoved{}, Handler: s.removeSocial})
}

func (s *Server) upsertSocial(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in SocialImport
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	si := gallra.SocialInput{ExternalID: in.ExternalID, ParentExternalID: in.ParentExternalID, AuthorID: in.AuthorID,
		AuthorName: in.AuthorName, AuthorEmail: in.AuthorEmail, Body: in.Body}
	if in.CreatedAt != nil {
		si.CreatedAt = *in.CreatedAt
	}
	item, err := s.svc.Social.Mirror(r.Context(), PrincipalFrom(r.Context()).Staff, id, si)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, item)
	return nil
}

func (s *Server) removeSocial(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	by, err := QueryEnum(r, "by", "author")
	if err != nil {
		return err
	}
	n, err := s.svc.Social.RemoveMirrored(r.Context(), PrincipalFrom(r.Context()).Staff, id, r.PathValue("externalID"), by == "author")
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, SocialRemoved{Deleted: n})
	return nil
}
