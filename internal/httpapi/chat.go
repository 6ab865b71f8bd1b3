package httpapi

import (
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
	r.Handle(Route{Method: "GET", Path: "/api/v1/chats/{id}", Summary: "Get a chat with its messages", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatConversation{}, Handler: s.getChat})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/messages", Summary: "Write in an open chat as staff", Tags: tags, Auth: AuthStaff,
		Request: ChatPost{}, Response: gallra.ChatMessage{}, Status: http.StatusCreated, Errors: []string{gallra.EUNPROCESS}, Handler: s.staffChatMessage})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/close", Summary: "Close a chat (starts its retention clock)", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatConversation{}, Handler: s.closeChat})
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
	WriteJSON(w, http.StatusOK, newList(list, pg, func(c gallra.ChatConversation) int64 { return c.ID }))
	return nil
}

func (s *Server) getChat(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.svc.Chat.Chat(r.Context(), PrincipalFrom(r.Context()).Staff, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) staffChatMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in ChatPost
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.svc.Chat.StaffMessage(r.Context(), PrincipalFrom(r.Context()).Staff, id, in.Body)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) closeChat(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.svc.Chat.Close(r.Context(), PrincipalFrom(r.Context()).Staff, id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}
