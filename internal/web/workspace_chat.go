package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/chatlive"
	"github.com/gallra/gallra/internal/httpstatus"
)

// The agent console: the queue of live chats (waiting ones in queue order
// with their waiting time, offline messages, accepted chats), a chat page
// to accept, answer, see the visitor typing and close, the agent's
// availability (heartbeats while the console is open) and the
// organisation's chat settings. Every rule is gallra.ChatLiveService's.

func (h *Handler) chatConsoleRoutes(mux *http.ServeMux) {
	mux.Handle("GET /workspace/chats", h.auth(h.chatQueue))
	mux.Handle("GET /workspace/chats/queue", h.auth(h.chatQueueFragment))
	mux.Handle("POST /workspace/chats/presence", h.auth(h.chatPresence))
	mux.Handle("GET /workspace/chats/{id}", h.auth(h.chatPage))
	mux.Handle("GET /workspace/chats/{id}/ws", h.auth(h.chatWS))
	mux.Handle("POST /workspace/chats/{id}/accept", h.auth(h.chatAccept))
	mux.Handle("POST /workspace/chats/{id}/reply", h.auth(h.chatReply))
	mux.Handle("POST /workspace/chats/{id}/typing", h.auth(h.chatTyping))
	mux.Handle("POST /workspace/chats/{id}/close", h.auth(h.chatClose))
	mux.Handle("GET /workspace/chats/{id}/files/{file}", h.auth(h.chatFile))
	mux.Handle("GET /admin/chat", h.permitted(gallra.PermManageOrganisation, h.chatSettingsPage))
	mux.Handle("POST /admin/chat", h.permitted(gallra.PermManageOrganisation, h.chatSettingsSave))
	mux.Handle("GET /admin/chat/export", h.permitted(gallra.PermManageChannels, h.chatLogExport))
}

// queueRow is a chat as the console lists it.
type queueRow struct {
	gallra.ChatQueueItem
	Position int    // 1-based among waiting chats of its channel; 0 otherwise
	Waiting  string // "4 min"
	Mine     bool
}

// queueData is the console's queue.
type queueData struct {
	Waiting, Offline, Active []queueRow
	Status                   gallra.AgentStatus
}

// embedCode is the widget's script line for one chat channel.
type embedCode struct {
	ID      int64
	Channel string
	Code    string
}

func waited(l *lang, since, now time.Time) string {
	m := int(now.Sub(since).Minutes())
	if m < 1 {
		return l.T("chat.wait.lt1")
	}
	if m < 120 {
		return l.T("chat.wait.min", m)
	}
	return l.T("chat.wait.h", m/60)
}

func (h *Handler) queueData(ctx context.Context, r *http.Request, v *viewer) (*queueData, error) {
	items, err := h.svc.ChatLive.Queue(ctx, v.Staff)
	if err != nil {
		return nil, err
	}
	l := catalogs[language(r, v)]
	now := h.clock.Now()
	d := &queueData{Status: gallra.AgentStatus(r.URL.Query().Get("status"))}
	pos := map[int64]int{}
	for _, it := range items {
		row := queueRow{ChatQueueItem: it, Waiting: waited(l, it.OpenedAt, now), Mine: it.AcceptedBy != nil && *it.AcceptedBy == v.Staff.ID}
		switch {
		case it.AcceptedBy != nil:
			d.Active = append(d.Active, row)
		case it.Offline:
			d.Offline = append(d.Offline, row)
		default:
			pos[it.ChannelID]++
			row.Position = pos[it.ChannelID]
			d.Waiting = append(d.Waiting, row)
		}
	}
	return d, nil
}

func (h *Handler) chatQueue(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.queueData(r.Context(), r, v)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "workspace_chats", d)
	return nil
}

