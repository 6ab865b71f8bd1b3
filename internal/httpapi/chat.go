package httpapi

import (
	"context"
	"net/http"

	"github.com/gallra/gallra"
)

// ChatPost is the body of POST /chats/{id}/messages (staff).
type ChatPost struct {
	Body string `json:"body"`
}

func (s *Server) chatRoutes(r *Router) {
	tags := []string{"chat"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/chats", Summary: "List a chat flow's chats, newest first", Tags: tags, Auth: AuthStaff,
		Query:    append([]Param{{Name: "status", Type: "string", Enum: []string{"open", "closed"}}}, pageParams...),
		Response: List[gallra.ChatConversation]{}, Handler: s.listChats})
	r.Handle(Route{Method: "GET", Path: "/api/v1/chats/{id}", Summary: "Get a chat with a page of its messages, oldest first", Tags: tags, Auth: AuthStaff,
		Query: threadParams, Response: gallra.ChatConversation{}, Handler: threadByID(s.svc.Chat.Chat, "messages", splitChat)})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/messages", Summary: "Write in an open chat as staff", Tags: tags, Auth: AuthStaff,
		Request: ChatPost{}, Response: gallra.ChatMessage{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: bodyByID(http.StatusCreated, func(ctx context.Context, st *gallra.Staff, id int64, in ChatPost) (*gallra.ChatMessage, error) {
			return s.svc.Chat.StaffMessage(ctx, st, id, in.Body)
		})})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/close", Summary: "Close a chat (starts its retention clock)", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatConversation{}, Handler: byID(s.svc.Chat.Close)})
}

func (s *Server) listChats(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
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
	list, err := s.svc.Chat.ListChats(r.Context(), PrincipalFrom(r.Context()).Staff, id, status, pg)
	if err != nil {
		return err
	}
	return writeList(w, newList(list, pg, func(c gallra.ChatConversation) int64 { return c.ID }))
}
