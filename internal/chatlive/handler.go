// Package chatlive serves the chat widget and its delivery: widget.js (the
// one line an organisation puts on its site), the conversation page that
// runs in an iframe from Gallra's own origin, the WebSocket stream with
// sequence numbers and replay, the long-poll fallback and the visitor's
// POST actions (start, write, typing, transcript, delete). Every rule is
// gallra.ChatLiveService's; this package translates HTTP to its calls.
//
// Before the visitor clicks the button nothing is requested beyond
// widget.js itself, nothing is stored and no cookie is set: the iframe is
// created on the click. The chat token lives in the iframe's
// sessionStorage only after the visitor has started a chat.
package chatlive

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/clientip"
	"github.com/gallra/gallra/internal/ratelimit"
)

//go:embed assets
var assets embed.FS

var frameTmpl = template.Must(template.ParseFS(assets, "assets/frame.html"))

// Config configures a Handler. Service is required.
type Config struct {
	Service gallra.ChatLiveService
	Logger  *slog.Logger
	Clock   gallra.Clock
	// Notice returns the privacy notice shown before a chat starts, from
	// the channel's real retention setting, in "sv" or "en". It is the one
	// place the text comes from (serve wires the retention engine's
	// privacy sentence); nil shows none.
	Notice func(ctx context.Context, orgID, channelID int64, lang string) (string, error)
	// TrustedProxyHeader names the header a trusted proxy puts the client
	// address in (rate limits and, when the organisation keeps them, the
	// stored IP); empty: RemoteAddr.
	TrustedProxyHeader string
	// StartRate and StartBurst limit new chats and offline messages per
	// client IP (default 6 per minute, burst 6).
	StartRate  rate.Limit
	StartBurst int
	// PollWait is how long a long-poll waits for news (default 25s).
	PollWait time.Duration
	// PostRate and PostBurst limit the visitors' other POSTs per client IP
	// (default 10 a second, burst 40).
	PostRate  rate.Limit
	PostBurst int
}

// Handler serves /chat/.
type Handler struct {
	cfg     Config
	svc     gallra.ChatLiveService
	log     *slog.Logger
	clock   gallra.Clock
	startRL *ratelimit.Keyed
	postRL  *ratelimit.Keyed
	static  fs.FS
	mux     *http.ServeMux
}

// MaxPostBody bounds a visitor's POST (a message of
// gallra.MaxPublicPostLen characters as JSON, with room for escapes).
const MaxPostBody = 256 << 10

// New builds the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("chatlive: Config.Service is required")
	}
	h := &Handler{cfg: cfg, svc: cfg.Service, log: cfg.Logger, clock: cfg.Clock}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.clock == nil {
		h.clock = gallra.SystemClock{}
	}
	if cfg.StartRate == 0 {
		cfg.StartRate, cfg.StartBurst = rate.Limit(6.0/60.0), 6
	}
	if cfg.PollWait <= 0 {
		h.cfg.PollWait = 25 * time.Second
	}
	h.startRL = ratelimit.New(cfg.StartRate, cfg.StartBurst, 100000)
	if cfg.PostRate == 0 {
		cfg.PostRate, cfg.PostBurst = rate.Limit(10), 40
	}
	h.postRL = ratelimit.New(cfg.PostRate, cfg.PostBurst, 100000)
	var err error
	if h.static, err = fs.Sub(assets, "assets"); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chat/widget.js", h.asset("widget.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /chat/static/frame.js", h.asset("frame.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /chat/static/frame.css", h.asset("frame.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /chat/frame/{channel}", h.frame)
	mux.HandleFunc("POST /chat/api/start", h.limited(h.startRL, h.start))
	mux.HandleFunc("POST /chat/api/offline", h.limited(h.startRL, h.offline))
	mux.HandleFunc("POST /chat/api/{id}/messages", h.limited(h.postRL, h.message))
	mux.HandleFunc("POST /chat/api/{id}/signal", h.limited(h.postRL, h.signal))
	mux.HandleFunc("POST /chat/api/{id}/poll", h.limited(h.postRL, h.poll))
	mux.HandleFunc("POST /chat/api/{id}/delete", h.limited(h.postRL, h.delete))
	mux.HandleFunc("POST /chat/api/{id}/transcript", h.limited(h.postRL, h.transcript))
	mux.HandleFunc("POST /chat/api/{id}/files", h.limitedN(h.postRL, MaxUploadBody, h.upload))
	mux.HandleFunc("POST /chat/api/{id}/files/{file}", h.limited(h.postRL, h.download))
	mux.HandleFunc("GET /chat/ws/{id}", h.ws)
	h.mux = mux
	return h, nil
}

