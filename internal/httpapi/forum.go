package httpapi

import (
	"context"
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
		Query: pageParams, Response: List[gallra.ForumTopic]{}, Handler: pageByID(s.svc.Forum.ListTopics, func(t gallra.ForumTopic) int64 { return t.ID })})
	r.Handle(Route{Method: "GET", Path: "/api/v1/topics/{id}", Summary: "Get a topic with a page of its posts, oldest first", Tags: tags, Auth: AuthStaff,
		Query: threadParams, Response: gallra.ForumTopic{}, Handler: threadByID(s.svc.Forum.Topic, "posts", splitTopic)})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/posts/{id}", Summary: "Edit a post's body (moderation)", Tags: tags, Auth: AuthStaff,
		Request: PostEdit{}, Response: gallra.ForumPost{}, Handler: bodyByID(http.StatusOK, func(ctx context.Context, st *gallra.Staff, id int64, in PostEdit) (*gallra.ForumPost, error) {
			return s.svc.Forum.EditPost(ctx, st, id, in.Body)
		})})
}
