package httpapi

import (
	"context"
	"net/http"

	"github.com/gallra/gallra"
)

// ArticleInput is the body of article create and replace.
type ArticleInput struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (s *Server) knowledgeRoutes(r *Router) {
	tags := []string{"knowledge"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/articles", Summary: "List a knowledge base's articles, newest first", Tags: tags, Auth: AuthStaff,
		Query: pageParams, Response: List[gallra.KnowledgeArticle]{}, Handler: pageByID(s.svc.Knowledge.ListArticles, func(a gallra.KnowledgeArticle) int64 { return a.ID })})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/articles", Summary: "Write an article", Tags: tags, Auth: AuthStaff,
		Request: ArticleInput{}, Response: gallra.KnowledgeArticle{}, Status: http.StatusCreated, Handler: bodyByID(http.StatusCreated, func(ctx context.Context, st *gallra.Staff, id int64, in ArticleInput) (*gallra.KnowledgeArticle, error) {
			return s.svc.Knowledge.CreateArticle(ctx, st, id, in.Title, in.Body)
		})})
	r.Handle(Route{Method: "GET", Path: "/api/v1/articles/{id}", Summary: "Get an article", Tags: tags, Auth: AuthStaff,
		Response: gallra.KnowledgeArticle{}, Handler: byID(s.svc.Knowledge.Article)})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/articles/{id}", Summary: "Replace an article's title and body", Tags: tags, Auth: AuthStaff,
		Request: ArticleInput{}, Response: gallra.KnowledgeArticle{}, Handler: bodyByID(http.StatusOK, func(ctx context.Context, st *gallra.Staff, id int64, in ArticleInput) (*gallra.KnowledgeArticle, error) {
			return s.svc.Knowledge.UpdateArticle(ctx, st, id, in.Title, in.Body)
		})})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/articles/{id}", Summary: "Delete an article", Tags: tags, Auth: AuthStaff,
		Handler: s.deleteArticle})
}

func (s *Server) deleteArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Knowledge.DeleteArticle(r.Context(), PrincipalFrom(r.Context()).Staff, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
