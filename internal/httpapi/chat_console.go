package httpapi

import (
	"context"
	"net/http"

	"github.com/gallra/gallra"
)

// ChatQueue is the agent console's queue: open chats of the caller's chat
// channels, waiting ones first in queue order.
type ChatQueue struct {
	Items []gallra.ChatQueueItem `json:"items"`
}

// ChatPresence is the body of POST /api/v1/chat/presence.
type ChatPresence struct {
	Status gallra.AgentStatus `json:"status"`
}

// chatConsoleRoutes: the console's calls for integrations (the same rules
// as the staff workspace's console).
func (s *Server) chatConsoleRoutes(r *Router) {
	tags := []string{"chat"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/chat/queue", Summary: "The open chats of your chat channels: waiting ones in queue order, offline messages, accepted chats", Tags: tags, Auth: AuthStaff,
		Response: ChatQueue{}, Handler: s.chatQueue})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chats/{id}/accept", Summary: "Accept a waiting chat (an agent-joined line; audited)", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatEvent{}, Errors: []string{gallra.EUNPROCESS}, Handler: byID(func(ctx context.Context, st *gallra.Staff, id int64) (*gallra.ChatEvent, error) {
			return s.svc.ChatLive.Accept(ctx, st, id)
		})})
	r.Handle(Route{Method: "POST", Path: "/api/v1/chat/presence", Summary: "Record your chat availability (a heartbeat, valid 60 seconds)", Tags: tags, Auth: AuthStaff,
		Request: ChatPresence{}, Handler: s.chatPresence})
	r.Handle(Route{Method: "GET", Path: "/api/v1/chat/settings", Summary: "The organisation's chat settings", Tags: tags, Auth: AuthStaff,
		Response: gallra.ChatSettings{}, Handler: s.chatSettings})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/chat/settings", Summary: "Change the organisation's chat settings (store visitors' IP addresses); audited", Tags: tags, Auth: AuthAdmin,
		Request: gallra.ChatSettings{}, Response: gallra.ChatSettings{}, Handler: s.setChatSettings})
}

func (s *Server) chatQueue(w http.ResponseWriter, r *http.Request) error {
	items, err := s.svc.ChatLive.Queue(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, ChatQueue{Items: items})
}

func (s *Server) chatPresence(w http.ResponseWriter, r *http.Request) error {
	var in ChatPresence
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.svc.ChatLive.Heartbeat(r.Context(), PrincipalFrom(r.Context()).Staff, in.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) chatSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.ChatLive.Settings(r.Context(), PrincipalFrom(r.Context()).Staff)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, st)
}

func (s *Server) setChatSettings(w http.ResponseWriter, r *http.Request) error {
	var in gallra.ChatSettings
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.svc.ChatLive.SetSettings(r.Context(), PrincipalFrom(r.Context()).Staff, in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, st)
}
