package site_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// env is a published site on a real database behind a real HTTP server.
type env struct {
	db    *store.DB
	clock *storetest.Clock
	f     *storetest.Fixture
	svc   *service.Site
	ret   *retention.Engine
	srv   *httptest.Server
	base  string
	forum int64
}

func newEnv(t *testing.T, db *store.DB, clock *storetest.Clock, lang string) *env {
	t.Helper()
	ctx := context.Background()
	f := storetest.MustFixture(t, db, "Kommunen")
	if lang == "en" {
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE organisations SET language = 'en' WHERE id = ?`, f.Org.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	ret := retention.New(db, nil, retention.Config{})
	svc := service.NewSite(service.Deps{DB: db, Clock: clock}, ret.ChannelPolicyText)
	if _, err := svc.SaveSettings(ctx, f.Admin, gallra.SiteSettings{Slug: "kommunen", Host: "forum.kommunen.example", IPStorage: gallra.IPTruncated}); err != nil {
		t.Fatal(err)
	}
	h, err := site.New(site.Config{Service: svc, Clock: clock, Key: []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "staff ui", http.StatusTeapot) })
	srv := httptest.NewServer(h.Wrap(next))
	t.Cleanup(srv.Close)
	return &env{db: db, clock: clock, f: f, svc: svc, ret: ret, srv: srv, base: srv.URL + "/p/kommunen", forum: f.Channels[gallra.ModuleForum].ID}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *env) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	res, err := noRedirect.Get(e.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func (e *env) post(t *testing.T, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	res, err := noRedirect.PostForm(e.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

var stampRe = regexp.MustCompile(`name="ts" value="([^"]+)"`)

func stamp(t *testing.T, page string) string {
	t.Helper()
	m := stampRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("form without a time stamp")
	}
	return m[1]
}

// A visitor asks a question and a reader sees it; the ask form shows the
// channel's real retention notice and how IP addresses are stored; no
// cookie is set; a staff answer is marked; search finds the question.
func TestAskReadAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, "sv")
		code, page, hdr := e.get(t, "/f/"+itoa(e.forum)+"/ask")
		if code != 200 || hdr.Get("Set-Cookie") != "" {
			t.Fatalf("ask form: %d, cookie %q", code, hdr.Get("Set-Cookie"))
		}
		want, err := e.ret.ChannelPolicyText(ctx, e.f.Org.ID, e.forum, "sv")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, template(want)) || !strings.Contains(page, "förkortad (/24") {
			t.Fatalf("ask form lacks the notice %q", want)
		}
		form := url.Values{"ts": {stamp(t, page)}, "title": {"Hur söker jag bygglov?"}, "body": {"Jag vill bygga en <script>alert(1)</script> friggebod."},
			"name": {"Fia\u202e Frågvis"}, "email": {"fia@example.org"}, "website": {""}}
		if code, page, _ := e.post(t, "/f/"+itoa(e.forum)+"/ask", form); code != 422 || !strings.Contains(page, "för snabbt") {
			t.Fatalf("a form sent at once: %d, want 422 'för snabbt'", code)
		}
		clock.Advance(10 * time.Second)
		form.Set("website", "http://spam.example")
		if code, _, _ := e.post(t, "/f/"+itoa(e.forum)+"/ask", form); code != 422 {
			t.Fatalf("honeypot filled: %d, want 422", code)
		}
		form.Set("website", "")
		code, _, hdr = e.post(t, "/f/"+itoa(e.forum)+"/ask", form)
		if code != http.StatusSeeOther || hdr.Get("Set-Cookie") != "" {
			t.Fatalf("ask: %d, cookie %q", code, hdr.Get("Set-Cookie"))
		}
		loc := strings.TrimPrefix(hdr.Get("Location"), "/p/kommunen")
		code, page, hdr = e.get(t, loc)
		if code != 200 || hdr.Get("Set-Cookie") != "" {
			t.Fatalf("topic: %d", code)
		}
		if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;") {
			t.Fatal("the post's markup is not escaped")
		}
		if !strings.Contains(page, "Fia Frågvis") || strings.Contains(page, "\u202e") {
			t.Fatal("name not shown cleaned of the right-to-left override")
		}
		if strings.Contains(page, "fia@example.org") {
			t.Fatal("the e-mail address is shown")
		}
		topicID := idFrom(loc)
		posts, err := db.ModerationQueue(ctx, e.f.Org.ID, gallra.StatusVisible, nil, 10)
		if err != nil || len(posts) != 1 {
			t.Fatalf("posts: %v %v", posts, err)
		}
		stored, _ := db.GetPost(ctx, e.f.Org.ID, posts[0].Post.ID)
		if stored.AuthorIP != "127.0.0.0" {
			t.Fatalf("IP stored as %q, want the /24 network 127.0.0.0", stored.AuthorIP)
		}

		if _, err := e.svc.Answer(ctx, e.f.Editor, topicID, "Ansök i e-tjänsten.", true); err != nil {
			t.Fatal(err)
		}
		_, page, _ = e.get(t, loc)
		if !strings.Contains(page, "Ansök i e-tjänsten.") || !strings.Contains(page, `class="badge staff"`) || !strings.Contains(page, `"acceptedAnswer"`) {
			t.Fatal("staff answer not shown marked, or not in the JSON-LD")
		}
		_, list, _ := e.get(t, "/f/"+itoa(e.forum)+"?sort=answered")
		if !strings.Contains(list, "Hur söker jag bygglov?") {
			t.Fatal("answered topic missing from the answered list")
		}
		_, list, _ = e.get(t, "/f/"+itoa(e.forum)+"?sort=unanswered")
		if strings.Contains(list, "Hur söker jag bygglov?") {
			t.Fatal("answered topic in the unanswered list")
		}
		_, res, _ := e.get(t, "/search?q=friggebod")
		if !strings.Contains(res, "Hur söker jag bygglov?") {
			t.Fatal("search does not find the question")
		}
		_, sm, _ := e.get(t, "/sitemap.xml")
		if !strings.Contains(sm, "/t/"+itoa(topicID)+"-hur-soker-jag-bygglov") {
			t.Fatalf("sitemap lacks the topic: %s", sm)
		}

		// The notice follows the channel's setting.
		if _, err := e.ret.SetChannelPolicy(ctx, e.f.Admin, e.forum, &gallra.Policy{Period: gallra.Period{N: 6, Unit: gallra.Months}, Action: gallra.ActionDelete}); err != nil {
			t.Fatal(err)
		}
		_, page, _ = e.get(t, "/f/"+itoa(e.forum)+"/ask")
		if !strings.Contains(page, "högst 6 månader") {
			t.Fatal("the notice did not follow the new setting")
		}
		_, priv, _ := e.get(t, "/privacy")
		if !strings.Contains(priv, "högst 6 månader") {
			t.Fatal("the privacy page lacks the channel's notice")
		}
	})
}

