package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The person page carries the reason chosen in the search into the access
// log; admins read the log per person (from the person page) and per staff
// user (from the staff page), filter it by days and set its retention.
func TestAccessLogPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		p, err := db.FindPerson(context.Background(), e.fx.Org.ID, "bo@example.se")
		if err != nil {
			t.Fatal(err)
		}
		person := itoa(p.ID)
		c := e.client()
		c.login(e.fx.Admin.Email)
		r := c.post("/persons", url.Values{"q": {"bo@example.se"}, "reason": {"case"}})
		mustContain(t, "search results carry the reason", r.Body, `/persons/`+person+`?reason=case`)
		if r := c.get("/persons/" + person + "?reason=nyfikenhet"); r.Status != http.StatusBadRequest {
			t.Errorf("unknown reason: %d", r.Status)
		}
		mustContain(t, "person page links to its access log", c.get("/persons/"+person+"?reason=case").Body, `/admin/access-log?person=`+person)
		log := c.get("/admin/access-log?person=" + person)
		mustContain(t, "the person's log", log.Body, "Läsningar av person "+person, "Personsida", "Personens ärende", e.fx.Admin.Name, "Öppnade")
		mustContain(t, "staff page links to each one's log", c.get("/admin").Body, `/admin/access-log?staff=`+itoa(e.fx.Editor.ID))
		mustContain(t, "the admin's log", c.get("/admin/access-log?staff="+itoa(e.fx.Admin.ID)).Body, "Läsningar gjorda av "+e.fx.Admin.Name, "/persons/"+person)
		if r := c.get("/admin/access-log?staff=" + itoa(e.fx.Editor.ID)); strings.Contains(r.Body, "/persons/"+person) {
			t.Error("the editor's log shows the admin's reads")
		}
		day := clock.Now().Format("2006-01-02")
		mustContain(t, "days that hold the reads", c.get("/admin/access-log?person="+person+"&from="+day+"&to="+day).Body, "Personens ärende")
		mustContain(t, "days before the reads", c.get("/admin/access-log?person="+person+"&to=2020-01-01").Body, "Inga läsningar")
		if r := c.get("/admin/access-log?from=igår"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "ÅÅÅÅ-MM-DD") {
			t.Errorf("bad day: %d", r.Status)
		}
		if r := c.post("/admin/access-log/settings", url.Values{"months": {"61"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "mellan 1 och 60") {
			t.Errorf("61 months: %d", r.Status)
		}
		c.post("/admin/access-log/settings", url.Values{"months": {"6"}})
		mustContain(t, "saved period", c.get("/admin/access-log").Body, `value="6"`, "Nästa rensning tar bort 0 poster")
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "in English", c.get("/admin/access-log?person="+person).Body, "Reads of person "+person, "Person page", "own matter", "How long the log is kept")

		ed := e.client()
		ed.login(e.fx.Editor.Email)
		if r := ed.get("/admin/access-log"); r.Status != http.StatusForbidden {
			t.Errorf("editor: %d", r.Status)
		}
		if r := ed.post("/admin/access-log/settings", url.Values{"months": {"1"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor sets the period: %d", r.Status)
		}
	})
}

func TestBrowserAccessLog(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect())}
		p.open("/persons")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		p.open("/persons")
		p.do("search with a reason", chromedp.SendKeys(chromedp.CSS("#p-q"), "bo@example.se"), chromedp.SetValue(chromedp.CSS("#p-reason"), "legal"))
		p.submit(`main form[role="search"] button[type="submit"]`)
		p.submit(`main a[href^="/persons/"]`)
		p.want("person page", "Vad vi har var")
		p.submit(`#pp-access-log`)
		p.want("the person's access log", "Åtkomstlogg", "Personsida", "Rättsligt", e.fx.Admin.Name)
		day := clock.Now().Format("2006-01-02")
		p.do("filter by day", chromedp.SetValue(chromedp.CSS("#al-from"), day), chromedp.SetValue(chromedp.CSS("#al-to"), day))
		p.submit(`main form.filters button[type="submit"]`)
		p.want("filtered", "Rättsligt")
		p.screenshot("access-log")
		p.submit(`#access-log tbody a[href^="/admin/access-log?staff="]`)
		p.want("the admin's log", "Läsningar gjorda av "+e.fx.Admin.Name)
		p.do("set the period", chromedp.SetValue(chromedp.CSS("#al-months"), "24"))
		p.submit(`form[action="/admin/access-log/settings"] button[type="submit"]`)
		p.want("saved", "Lagringstiden för åtkomstloggen är sparad")
	})
}
