package web_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/web"
)

// siteEnv is env with the public site in front of the UI, composed as
// serve does, and the site published at /p/kommunen/.
type siteEnv struct {
	*env
	site *service.Site
	srv  *httptest.Server
}

func newSiteEnv(t *testing.T, db *store.DB, clock *storetest.Clock) *siteEnv {
	t.Helper()
	e := newEnv(t, db, clock)
	ss := service.NewSite(service.Deps{DB: db, Clock: clock}, e.ret.ChannelPolicyText)
	if _, err := ss.SaveSettings(context.Background(), e.fx.Admin, gallra.SiteSettings{Slug: "kommunen", IPStorage: gallra.IPTruncated}); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Services: e.svc, Takeout: e.tk, Detectors: orgpii.New(db), Clock: clock, PolicyText: e.ret.PublicPolicyText})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Config{Services: e.svc, Clock: clock, Retention: e.ret, Requests: e.tk, Site: ss})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := site.New(site.Config{Service: ss, Clock: clock, Key: []byte(strings.Repeat("s", 32))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Compose(api.Handler(), pub.Wrap(ui)))
	t.Cleanup(srv.Close)
	return &siteEnv{env: e, site: ss, srv: srv}
}

func (p *page) cookies() []*network.Cookie {
	p.t.Helper()
	res, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		p.t.Fatal(err)
	}
	return res.Cookies
}

