package httpapi

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/store"
)

// safeContentType keeps a well-formed media type and refuses types a browser
// would render as active content (those are served as octet-stream).
func safeContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	switch {
	case strings.Contains(mt, "html"), strings.Contains(mt, "javascript"), strings.Contains(mt, "xml"), mt == "image/svg+xml":
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// contentDisposition is an attachment disposition with a sanitized filename:
// no path, quotes or control characters in the ASCII fallback, the original
// (cleaned) name as RFC 5987 filename*.
func contentDisposition(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == ';' {
			return -1
		}
		return r
	}, name)
	clean = strings.TrimLeft(strings.TrimSpace(clean), ".")
	if clean == "" {
		clean = "attachment"
	}
	ascii := strings.Map(func(r rune) rune {
		if r > 126 || r < 32 || r == '%' || r == '\\' {
			return '_'
		}
		return r
	}, clean)
	if ascii == clean {
		return `attachment; filename="` + clean + `"`
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(clean)
}

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
		Query: pageParams, Response: List[gallra.SocialItem]{}, Handler: s.listSocial})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/social-items", Summary: "Mirror (insert or update) an item from the platform", Tags: tags, Auth: AuthStaff,
		Request: SocialImport{}, Response: gallra.SocialItem{}, Handler: s.upsertSocial})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/channels/{id}/social-items/{externalID}",
		Summary:     "Remove an item deleted on the platform, or with by=author all items of an author who left",
		Description: "externalID is the item's external id, or with by=author the external author id.",
		Tags:        tags, Auth: AuthStaff,
		PathParams: []Param{{Name: "externalID", Type: "string", Description: "external item id (or author id with by=author)"}},
		Query:      []Param{{Name: "by", Type: "string", Enum: []string{"author"}}},
		Response:   SocialRemoved{}, Handler: s.removeSocial})
}

func (s *Server) listSocial(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleSocial)
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListSocialItems(r.Context(), p.OrgID(), c.ID, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(i gallra.SocialItem) int64 { return i.ID }))
	return nil
}

func (s *Server) upsertSocial(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleSocial)
	if err != nil {
		return err
	}
	var in SocialImport
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	si := store.SocialInput{ExternalID: in.ExternalID, ParentExternalID: in.ParentExternalID, AuthorID: in.AuthorID,
		AuthorName: in.AuthorName, AuthorEmail: in.AuthorEmail, Body: in.Body}
	if in.CreatedAt != nil {
		si.CreatedAt = *in.CreatedAt
	}
	item, err := s.db.UpsertSocialItem(r.Context(), p.OrgID(), c.ID, si)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, item)
	return nil
}

func (s *Server) removeSocial(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleSocial)
	if err != nil {
		return err
	}
	by, err := QueryEnum(r, "by", "author")
	if err != nil {
		return err
	}
	ext := r.PathValue("externalID")
	if err := gallra.ValidateText("externalID", ext, true, 200); err != nil {
		return err
	}
	n, err := s.db.RemoveSocialMirror(r.Context(), p.Actor(), p.OrgID(), c.ID, ext, by == "author")
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, SocialRemoved{Deleted: n})
	return nil
}

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
	p, c, err := s.pathChannel(r, gallra.ModuleKnowledge)
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListArticles(r.Context(), p.OrgID(), c.ID, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(a gallra.KnowledgeArticle) int64 { return a.ID }))
	return nil
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleKnowledge)
	if err != nil {
		return err
	}
	var in ArticleInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	sid := p.Staff.ID
	a, err := s.db.SaveArticle(r.Context(), p.Actor(), &gallra.KnowledgeArticle{OrgID: p.OrgID(), ChannelID: c.ID, StaffID: &sid, Title: in.Title, Body: in.Body})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) article(r *http.Request) (*Principal, *gallra.KnowledgeArticle, error) {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	a, err := s.db.GetArticle(r.Context(), p.OrgID(), id)
	if err != nil {
		return nil, nil, err
	}
	return p, a, s.authorizeChannel(p, a.ChannelID)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	_, a, err := s.article(r)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) putArticle(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.article(r)
	if err != nil {
		return err
	}
	var in ArticleInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	a.Title, a.Body = in.Title, in.Body
	a, err = s.db.SaveArticle(r.Context(), p.Actor(), a)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteArticle(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.article(r)
	if err != nil {
		return err
	}
	if err := s.db.DeleteArticle(r.Context(), p.Actor(), p.OrgID(), a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// CustomFieldInput sets a custom field; an empty value removes it.
type CustomFieldInput struct {
	SubjectType gallra.SubjectType `json:"subject_type"`
	SubjectID   int64              `json:"subject_id"`
	Key         string             `json:"key"`
	Value       string             `json:"value"`
}

var subjectEnum = []string{"person", "forum_topic", "mail_conversation", "chat_conversation"}

func (s *Server) customFieldRoutes(r *Router) {
	tags := []string{"custom fields"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/custom-fields", Summary: "List the custom fields of a person or conversation", Tags: tags, Auth: AuthStaff,
		Description: "Editors may read fields of conversations in their channels; person fields are for administrators.",
		Query:       []Param{{Name: "subject_type", Type: "string", Enum: subjectEnum, Required: true}, {Name: "subject_id", Type: "integer", Required: true}},
		Response:    List[gallra.CustomField]{}, Errors: []string{gallra.ENOTFOUND}, Handler: s.listCustomFields})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/custom-fields", Summary: "Set (or with an empty value remove) a custom field", Tags: tags, Auth: AuthStaff,
		Request: CustomFieldInput{}, Errors: []string{gallra.ENOTFOUND}, Handler: s.putCustomField})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/search", Summary: "Search a channel's content", Tags: []string{"search"}, Auth: AuthStaff,
		Query:    []Param{{Name: "q", Type: "string", Required: true}, {Name: "limit", Type: "integer"}},
		Response: List[store.SearchHit]{}, Handler: s.search})
}

