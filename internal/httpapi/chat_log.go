package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/chatlive"
)

// chatLogRoutes: the organisation's chat-log export (JSON or CSV, streamed).
func (s *Server) chatLogRoutes(r *Router) {
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/chat-log", Summary: "Export a chat flow's chat logs for a date range (JSON or CSV, streamed; audited)",
		Description: "Chats opened from `from` to `to` (days, Swedish time, both included), with every line. JSON is an array of chats; CSV has one row per line. " +
			"Chats the retention purge has already deleted are not there: export before the purge takes them.",
		Tags: []string{"chat"}, Auth: AuthAdmin, Permission: gallra.PermManageChannels,
		Query: []Param{
			{Name: "from", Type: "string", Description: "first day, YYYY-MM-DD", Required: true},
			{Name: "to", Type: "string", Description: "last day, YYYY-MM-DD", Required: true},
			{Name: "format", Type: "string", Enum: []string{"json", "csv"}, Description: "default json"},
		},
		Response: RawBody{ContentType: "application/json"}, Alternatives: []any{RawBody{ContentType: "text/csv"}}, Handler: s.chatLog})
}

func (s *Server) chatLog(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, to, err := chatlive.ParseLogRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	f := gallra.ChatLogFilter{ChannelID: id, From: from, To: to, Format: format}
	st := PrincipalFrom(r.Context()).Staff
	return chatlive.WriteLog(w, format, fmt.Sprintf("chat-log-%d-%s-%s", id, q.Get("from"), q.Get("to")), func(fn func(gallra.ChatLogChat) error) error {
		return s.svc.ChatLive.ExportLog(r.Context(), st, f, fn)
	})
}