// ServeHTTP serves the widget's paths with headers that let the page be
// framed by any site (the widget runs on the organisation's pages) but
// keep everything else locked down.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors *")
	if !strings.HasPrefix(r.URL.Path, "/chat/static/") && r.URL.Path != "/chat/widget.js" {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) asset(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(h.static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "public, max-age=300")
		// widget.js is loaded by other sites' pages.
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		_, _ = w.Write(b)
	}
}

func (h *Handler) ip(r *http.Request) string {
	return clientip.Key(clientip.From(r, h.cfg.TrustedProxyHeader))
}

// limited refuses a client IP over the limit with 429.
func (h *Handler) limited(l *ratelimit.Keyed, fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return h.limitedN(l, MaxPostBody, fn)
}

// limitedN is limited with a body limit of max bytes.
func (h *Handler) limitedN(l *ratelimit.Keyed, max int64, fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow(h.ip(r), h.clock.Now()) {
			w.Header().Set("Retry-After", "10")
			writeError(w, h.log, gallra.Errorf(gallra.ERATELIMIT, "too many requests; wait a moment and try again"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		if err := fn(w, r); err != nil {
			writeError(w, h.log, err)
		}
	}
}

// lang is "en" when asked for, else Swedish.
func lang(s string) string {
	if s == "en" {
		return "en"
	}
	return "sv"
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, gallra.Errorf(gallra.ENOTFOUND, "%s not found", name)
	}
	return id, nil
}

// frameData is the conversation page's data.
type frameData struct {
	Lang    string
	T       map[string]string
	Info    *gallra.ChatWidgetInfo
	Notice  string
	Online  bool
	Strings string // the JavaScript's strings, as JSON
}

func (h *Handler) frame(w http.ResponseWriter, r *http.Request) {
	l := lang(r.URL.Query().Get("lang"))
	id, err := pathID(r, "channel")
	var info *gallra.ChatWidgetInfo
	if err == nil {
		info, err = h.svc.WidgetInfo(r.Context(), id)
	}
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, texts[l]["nochannel"])
		return
	}
	d := frameData{Lang: l, T: texts[l], Info: info, Online: info.Agents > 0}
	if h.cfg.Notice != nil {
		if d.Notice, err = h.cfg.Notice(r.Context(), info.OrgID, info.ChannelID, l); err != nil {
			h.log.Warn("chat: privacy notice", "channel_id", info.ChannelID, "err", err)
			d.Notice = ""
		}
	}
	js, _ := json.Marshal(jsTexts(l))
	d.Strings = string(js)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := frameTmpl.Execute(w, d); err != nil {
		h.log.Error("chat: render frame", "err", err)
	}
}