// chatQueueFragment is the queue's tables alone, for the console's script
// to refresh.
func (h *Handler) chatQueueFragment(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.queueData(r.Context(), r, v)
	if err != nil {
		return err
	}
	t := h.pages["workspace_chats"]
	code := language(r, v)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return t.ExecuteTemplate(w, "queue", page{L: catalogs[code], Lang: code, V: v, D: d})
}

// chatPresence records a heartbeat: the console's script posts one every
// 20 seconds while it is open; the form posts one (online for a minute).
func (h *Handler) chatPresence(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the form does not parse")
	}
	st := gallra.AgentStatus(r.PostForm.Get("status"))
	if err := h.svc.ChatLive.Heartbeat(r.Context(), v.Staff, st); err != nil {
		return err
	}
	if r.Header.Get("Accept") == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(map[string]string{"status": string(st)})
	}
	return redirect(w, r, "/workspace/chats?status="+string(st))
}

// chatPageData is one chat in the console.
type chatPageData struct {
	ID     int64
	State  *gallra.ChatState
	Events []gallra.ChatEvent
	Last   int64
	Mine   bool
	// Name, Email and IP are what the visitor gave (all may be empty:
	// anonymous; IP only when the organisation stores it).
	Name, Email, IP string
}

func (h *Handler) chatPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return gallra.Errorf(gallra.ENOTFOUND, "chat not found")
	}
	st, evs, err := h.svc.ChatLive.AgentEvents(r.Context(), v.Staff, id, 0, 0)
	if err != nil {
		return err
	}
	for len(evs) > 0 && int64(len(evs)) < st.LastSeq && len(evs)%200 == 0 {
		_, more, err := h.svc.ChatLive.AgentEvents(r.Context(), v.Staff, id, evs[len(evs)-1].Seq, 0)
		if err != nil {
			return err
		}
		if len(more) == 0 {
			break
		}
		evs = append(evs, more...)
	}
	head, err := h.svc.Chat.Chat(r.Context(), v.Staff, id, gallra.ThreadPage{Limit: 1})
	if err != nil {
		return err
	}
	d := chatPageData{ID: id, State: st, Events: evs, Name: head.ParticipantName, Email: head.ParticipantEmail, IP: head.ParticipantIP}
	if len(evs) > 0 {
		d.Last = evs[len(evs)-1].Seq
	}
	h.render(w, r, v, http.StatusOK, "workspace_chat", d)
	return nil
}

func (h *Handler) chatWS(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return gallra.Errorf(gallra.ENOTFOUND, "chat not found")
	}
	svc := h.svc.ChatLive
	chatlive.ServeWS(w, r, h.log, func(ctx context.Context, _ chatlive.Hello) (chatlive.Source, error) {
		if _, _, err := svc.AgentEvents(ctx, v.Staff, id, 0, 1); err != nil {
			return chatlive.Source{}, err
		}
		return chatlive.Source{Self: gallra.SenderStaff,
			Events: func(ctx context.Context, after int64) (*gallra.ChatState, []gallra.ChatEvent, error) {
				return svc.AgentEvents(ctx, v.Staff, id, after, 0)
			},
			Subscribe: func(ctx context.Context) (gallra.ChatSubscription, error) {
				return svc.AgentSubscribe(ctx, v.Staff, id)
			},
			Signal: func(ctx context.Context, k gallra.ChatEventKind) error { return svc.AgentSignal(ctx, v.Staff, id, k) },
		}, nil
	})
	return nil
}

func chatID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, gallra.Errorf(gallra.ENOTFOUND, "chat not found")
	}
	return id, nil
}

// wantsJSON: the console's script asks for JSON; forms get a redirect.
func wantsJSON(r *http.Request) bool { return r.Header.Get("Accept") == "application/json" }

func (h *Handler) chatAccept(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := chatID(r)
	if err != nil {
		return err
	}
	if _, err := h.svc.ChatLive.Accept(r.Context(), v.Staff, id); err != nil {
		return err
	}
	return redirect(w, r, "/workspace/chats/"+strconv.FormatInt(id, 10))
}