// Pages that do not exist are 404, removed topics 410, other hosts reach
// the staff UI, a custom host serves the site at its root, and forged Host
// headers match nothing.
func TestStatusesAndHosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, "en")
		w, err := e.svc.Write(ctx, mustSite(t, e), gallra.SiteWrite{ChannelID: e.forum, Title: "Gone soon", Body: "text", Author: gallra.Author{Name: "A", Email: "a@example.org"}, Elapsed: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			path string
			want int
		}{
			{"/", 200}, {"/t/999999", 404}, {"/t/abc", 404}, {"/f/999", 404}, {"/nothing", 404},
			{"/t/" + itoa(w.TopicID), 200}, {"/privacy", 200}, {"/search?q=%22%2A", 200}, {"/robots.txt", 200},
		} {
			if code, _, _ := e.get(t, tt.path); code != tt.want {
				t.Errorf("GET %s: %d, want %d", tt.path, code, tt.want)
			}
		}
		if err := e.svc.SetPostStatus(ctx, e.f.Admin, w.PostID, gallra.StatusHidden); err != nil {
			t.Fatal(err)
		}
		if code, page, _ := e.get(t, "/t/"+itoa(w.TopicID)); code != 410 || strings.Contains(page, "Gone soon") {
			t.Fatalf("hidden topic: %d", code)
		}
		for _, tt := range []struct {
			host string
			want int
		}{{"forum.kommunen.example", 200}, {"FORUM.kommunen.example:443", 200}, {"other.example", 418}, {"forum.kommunen.example\x00evil", 418}, {"", 418}} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/", nil)
			req.Host = tt.host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				continue // the client refuses some forged hosts itself
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("Host %q: %d, want %d", tt.host, res.StatusCode, tt.want)
			}
		}
		if code, _, _ := e.get(t, "/../../x"); code == 500 {
			t.Fatal("500 on a strange path")
		}
		if code, _, _ := noRedirectGet(t, e.srv.URL+"/p/nosuch/"); code != 404 {
			t.Fatalf("unknown slug: %d", code)
		}
	})
}

