package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
)

// MailReply is the body of POST /conversations/{id}/replies. to lists the
// recipients the staff member chose (default: the sender of the last
// inbound message), cc the copies; both only among the conversation's
// participants (400, EINVALID, otherwise).
type MailReply struct {
	Body string   `json:"body"`
	To   []string `json:"to,omitempty"`
	Cc   []string `json:"cc,omitempty"`
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
		Query: pageParams, Response: List[gallra.MailConversation]{}, Handler: pageByID(s.svc.Mail.ListConversations, func(c gallra.MailConversation) int64 { return c.ID })})
	r.Handle(Route{Method: "GET", Path: "/api/v1/conversations/{id}", Summary: "Get a mail conversation with a page of its messages, oldest first", Tags: tags, Auth: AuthStaff,
		Query: threadParams, Response: gallra.MailConversation{}, Handler: threadByID(s.svc.Mail.Conversation, "messages", splitConversation)})
	r.Handle(Route{Method: "POST", Path: "/api/v1/conversations/{id}/replies", Summary: "Reply to a conversation", Tags: tags, Auth: AuthStaff,
		Request: MailReply{}, Response: gallra.MailMessage{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: bodyByID(http.StatusCreated, func(ctx context.Context, st *gallra.Staff, id int64, in MailReply) (*gallra.MailMessage, error) {
			return s.svc.Mail.Reply(ctx, st, id, gallra.MailReply{Body: in.Body, To: in.To, Cc: in.Cc})
		})})
	r.Handle(Route{Method: "GET", Path: "/api/v1/attachments/{id}", Summary: "Download an attachment", Tags: tags, Auth: AuthStaff,
		Response: RawBody{}, Handler: s.getAttachment})
	r.Handle(Route{Method: "POST", Path: "/api/v1/channels/{id}/messages", Summary: "Ingest an inbound e-mail into an inbox (idempotent on message_id)", Tags: tags, Auth: AuthStaff,
		Request: MailIngest{}, Response: gallra.MailMessage{}, Status: http.StatusCreated, MaxBody: MaxMailBody, Handler: s.ingestMail})
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.svc.Mail.Attachment(r.Context(), PrincipalFrom(r.Context()).Staff, id)
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
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in MailIngest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m := gallra.InboundMail{From: in.From, FromName: in.FromName, To: in.To, Subject: in.Subject, Body: in.Body,
		MessageID: in.MessageID, InReplyTo: in.InReplyTo, References: in.References}
	for _, a := range in.Attachments {
		m.Attachments = append(m.Attachments, gallra.Attachment{Filename: a.Filename, ContentType: a.ContentType, Content: a.ContentBase64})
	}
	msg, err := s.svc.Mail.Ingest(r.Context(), PrincipalFrom(r.Context()).Staff, id, m)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, msg)
	return nil
}
