package httpapi

import (
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
		Query: pageParams, Response: List[gallra.KnowledgeArticle]{}, Handler: s.listArticles})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/articles", Summary: "Write an article", Tags: tags, Auth: AuthStaff,
		Request: ArticleInput{}, Response: gallra.KnowledgeArticle{}, Status: http.StatusCreated, Handler: s.createArticle})
	r.Handle(Route{Method: "GET", Path: "/api/v1/articles/{id}", Summary: "Get an article", Tags: tags, Auth: AuthStaff,
		Response: gallra.KnowledgeArticle{}, Handler: s.getArticle})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/articles/{id}", Summary: "Replace an article's title and body", Tags: tags, Auth: AuthStaff,
		Request: ArticleInput{}, Response: gallra.KnowledgeArticle{}, Handler: s.putArticle})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/articles/{id}", Summary: "Delete an article", Tags: tags, Auth: AuthStaff,
		Handler: s.deleteArticle})
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Knowledge.ListArticles(r.Context(), PrincipalFrom(r.Context()).Staff, id, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(a gallra.KnowledgeArticle) int64 { return a.ID }))
	return nil
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in ArticleInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.svc.Knowledge.CreateArticle(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.Title, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.svc.Knowledge.Article(r.Context(), PrincipalFrom(r.Context()).Staff, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) putArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in ArticleInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.svc.Knowledge.UpdateArticle(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.Title, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
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
