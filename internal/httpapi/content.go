package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
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
	p, c, err := s.pathChannel(r, gallra.ModuleForum)
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListTopics(r.Context(), p.OrgID(), c.ID, pg)
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
	t, err := s.db.GetTopic(r.Context(), p.OrgID(), id)
	if err != nil {
		return err
	}
	if err := s.authorizeChannel(p, t.ChannelID); err != nil {
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
	post, err := s.db.GetPost(r.Context(), p.OrgID(), id)
	if err != nil {
		return err
	}
	if err := s.authorizeChannel(p, post.ChannelID); err != nil {
		return err
	}
	post, err = s.db.EditPost(r.Context(), p.Actor(), p.OrgID(), id, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, post)
	return nil
}

// MailReply is the body of POST /conversations/{id}/replies.
type MailReply struct {
	Body string `json:"body"`
}

// MailIngest is an inbound e-mail delivered through the API (e.g. by a mail
// gateway). Ingest is idempotent on message_id.
type MailIngest struct {
	From        string           `json:"from"`
	FromName    string           `json:"from_name,omitempty"`
	To          []string         `json:"to,omitempty"`
	Subject     string           `json:"subject,omitempty"`
	Body        string           `json:"body,omitempty"`
	MessageID   string           `json:"message_id,omitempty"`
	InReplyTo   string           `json:"in_reply_to,omitempty"`
	References  []string         `json:"references,omitempty"`
	Attachments []MailAttachment `json:"attachments,omitempty"`
}

// MailAttachment is an attachment of an ingested e-mail, base64 encoded.
type MailAttachment struct {
	Filename      string `json:"filename"`
	ContentType   string `json:"content_type,omitempty"`
	ContentBase64 []byte `json:"content_base64"`
}

// MaxMailBody is the request limit of mail ingest: attachments travel as
// base64 inside the JSON.
const MaxMailBody = 40 << 20

func (s *Server) mailRoutes(r *Router) {
	tags := []string{"mail"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/conversations", Summary: "List an inbox's conversations, newest first", Tags: tags, Auth: AuthStaff,
		Query: pageParams, Response: List[gallra.MailConversation]{}, Handler: s.listConversations})
	r.Handle(Route{Method: "GET", Path: "/api/v1/conversations/{id}", Summary: "Get a mail conversation with its messages", Tags: tags, Auth: AuthStaff,
		Response: gallra.MailConversation{}, Handler: s.getConversation})
	r.Handle(Route{Method: "POST", Path: "/api/v1/conversations/{id}/replies", Summary: "Reply to a conversation", Tags: tags, Auth: AuthStaff,
		Request: MailReply{}, Response: gallra.MailMessage{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: s.replyMail})
	r.Handle(Route{Method: "GET", Path: "/api/v1/attachments/{id}", Summary: "Download an attachment", Tags: tags, Auth: AuthStaff,
		Response: RawBody{}, Handler: s.getAttachment})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/messages", Summary: "Ingest an inbound e-mail into an inbox (idempotent on message_id)", Tags: tags, Auth: AuthStaff,
		Request: MailIngest{}, Response: gallra.MailMessage{}, Status: http.StatusCreated, MaxBody: MaxMailBody, Handler: s.ingestMail})
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleMail)
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListMailConversations(r.Context(), p.OrgID(), c.ID, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(c gallra.MailConversation) int64 { return c.ID }))
	return nil
}

func (s *Server) conversation(r *http.Request) (*Principal, *gallra.MailConversation, error) {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.db.GetMailConversation(r.Context(), p.OrgID(), id)
	if err != nil {
		return nil, nil, err
	}
	return p, c, s.authorizeChannel(p, c.ChannelID)
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	_, c, err := s.conversation(r)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) replyMail(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.conversation(r)
	if err != nil {
		return err
	}
	var in MailReply
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.db.GetChannel(r.Context(), p.OrgID(), c.ChannelID)
	if err != nil {
		return err
	}
	from := ch.Address
	if from == "" {
		return gallra.Errorf(gallra.EUNPROCESS, "channel %d has no inbox address to reply from", ch.ID)
	}
	m, err := s.db.ReplyMail(r.Context(), p.Actor(), p.OrgID(), c.ID, p.Staff, in.Body, from)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	ch, err := s.db.AttachmentChannel(r.Context(), p.OrgID(), id)
	if err != nil {
		return err
	}
	if err := s.authorizeChannel(p, ch); err != nil {
		return err
	}
	a, err := s.db.GetAttachment(r.Context(), p.OrgID(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", safeContentType(a.ContentType))
	h.Set("Content-Disposition", contentDisposition(a.Filename))
	h.Set("Content-Length", strconv.Itoa(len(a.Content)))
	h.Set("Content-Security-Policy", "sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Content)
	return nil
}

func (s *Server) ingestMail(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleMail)
	if err != nil {
		return err
	}
	var in MailIngest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m := store.InboundMail{From: in.From, FromName: in.FromName, To: in.To, Subject: in.Subject, Body: in.Body,
		MessageID: in.MessageID, InReplyTo: in.InReplyTo, References: in.References}
	for _, a := range in.Attachments {
		m.Attachments = append(m.Attachments, store.Attachment{Filename: a.Filename, ContentType: a.ContentType, Content: a.ContentBase64})
	}
	msg, err := s.db.IngestMail(r.Context(), p.OrgID(), c.ID, m)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, msg)
	return nil
}

// ChatPost is the body of POST /chats/{id}/messages (staff).
type ChatPost struct {
	Body string `json:"body"`
}

func (s *Server) chatRoutes(r *Router) {
	tags := []string{"chat"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/chats", Summary: "List a chat flow's chats, newest first", Tags: tags, Auth: AuthStaff,
		Query:    append([]Param{{Name: "status", Type: "string", Enum: []string{"open", "closed"}}}, pageParams...),
		Response: List[gallra.ChatConversation]{}, Handler: s.listChats})
	r.Handle(Route{Method: "GET", Path: "/api/v1/chats/{id}", Summary: "Get a chat with its messages", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatConversation{}, Handler: s.getChat})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/messages", Summary: "Write in an open chat as staff", Tags: tags, Auth: AuthStaff,
		Request: ChatPost{}, Response: gallra.ChatMessage{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: s.staffChatMessage})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/close", Summary: "Close a chat (starts its retention clock)", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatConversation{}, Handler: s.closeChat})
}

func (s *Server) listChats(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.pathChannel(r, gallra.ModuleChat)
	if err != nil {
		return err
	}
	status, err := QueryEnum(r, "status", "open", "closed")
	if err != nil {
		return err
	}
	pg, err := QueryPage(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListChats(r.Context(), p.OrgID(), c.ID, status, pg)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, newList(list, pg, func(c gallra.ChatConversation) int64 { return c.ID }))
	return nil
}

func (s *Server) chat(r *http.Request) (*Principal, *gallra.ChatConversation, error) {
	p := PrincipalFrom(r.Context())
	id, err := PathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.db.GetChat(r.Context(), p.OrgID(), id)
	if err != nil {
		return nil, nil, err
	}
	return p, c, s.authorizeChannel(p, c.ChannelID)
}

func (s *Server) getChat(w http.ResponseWriter, r *http.Request) error {
	_, c, err := s.chat(r)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) staffChatMessage(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.chat(r)
	if err != nil {
		return err
	}
	var in ChatPost
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.db.StaffChatMessage(r.Context(), p.OrgID(), c.ID, p.Staff.ID, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) closeChat(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.chat(r)
	if err != nil {
		return err
	}
	c, err = s.db.CloseChat(r.Context(), p.Actor(), p.OrgID(), c.ID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}
