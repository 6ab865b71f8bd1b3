package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// env is a running API server on a real database with two organisations: A
// (with seeded content) and B (the "other organisation").
type env struct {
	t      *testing.T
	db     *store.DB
	clock  *storetest.Clock
	srv    *Server
	ts     *httptest.Server
	a, b   *storetest.Fixture
	ids    map[string]int64
	chatTk string
	logs   *syncBuffer
	// contract checks every response of do against the document srv
	// serves; loaded on first use and again when srv changes.
	contract *contract
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Personal data seeded into org A; it must never reach logs or public views.
const (
	custEmail = "kund.karlsson@example.se"
	custIP    = "203.0.113.77"
)

func newEnv(t *testing.T, db *store.DB, clock *storetest.Clock, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, db: db, clock: clock, ids: map[string]int64{}, logs: &syncBuffer{}}
	cfg := Config{Clock: clock, Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Takeout == nil {
		// Export artefacts go to the test's own folder, never the working tree.
		cfg.Takeout = takeout.New(db, cfg.Logger, takeout.Config{ArtefactDir: t.TempDir()})
	}
	srv, err := New(onDB(cfg, db))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	e.a = storetest.MustFixture(t, db, "Alfa")
	e.b = storetest.MustFixture(t, db, "Beta")
	e.seed()
	return e
}

// must returns v, panicking (and so failing the test) on a seeding error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// seed creates one object of every kind in org A and records their ids.
func (e *env) seed() {
	t, ctx, db, a := e.t, context.Background(), e.db, e.a
	org := a.Org.ID
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: a.Admin.ID}
	for m, c := range a.Channels {
		e.ids[string(m)] = c.ID
	}
	e.ids["bforum"] = e.b.Channels[gallra.ModuleForum].ID
	e.ids["admin"], e.ids["editor"] = a.Admin.ID, a.Editor.ID
	topic := must(db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: e.ids["forum"], Title: "Hello forum", Body: "hello world question",
		Author: gallra.Author{Name: "Kund Karlsson", Email: custEmail, IP: custIP}}))
	e.ids["topic"], e.ids["post"] = topic.ID, topic.Posts[0].ID
	msg := must(db.IngestMail(ctx, org, e.ids["mail"], gallra.InboundMail{From: custEmail, FromName: "Kund", To: []string{"support@alfa.example"},
		Subject: "Invoice", Body: "Where is my invoice?", MessageID: "m1@example.se",
		Attachments: []gallra.Attachment{{Filename: "report.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 test")}}}))
	e.ids["conv"], e.ids["att"] = msg.ConversationID, msg.Attachments[0].ID
	chat, secret, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: e.ids["chat"], Name: "Chatter", Email: custEmail, IP: custIP, Message: "hi there"})
	if err != nil {
		t.Fatal(err)
	}
	e.ids["chatid"], e.chatTk = chat.ID, secret
	item := must(db.UpsertSocialItem(ctx, org, e.ids["social"], gallra.SocialInput{ExternalID: "p1", AuthorID: "u1", AuthorName: "Some One", Body: "social hello"}))
	e.ids["item"] = item.ID
	art := must(db.SaveArticle(ctx, actor, &gallra.KnowledgeArticle{OrgID: org, ChannelID: e.ids["knowledge"], Title: "How to", Body: "Do this"}))
	e.ids["article"] = art.ID
	if err := db.SetCustomField(ctx, actor, org, gallra.SubjectForumTopic, topic.ID, "customer_no", "C-123"); err != nil {
		t.Fatal(err)
	}
	e.ids["person"] = *topic.PersonID
	spare := must(db.CreateStaff(ctx, actor, &gallra.Staff{OrgID: org, Name: "Spare", Email: "spare@alfa.example", Role: gallra.RoleEditor, Active: true}))
	e.ids["spare"] = spare.ID
	tok, _, err := db.CreateToken(ctx, actor, org, a.Admin.ID, "spare token")
	if err != nil {
		t.Fatal(err)
	}
	e.ids["token"] = tok.ID
	empty := must(db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org, Module: gallra.ModuleForum, Name: "Empty forum"}))
	e.ids["empty"] = empty.ID
}

