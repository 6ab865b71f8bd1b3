package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

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
		Request: MailReply{}, Response: gallra.MailMessage{}, Status: http.StatusCreated, Handler: s.replyMail})
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