func (h *Handler) chatReply(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := chatID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the form does not parse")
	}
	ev, err := h.svc.ChatLive.AgentMessage(r.Context(), v.Staff, id, r.PostForm.Get("body"))
	if wantsJSON(r) {
		return writeChatJSON(w, ev, err)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/workspace/chats/"+strconv.FormatInt(id, 10))
}

// writeChatJSON answers the console's script: the event, or the error's
// code and message (the script shows its own translated text).
func writeChatJSON(w http.ResponseWriter, v any, err error) error {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(httpstatus.Of(err))
		return json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": gallra.ErrorCode(err), "message": gallra.ErrorMessage(err)}})
	}
	return json.NewEncoder(w).Encode(v)
}

func (h *Handler) chatTyping(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := chatID(r)
	if err != nil {
		return err
	}
	if err := h.svc.ChatLive.AgentSignal(r.Context(), v.Staff, id, gallra.ChatEventTyping); err != nil {
		return writeChatJSON(w, nil, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) chatClose(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := chatID(r)
	if err != nil {
		return err
	}
	if err := h.svc.ChatLive.AgentClose(r.Context(), v.Staff, id); err != nil {
		return err
	}
	return redirect(w, r, "/workspace/chats?ok=chat_closed")
}

// chatSettingsData is the admin's chat page: the settings and the widget's
// script line per chat channel.
type chatSettingsData struct {
	S        *gallra.ChatSettings
	Embed    []embedCode
	From, To string // the export form's default range: the last month
}

func (h *Handler) chatSettingsPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	s, err := h.svc.ChatLive.Settings(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	chs, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, gallra.ModuleChat, gallra.PermViewChannel)
	if err != nil {
		return err
	}
	base := h.base
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	now := h.clock.Now().In(stockholm)
	d := chatSettingsData{S: s, From: now.AddDate(0, -1, 0).Format("2006-01-02"), To: now.Format("2006-01-02")}
	for _, c := range chs {
		d.Embed = append(d.Embed, embedCode{ID: c.ID, Channel: c.Name,
			Code: `<script src="` + base + `/chat/widget.js" data-channel="` + strconv.FormatInt(c.ID, 10) + `" data-lang="` + language(r, v) + `" async></script>`})
	}
	h.render(w, r, v, http.StatusOK, "admin_chat", d)
	return nil
}

func (h *Handler) chatSettingsSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the form does not parse")
	}
	if _, err := h.svc.ChatLive.SetSettings(r.Context(), v.Staff, gallra.ChatSettings{StoreIP: r.PostForm.Get("store_ip") == "on"}); err != nil {
		return err
	}
	return redirect(w, r, "/admin/chat?ok=chat_settings")
}

// chatLogExport streams a chat flow's logs (JSON or CSV) as a download.
func (h *Handler) chatLogExport(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("channel"), 10, 64)
	if err != nil {
		return gallra.Errorf(gallra.EINVALID, "choose a chat channel")
	}
	from, to, err := chatlive.ParseLogRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	f := gallra.ChatLogFilter{ChannelID: id, From: from, To: to, Format: q.Get("format")}
	return chatlive.WriteLog(w, f.Format, "chat-log-"+strconv.FormatInt(id, 10)+"-"+q.Get("from")+"-"+q.Get("to"), func(fn func(gallra.ChatLogChat) error) error {
		return h.svc.ChatLive.ExportLog(r.Context(), v.Staff, f, fn)
	})
}

// chatFile downloads a file sent in a chat.
func (h *Handler) chatFile(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := chatID(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return gallra.Errorf(gallra.ENOTFOUND, "file not found")
	}
	f, err := h.svc.ChatLive.AgentFile(r.Context(), v.Staff, id, fid)
	if err != nil {
		return err
	}
	chatlive.ServeFile(w, f)
	return nil
}