// startBody is the body of /chat/api/start and /chat/api/offline.
type startBody struct {
	Channel int64  `json:"channel"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Message string `json:"message"`
}

// Started answers /chat/api/start: the chat and its token (kept by the
// widget in the iframe's sessionStorage).
type Started struct {
	ChatID int64  `json:"chat_id"`
	Token  string `json:"token"`
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return gallra.Errorf(gallra.ETOOLARGE, "the request is larger than %d bytes", MaxPostBody)
		}
		return gallra.Errorf(gallra.EINVALID, "the request body is not the expected JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return gallra.Errorf(gallra.EINVALID, "the request body has more than one JSON value")
	}
	return nil
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) error {
	var in startBody
	if err := decode(r, &in); err != nil {
		return err
	}
	chat, tok, err := h.svc.Start(r.Context(), gallra.NewChat{ChannelID: in.Channel, Name: strings.TrimSpace(in.Name), Email: strings.TrimSpace(in.Email),
		IP: clientip.From(r, h.cfg.TrustedProxyHeader).String(), Message: in.Message})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, Started{ChatID: chat.ID, Token: tok})
	return nil
}

func (h *Handler) offline(w http.ResponseWriter, r *http.Request) error {
	var in startBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if _, err := h.svc.Offline(r.Context(), gallra.NewChat{ChannelID: in.Channel, Name: strings.TrimSpace(in.Name), Email: strings.TrimSpace(in.Email),
		IP: clientip.From(r, h.cfg.TrustedProxyHeader).String(), Message: in.Message}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"ok": true})
	return nil
}

// visitorBody is the body of the visitor's chat actions.
type visitorBody struct {
	Token   string `json:"token"`
	Message string `json:"message,omitempty"`
	Kind    string `json:"kind,omitempty"`
	After   int64  `json:"after,omitempty"`
}

func (h *Handler) access(r *http.Request) (gallra.ChatVisitorAccess, visitorBody, error) {
	var b visitorBody
	id, err := pathID(r, "id")
	if err != nil {
		return gallra.ChatVisitorAccess{}, b, err
	}
	if err := decode(r, &b); err != nil {
		return gallra.ChatVisitorAccess{}, b, err
	}
	return gallra.ChatVisitorAccess{ChatID: id, Token: b.Token}, b, nil
}

func (h *Handler) message(w http.ResponseWriter, r *http.Request) error {
	a, b, err := h.access(r)
	if err != nil {
		return err
	}
	ev, err := h.svc.VisitorMessage(r.Context(), a, b.Message)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}

func (h *Handler) signal(w http.ResponseWriter, r *http.Request) error {
	a, b, err := h.access(r)
	if err != nil {
		return err
	}
	if err := h.svc.VisitorSignal(r.Context(), a, gallra.ChatEventKind(b.Kind)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) visitorSource(a gallra.ChatVisitorAccess) Source {
	return Source{Self: gallra.SenderCustomer,
		Events: func(ctx context.Context, after int64) (*gallra.ChatState, []gallra.ChatEvent, error) {
			return h.svc.VisitorEvents(ctx, a, after, 0)
		},
		Subscribe: func(ctx context.Context) (gallra.ChatSubscription, error) { return h.svc.VisitorSubscribe(ctx, a) },
		Signal:    func(ctx context.Context, k gallra.ChatEventKind) error { return h.svc.VisitorSignal(ctx, a, k) },
	}
}

func (h *Handler) poll(w http.ResponseWriter, r *http.Request) error {
	a, b, err := h.access(r)
	if err != nil {
		return err
	}
	if b.After < 0 {
		return gallra.Errorf(gallra.EINVALID, "after must be 0 or more")
	}
	res, err := Poll(r.Context(), h.visitorSource(a), b.After, h.cfg.PollWait)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) error {
	a, _, err := h.access(r)
	if err != nil {
		return err
	}
	if err := h.svc.VisitorDelete(r.Context(), a); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
	return nil
}

func (h *Handler) ws(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	ServeWS(w, r, h.log, func(ctx context.Context, hello Hello) (Source, error) {
		a := gallra.ChatVisitorAccess{ChatID: id, Token: hello.Token}
		if _, _, err := h.svc.VisitorEvents(ctx, a, 0, 1); err != nil {
			return Source{}, err
		}
		return h.visitorSource(a), nil
	})
}
