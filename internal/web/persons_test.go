package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A test personnummer (birth number 995, not a real person's).
const personTestPnr = "821105-9954"

func TestPersonSearchPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		topic, err := db.CreateTopic(context.Background(), e.fx.Org.ID, gallra.NewTopic{ChannelID: e.fx.Channels[gallra.ModuleForum].ID, Title: "Granne",
			Body: "Min granne har personnummer " + personTestPnr, Author: gallra.Author{Name: "Cilla Ek", Email: "cilla@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login(e.fx.Admin.Email)
		mustContain(t, "requests page", c.get("/requests").Body, `href="/persons"`)
		r := c.post("/persons", url.Values{"q": {"BO@example.se"}})
		mustContain(t, "search by e-mail", r.Body, "Bo Berg", "Sökt som: e-postadress")
		r = c.post("/persons", url.Values{"q": {personTestPnr}})
		mustContain(t, "search by personnummer", r.Body, "Foruminlägg", "/site/topics/"+itoa(topic.ID))
		if strings.Contains(r.Body, "Bo Berg") {
			t.Error("a personnummer search lists persons by name")
		}
		if r := c.post("/persons", url.Values{"q": {"821105-9955"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "kontrollsiffran") {
			t.Fatalf("bad personnummer: %d", r.Status)
		}
		p, err := db.FindPerson(context.Background(), e.fx.Org.ID, "bo@example.se")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "person page", c.get("/persons/"+itoa(p.ID)).Body, "Bo Berg", "Ärendet är överklagat", "Forum (inlägg)")
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "person page in English", c.get("/persons/"+itoa(p.ID)).Body, "What is held where", "Legal holds")
		entries, err := db.ListAudit(context.Background(), e.fx.Org.ID, gallra.AuditFilter{Action: "person.", Limit: 100})
		if err != nil || len(entries) != 4 {
			t.Fatalf("audit entries: %d, %v", len(entries), err)
		}
		for _, en := range entries {
			for _, v := range en.Details {
				if s, ok := v.(string); ok && (strings.Contains(s, "@") || strings.Contains(s, "821105")) {
					t.Fatalf("audit holds a clear value: %v", en.Details)
				}
			}
		}
	})
}

func TestBrowserPersonSearch(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect())}
		p.open("/requests")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		p.open("/persons")
		p.do("search", chromedp.SendKeys(chromedp.CSS("#p-q"), "bo@example.se"))
		p.submit(`main form[role="search"] button[type="submit"]`)
		p.want("results", "Bo Berg")
		p.do("open person", chromedp.Click(chromedp.CSS(`main a[href^="/persons/"]`)))
		p.want("person page", "Vad vi har var", "Ärendet är överklagat")
		p.screenshot("person-page")
	})
}