// expand replaces {name} placeholders with seeded ids.
func (e *env) expand(s string) string {
	var pairs []string
	for k, v := range e.ids {
		pairs = append(pairs, "{"+k+"}", strconv.FormatInt(v, 10))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

func (e *env) token(who string) string {
	switch who {
	case "admin":
		return e.a.AdminToken
	case "editor":
		return e.a.EditorToken
	case "other":
		return e.b.AdminToken
	case "none", "":
		return ""
	}
	return who
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// do sends a request. body may be nil, a string or []byte (sent raw) or any
// other value (sent as JSON).
func (e *env) do(method, path, who string, body any, hdr map[string]string) response {
	e.t.Helper()
	var payload []byte
	switch b := body.(type) {
	case nil:
	case string:
		payload = []byte(e.expand(b))
	case []byte:
		payload = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		payload = raw
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequest(method, e.ts.URL+e.expand(path), rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tk := e.token(who); tk != "" {
		req.Header.Set("Authorization", "Bearer "+tk)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res := e.send(req)
	if err := e.checkContract(req, payload, res); err != nil {
		e.t.Errorf("%s %s: %v", method, path, err)
	}
	return res
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// checkContract validates res, the answer to req (whose body was payload),
// against the OpenAPI document the server serves (fetched once per server).
func (e *env) checkContract(req *http.Request, payload []byte, res response) error {
	e.t.Helper()
	if e.contract == nil || e.contract.srv != e.srv {
		get, err := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/openapi.json", nil)
		if err != nil {
			return err
		}
		doc := e.send(get)
		if doc.Status != http.StatusOK {
			return fmt.Errorf("GET /api/v1/openapi.json: status %d", doc.Status)
		}
		c, err := loadContract(e.srv, doc.Body)
		if err != nil {
			return err
		}
		e.contract = c
	}
	return e.contract.check(req, payload, res.Status, res.Header, res.Body)
}

// scenario is one row of an API test table.
type scenario struct {
	name         string
	method, path string
	who          string // admin, editor, other (org B's admin), none, or a raw token
	body         any
	hdr          map[string]string
	status       int
	want         []string // substrings of the body (after {id} expansion)
	notWant      []string
}

func (e *env) run(scenarios []scenario) {
	e.t.Helper()
	for _, sc := range scenarios {
		e.t.Run(sc.name, func(t *testing.T) {
			old := e.t
			e.t = t
			defer func() { e.t = old }()
			res := e.do(sc.method, sc.path, sc.who, sc.body, sc.hdr)
			if res.Status != sc.status {
				t.Fatalf("%s %s: status %d, want %d; body: %.400s", sc.method, sc.path, res.Status, sc.status, res.Body)
			}
			for _, w := range sc.want {
				if !strings.Contains(string(res.Body), e.expand(w)) {
					t.Errorf("%s %s: body lacks %q: %.600s", sc.method, sc.path, e.expand(w), res.Body)
				}
			}
			for _, w := range sc.notWant {
				if strings.Contains(string(res.Body), e.expand(w)) {
					t.Errorf("%s %s: body has %q: %.600s", sc.method, sc.path, e.expand(w), res.Body)
				}
			}
			if res.Status >= 400 && res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("error response Content-Type %q", res.Header.Get("Content-Type"))
			}
		})
	}
}

func newTestServer(t *testing.T, srv *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// onDB fills cfg's required services from db, as serve wires them.
func onDB(cfg Config, db *store.DB) Config {
	if cfg.Services == nil {
		cfg.Services = service.New(service.Deps{DB: db, Clock: cfg.Clock, Log: cfg.Logger})
	}
	if cfg.Takeout == nil {
		cfg.Takeout = takeout.New(db, cfg.Logger, takeout.Config{})
	}
	if cfg.Detectors == nil {
		cfg.Detectors = orgpii.New(db)
	}
	return cfg
}

// metrics returns what the metrics listener would serve.
func (e *env) metrics() string {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("metrics: status %d", rec.Code)
	}
	return rec.Body.String()
}