// authorizeSubject checks the caller may act on a custom-field subject:
// 404 when it is not the organisation's, 403 for editors outside its channel
// (persons span channels, so their fields are for administrators).
func (s *Server) authorizeSubject(r *http.Request, p *Principal, st gallra.SubjectType, id int64) error {
	if id <= 0 {
		return gallra.Errorf(gallra.EINVALID, "subject_id must be a positive integer")
	}
	ctx, org := r.Context(), p.OrgID()
	var channelID int64
	switch st {
	case gallra.SubjectPerson:
		if _, err := s.db.GetPerson(ctx, org, id); err != nil {
			return err
		}
		if !p.IsAdmin() {
			return gallra.Errorf(gallra.EFORBIDDEN, "custom fields of persons are for administrators")
		}
		return nil
	case gallra.SubjectForumTopic:
		t, err := s.db.GetTopic(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = t.ChannelID
	case gallra.SubjectMailConversation:
		c, err := s.db.GetMailConversation(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = c.ChannelID
	case gallra.SubjectChatConversation:
		c, err := s.db.GetChat(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = c.ChannelID
	default:
		return gallra.Errorf(gallra.EINVALID, "subject_type must be one of %s", strings.Join(subjectEnum, ", "))
	}
	return s.authorizeChannel(p, channelID)
}

func (s *Server) listCustomFields(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	st := r.URL.Query().Get("subject_type")
	if st == "" {
		return gallra.Errorf(gallra.EINVALID, "subject_type is required")
	}
	id, err := QueryID(r, "subject_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return gallra.Errorf(gallra.EINVALID, "subject_id is required")
	}
	if err := s.authorizeSubject(r, p, gallra.SubjectType(st), id); err != nil {
		return err
	}
	list, err := s.db.ListCustomFields(r.Context(), p.OrgID(), gallra.SubjectType(st), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) putCustomField(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in CustomFieldInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.authorizeSubject(r, p, in.SubjectType, in.SubjectID); err != nil {
		return err
	}
	if err := s.db.SetCustomField(r.Context(), p.Actor(), p.OrgID(), in.SubjectType, in.SubjectID, in.Key, in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, "")
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
	hits, err := s.db.SearchChannel(r.Context(), p.OrgID(), c.ID, r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(hits))
	return nil
}

// AuditList is a page of the audit log, newest first: pass next_before_seq
// as before_seq for the next page.
type AuditList struct {
	Items         []gallra.AuditEntry `json:"items"`
	NextBeforeSeq *int64              `json:"next_before_seq"`
}

func (s *Server) auditRoutes(r *Router) {
	tags := []string{"audit"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/audit", Summary: "List the organisation's audit log, newest first", Tags: tags, Auth: AuthAdmin,
		Query: []Param{{Name: "action", Type: "string", Description: "exact action, or a prefix ending in '.'"}, {Name: "subject_type", Type: "string"},
			{Name: "subject_id", Type: "integer"}, {Name: "before_seq", Type: "integer"}, {Name: "limit", Type: "integer", Description: "1 to 200"}},
		Response: AuditList{}, Handler: s.listAudit})
	r.Handle(Route{Method: "GET", Path: "/api/v1/audit/verify", Summary: "Verify the organisation's audit chain is untampered", Tags: tags, Auth: AuthAdmin,
		Response: audit.Result{}, Handler: s.verifyAudit})
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action"), SubjectType: q.Get("subject_type")}
	if err := gallra.ValidateText("action", f.Action, false, 100); err != nil {
		return err
	}
	if err := gallra.ValidateText("subject_type", f.SubjectType, false, 100); err != nil {
		return err
	}
	var err error
	if f.SubjectID, err = QueryID(r, "subject_id"); err != nil {
		return err
	}
	if f.BeforeSeq, err = QueryID(r, "before_seq"); err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	f.Limit = pg.Limit
	list, err := s.db.ListAudit(r.Context(), p.OrgID(), f)
	if err != nil {
		return err
	}
	out := AuditList{Items: list}
	if out.Items == nil {
		out.Items = []gallra.AuditEntry{}
	}
	if len(list) >= f.Limit && len(list) > 0 {
		seq := list[len(list)-1].Seq
		out.NextBeforeSeq = &seq
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	res, err := s.db.VerifyAudit(r.Context(), PrincipalFrom(r.Context()).OrgID())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}
