package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/privacy"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
	"github.com/gallra/gallra/internal/web"
)

// testPassword is every fixture staff user's password.
const testPassword = "correct horse battery staple"

// subjectEmail is the data subject whose forum posts the tests export and
// erase.
const subjectEmail = "anna.andersson@example.se"

// env is a running server (API + UI, composed as serve does) on a fresh
// database with a fixture organisation and backdated forum content.
type env struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	fx    *storetest.Fixture
	ret   *retention.Engine
	tk    *takeout.Service
	svc   *gallra.Services
	srv   *httptest.Server
	// Posts are the subject's forum posts, written two years before Start.
	Posts []int64
	// Held is a forum topic on legal hold.
	Held int64
}

func newEnv(t *testing.T, db *store.DB, clock *storetest.Clock) *env {
	t.Helper()
	ctx := context.Background()
	fx := storetest.MustFixture(t, db, "Kommunen")
	for _, s := range []*gallra.Staff{fx.Admin, fx.Editor} {
		if err := db.SetPassword(ctx, gallra.Actor{Type: gallra.ActorSystem}, fx.Org.ID, s.ID, testPassword); err != nil {
			t.Fatalf("set password: %v", err)
		}
	}
	e := &env{t: t, db: db, clock: clock, fx: fx}
	// Content from two years ago: kept under the shipped forum default
	// (anonymize after 3 years), due under a 1-year setting.
	clock.Set(storetest.Start().AddDate(-2, 0, 0))
	author := gallra.Author{Name: "Anna Andersson", Email: subjectEmail, IP: "192.0.2.10"}
	top, err := db.CreateTopic(ctx, fx.Org.ID, gallra.NewTopic{ChannelID: fx.Channels[gallra.ModuleForum].ID, Title: "Parkering vid skolan", Body: "Var får man parkera vid skolan?", Author: author})
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	for _, body := range []string{"Tack för svaret!", "En fråga till om parkeringen."} {
		clock.Advance(time.Hour)
		if _, err := db.CreatePost(ctx, fx.Org.ID, gallra.NewPost{TopicID: top.ID, Body: body, Author: author}); err != nil {
			t.Fatalf("create post: %v", err)
		}
	}
	clock.Advance(time.Hour)
	if _, err := db.CreatePost(ctx, fx.Org.ID, gallra.NewPost{TopicID: top.ID, Body: "Jag undrar samma sak.", Author: gallra.Author{Name: "Bo Berg", Email: "bo@example.se", IP: "192.0.2.11"}}); err != nil {
		t.Fatalf("create post: %v", err)
	}
	// A held topic (skipped by purges) and one that turns three years old
	// within a week (due soon under the shipped default).
	held, err := db.CreateTopic(ctx, fx.Org.ID, gallra.NewTopic{ChannelID: fx.Channels[gallra.ModuleForum].ID, Title: "Överklagat beslut", Body: "Jag har överklagat.", Author: gallra.Author{Name: "Bo Berg", Email: "bo@example.se", IP: "192.0.2.11"}})
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: fx.Admin.ID}, fx.Org.ID, gallra.SubjectForumTopic, held.ID, "Ärendet är överklagat"); err != nil {
		t.Fatalf("hold: %v", err)
	}
	e.Held = held.ID
	clock.Set(storetest.Start().AddDate(-3, 0, 5))
	if _, err := db.CreateTopic(ctx, fx.Org.ID, gallra.NewTopic{ChannelID: fx.Channels[gallra.ModuleForum].ID, Title: "Snöröjning", Body: "När plogas vår gata?", Author: gallra.Author{Name: "Cilla Ek", Email: "cilla@example.se", IP: "192.0.2.12"}}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	clock.Set(storetest.Start())
	full, err := db.GetTopic(ctx, fx.Org.ID, top.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range full.Posts {
		if p.AuthorEmail == subjectEmail {
			e.Posts = append(e.Posts, p.ID)
		}
	}
	if len(e.Posts) != 3 {
		t.Fatalf("subject's posts: %d", len(e.Posts))
	}

	e.ret = retention.New(db, nil, retention.Config{Caps: gallra.Caps{gallra.ModuleChat: gallra.Period{N: 1, Unit: gallra.Months}}})
	tk := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir()})
	e.tk = tk
	box, err := secretbox.New("web-test-secret-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	e.svc = service.New(service.Deps{DB: db, Clock: clock, Secrets: box})
	priv := privacy.New(db, e.ret, privacy.Config{Clock: clock})
	e.ret.UseNotices(priv)
	e.svc.Privacy = priv
	api, err := httpapi.New(httpapi.Config{Services: e.svc, Takeout: tk, Detectors: orgpii.New(db), Clock: clock, PolicyText: e.ret.PublicPolicyText, Extra: []func(*httpapi.Router){httpapi.RetentionRoutes(e.ret)}})
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	ui, err := web.New(web.Config{Services: e.svc, Clock: clock, Retention: e.ret, Requests: tk, TrustedProxyHeader: "X-Forwarded-For"})
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	e.srv = httptest.NewServer(web.Compose(api.Handler(), ui))
	t.Cleanup(e.srv.Close)
	return e
}

// client is a cookie-keeping HTTP client that does not follow redirects,
// so tests see each 303.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
	ip   string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, ip: "198.51.100.1", http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(method, path string, form url.Values, hdr map[string]string) resp {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) resp { c.t.Helper(); return c.do("GET", path, nil, nil) }

func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	return c.do("POST", path, form, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

// login signs in and fails the test unless it succeeds.
func (c *client) login(email string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if r.Status != http.StatusSeeOther || (r.Location != "/" && r.Location != "/workspace") {
		c.t.Fatalf("login as %s: status %d, location %q", email, r.Status, r.Location)
	}
}

func (c *client) sessionCookie() *http.Cookie {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "gallra_session" {
			return ck
		}
	}
	return nil
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}