// TestBrowserPublicSite: a visitor asks a question in a real browser, a
// staff member answers it in the staff UI, the visitor sees the answer
// marked; the form's notice is the channel's setting and follows a change;
// readers and writers get no cookie; search finds the question and stops
// finding the words anonymization removed. Screenshots in Swedish and
// English, and at 390 px.
func TestBrowserPublicSite(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newSiteEnv(t, db, clock)
		forum := e.fx.Channels[gallra.ModuleForum].ID
		kb := e.fx.Channels[gallra.ModuleKnowledge].ID
		if _, err := e.svc.Knowledge.CreateArticle(ctx, e.fx.Admin, kb, "Så söker du bygglov",
			"Du söker bygglov i **e-tjänsten**.\n\n## Vad behövs?\n\n- Situationsplan\n- Ritningar\n\n<script>alert(1)</script>\n\n[Läs mer](https://example.org)"); err != nil {
			t.Fatal(err)
		}
		visitor := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: "site-" + string(db.Dialect())}
		staff := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: "site-" + string(db.Dialect())}

		visitor.open("/p/kommunen/")
		visitor.want("home", "forum Kommunen", "knowledge Kommunen")
		visitor.open("/p/kommunen/f/" + itoa(forum))
		visitor.want("topic list", "Parkering vid skolan", "Snöröjning")
		visitor.screenshot("topics-sv")
		visitor.open("/p/kommunen/f/" + itoa(forum) + "/ask")
		notice, err := e.ret.ChannelPolicyText(ctx, e.fx.Org.ID, forum, "sv")
		if err != nil {
			t.Fatal(err)
		}
		visitor.want("ask form notice", notice, "förkortad (/24")
		visitor.screenshot("ask-sv")
		visitor.do("fill the question",
			chromedp.SendKeys(chromedp.CSS("#title"), "Hur söker jag bygglov för en friggebod?"),
			chromedp.SendKeys(chromedp.CSS("#body"), "Behöver jag bygglov för en friggebod på 15 kvadratmeter vid Ängsvägen?"),
			chromedp.SendKeys(chromedp.CSS("#name"), "Fia Frågvis"),
			chromedp.SendKeys(chromedp.CSS("#email"), "fia@example.org"))
		clock.Advance(20 * time.Second)
		visitor.submit(`form.write button[type="submit"]`)
		visitor.want("published", "Tack! Ditt inlägg är publicerat.", "Hur söker jag bygglov för en friggebod?", "Fia Frågvis")
		topicPath := strings.SplitN(visitor.location(), "?", 2)[0]
		if len(visitor.cookies()) != 0 {
			t.Fatalf("the visitor got cookies: %v", visitor.cookies())
		}

		// Staff answer in the staff UI.
		staff.open("/login")
		staff.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Editor.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		staff.submit(`main button[type="submit"]`)
		staff.open("/site")
		staff.want("staff site page", "Obesvarade frågor", "Hur söker jag bygglov för en friggebod?")
		staff.screenshot("staff-sv")
		staff.do("open the question", chromedp.Click(chromedp.CSS(`a[href^="/site/topics/"]`)), chromedp.WaitVisible(chromedp.CSS("#answer-body")))
		staff.do("write the answer", chromedp.SendKeys(chromedp.CSS("#answer-body"), "Nej, en friggebod på högst 15 kvadratmeter behöver inget bygglov."))
		staff.submit(`form[action$="/answer"] button[type="submit"]`)
		staff.want("answered", "Svaret är publicerat.", "Besvarad")
		staff.screenshot("staff-topic-sv")

		visitor.open(topicPath)
		visitor.want("visitor sees the answer", "behöver inget bygglov", "Personal", "Svar")
		visitor.screenshot("topic-sv")
		visitor.narrow(topicPath, "topic-sv-390")

		// Search finds the question; after anonymization with the street
		// redacted it is not found by the street.
		visitor.open("/p/kommunen/search?q=angsvagen")
		visitor.want("search", "Hur söker jag bygglov för en friggebod?")
		posts, err := db.ModerationQueue(ctx, e.fx.Org.ID, gallra.StatusVisible, []int64{forum}, 200)
		if err != nil {
			t.Fatal(err)
		}
		var person int64
		for _, it := range posts {
			if strings.Contains(it.Post.Body, "Ängsvägen") {
				pp, err := db.GetPost(ctx, e.fx.Org.ID, it.Post.ID)
				if err != nil {
					t.Fatal(err)
				}
				person = *pp.PersonID
			}
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.EraseForumPosts(ctx, store.ErasureScope{OrgID: e.fx.Org.ID, PersonID: person, ChannelIDs: []int64{forum}}, gallra.PostKindPost, true,
				func(s string) string { return strings.ReplaceAll(s, "Ängsvägen", "[adress]") }, 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		visitor.open("/p/kommunen/search?q=angsvagen")
		visitor.want("search after anonymization", "Inga träffar")
		visitor.open(topicPath)
		visitor.want("anonymized post", "Anonym")

		// The notice follows the channel's setting.
		if _, err := e.ret.SetChannelPolicy(ctx, e.fx.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 18, Unit: gallra.Months}, Action: gallra.ActionAnonymize}); err != nil {
			t.Fatal(err)
		}
		visitor.open("/p/kommunen/f/" + itoa(forum) + "/ask")
		visitor.want("notice after the change", "i högst 18 månader")

		visitor.open("/p/kommunen/a/1")
		visitor.want("article", "Så söker du bygglov", "Situationsplan")
		if html, err := chromedp.Run(visitor.ctx, chromedp.OuterHTML(chromedp.CSS("main"))); err != nil || strings.Contains(html, "<script>alert") {
			t.Fatalf("article markup not sanitised (%v)", err)
		}
		visitor.screenshot("article-sv")
		visitor.open("/p/kommunen/privacy")
		visitor.want("privacy page", "i högst 18 månader", "Få mina uppgifter raderade")
		visitor.screenshot("privacy-sv")

		// English.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE organisations SET language = 'en' WHERE id = ?`, e.fx.Org.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(site.SiteCacheTTL) // the public site looks the organisation up again
		visitor.open("/p/kommunen/f/" + itoa(forum))
		visitor.want("topic list en", "Ask a question", "Unanswered")
		visitor.screenshot("topics-en")
		visitor.open(topicPath)
		visitor.want("topic en", "Anonymous", "Staff")
		visitor.screenshot("topic-en")
		visitor.open("/p/kommunen/f/" + itoa(forum) + "/ask")
		visitor.want("ask en", "for at most 18 months", "shortened (/24")
		visitor.screenshot("ask-en")
		visitor.open("/p/kommunen/a/1")
		visitor.screenshot("article-en")
		visitor.open("/p/kommunen/privacy")
		visitor.want("privacy en", "Have my data erased")
		visitor.screenshot("privacy-en")
		visitor.narrow("/p/kommunen/privacy", "privacy-en-390")
		if len(visitor.cookies()) != 0 {
			t.Fatal("the visitor got cookies")
		}
	})
}

// TestPublicPagesLabelled checks every public page's form controls for
// labels, and its landmarks.
func TestPublicPagesLabelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newSiteEnv(t, db, clock)
		c := e.client()
		c.e = &env{t: t, srv: e.srv}
		forum := itoa(e.fx.Channels[gallra.ModuleForum].ID)
		for _, path := range []string{"/p/kommunen/", "/p/kommunen/f/" + forum, "/p/kommunen/f/" + forum + "/ask", "/p/kommunen/t/1", "/p/kommunen/privacy", "/p/kommunen/search?q=parkering", "/p/kommunen/nothing"} {
			r := c.get(path)
			checkLabels(t, path, r.Body)
			for _, want := range []string{`<html lang="sv">`, "<main", "<header", "<footer", `class="skip"`} {
				if !strings.Contains(r.Body, want) {
					t.Errorf("%s: no %s", path, want)
				}
			}
			if r.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s sets a cookie", path)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
