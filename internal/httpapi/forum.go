package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
)

var pageParams = []Param{
	{Name: "limit", Type: "integer", Description: "page size, 1 to 200 (default 50)"},
	{Name: "before_id", Type: "integer", Description: "return items with a smaller id (next_before_id of the previous page)"},
}

// PostEdit is the body of PATCH /posts/{id}.
type PostEdit struct {
	Body string `json:"body"`
}

func (s *Server) forumRoutes(r *Router) {
	tags := []string{"forum"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/topics", Summary: "List a forum's topics, newest first", Tags: tags, Auth: AuthStaff,
		Query: pageParams, Response: List[gallra.ForumTopic]{}, Handler: s.listTopics})
	r.Handle(Route{Method: "GET", Path: "/api/v1/topics/{id}", Summary: "Get a topic with its posts", Tags: tags, Auth: AuthStaff,
		Response: gallra.ForumTopic{}, Handler: s.getTopic})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/posts/{id}", Summary: "Edit a post's body (moderation)", Tags: tags, Auth: AuthStaff,
		Request: PostEdit{}, Response: gallra.ForumPost{}, Handler: s.editPost})
}

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Forum.ListTopics(r.Context(), PrincipalFrom(r.Context()).Staff, id, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(t gallra.ForumTopic) int64 { return t.ID }))
	return nil
}

func (s *Server) getTopic(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.svc.Forum.Topic(r.Context(), p.Staff, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) editPost(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in PostEdit
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	post, err := s.svc.Forum.EditPost(r.Context(), p.Staff, id, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, post)
	return nil
}