// The privacy page's form records an unverified request and acts on
// nothing; bad input is refused with a message in the page's language.
func TestPrivacyRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, "en")
		_, page, _ := e.get(t, "/privacy")
		ts := stamp(t, page)
		clock.Advance(5 * time.Second)
		code, page, _ := e.post(t, "/privacy", url.Values{"ts": {ts}, "kind": {"erase"}, "email": {"not an address"}})
		if code != 422 || !strings.Contains(page, "not a valid e-mail address") {
			t.Fatalf("bad address: %d", code)
		}
		code, _, hdr := e.post(t, "/privacy", url.Values{"ts": {ts}, "kind": {"erase"}, "email": {"fia@example.org"}, "message": {"Please erase my posts"}})
		if code != 303 || hdr.Get("Set-Cookie") != "" {
			t.Fatalf("request: %d", code)
		}
		reqs, err := e.svc.Requests(ctx, e.f.Admin)
		if err != nil || len(reqs) != 1 || reqs[0].Status != gallra.SiteRequestUnverified || reqs[0].Kind != gallra.RequestErase {
			t.Fatalf("requests: %+v %v", reqs, err)
		}
		if _, err := e.svc.Requests(ctx, e.f.Editor); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("an editor lists public requests: %v", err)
		}
		if err := e.svc.ResolveRequest(ctx, e.f.Admin, reqs[0].ID, "rejected"); err != nil {
			t.Fatal(err)
		}
		if reqs, _ := e.svc.Requests(ctx, e.f.Admin); len(reqs) != 0 {
			t.Fatal("resolved request kept")
		}
	})
}

func mustSite(t *testing.T, e *env) *gallra.Site {
	t.Helper()
	s, err := e.svc.SiteBySlug(context.Background(), "kommunen")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func noRedirectGet(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	res, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func itoa(n int64) string { return strconvI(n) }

func idFrom(path string) int64 {
	s := strings.TrimPrefix(path, "/t/")
	s, _, _ = strings.Cut(s, "?")
	s, _, _ = strings.Cut(s, "-")
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// template escapes text as html/template does in an element.
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// With first-post moderation on, a new writer's question waits: the writer
// is told so, readers get 404 until staff approve it, then it is shown.
func TestFirstPostModeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock, "sv")
		if _, err := e.svc.SaveSettings(ctx, e.f.Admin, gallra.SiteSettings{Slug: "kommunen", IPStorage: gallra.IPNone, ModerateFirst: true}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(site.SiteCacheTTL)
		_, page, _ := e.get(t, "/f/"+itoa(e.forum)+"/ask")
		if !strings.Contains(page, "Din IP-adress sparas inte.") {
			t.Fatal("the notice does not say IP addresses are not stored")
		}
		ts := stamp(t, page)
		clock.Advance(5 * time.Second)
		code, _, hdr := e.post(t, "/f/"+itoa(e.forum)+"/ask", url.Values{"ts": {ts}, "title": {"Väntande fråga"}, "body": {"Text"}, "name": {"Ny"}, "email": {"ny@example.org"}})
		if code != 303 || !strings.HasSuffix(hdr.Get("Location"), "/?sent=pending") {
			t.Fatalf("pending question: %d %q", code, hdr.Get("Location"))
		}
		if _, home, _ := e.get(t, "/?sent=pending"); !strings.Contains(home, "granskas innan det visas") {
			t.Fatal("the writer is not told the post waits")
		}
		queue, err := e.svc.Queue(ctx, e.f.Editor, gallra.StatusPending)
		if err != nil || len(queue) != 1 || !queue[0].FirstPost {
			t.Fatalf("queue: %+v %v", queue, err)
		}
		stored, _ := db.GetPost(ctx, e.f.Org.ID, queue[0].Post.ID)
		if stored.AuthorIP != "" {
			t.Fatalf("IP stored with storage none: %q", stored.AuthorIP)
		}
		topic := itoa(queue[0].Post.TopicID)
		if code, _, _ := e.get(t, "/t/"+topic); code != 404 {
			t.Fatalf("pending topic: %d, want 404", code)
		}
		if err := e.svc.SetPostStatus(ctx, e.f.Editor, queue[0].Post.ID, gallra.StatusVisible); err != nil {
			t.Fatal(err)
		}
		if code, page, _ := e.get(t, "/t/"+topic); code != 200 || !strings.Contains(page, "Väntande fråga") {
			t.Fatalf("approved topic: %d", code)
		}
	})
}
