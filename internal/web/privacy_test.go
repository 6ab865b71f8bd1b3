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

// TestPrivacyPages: the register page in a real browser in Swedish and
// English (screenshots), a change of basis reaching the notice preview and
// the Art. 30 page and downloads, the sub-processor banner until
// acknowledged, and editors refused.
func TestPrivacyPages(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		if _, err := e.svc.Privacy.AddSubProcessorAsOperator(context.Background(), gallra.NewSubProcessor{Name: "Mailer Inc", Service: "utgående e-post", Country: "US"}); err != nil {
			t.Fatal(err)
		}
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		if r := ed.get("/privacy"); r.Status != http.StatusForbidden {
			t.Errorf("editor on /privacy: %d", r.Status)
		}
		if r := ed.get("/privacy/art30?format=json"); r.Status != http.StatusForbidden {
			t.Errorf("editor on Art. 30: %d", r.Status)
		}

		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect()) + "-privacy"}
		p.open("/privacy")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		p.want("register page sv", "Personuppgiftsregister", "Listan över underbiträden har ändrats", "Saknas: utanför EU/EES",
			"uppgift av allmänt intresse eller myndighetsutövning (artikel 6.1 e", "Integritetsskyddsmyndigheten")
		if strings.Contains(strings.ToLower(p.text()), "godkänner") {
			t.Error("register page shows a consent-framed text")
		}
		p.screenshot("01-sv")
		p.submit(`form[action="/privacy/subprocessors/acknowledge"] button`)
		p.want("after acknowledgement", "Ändringen av underbiträden är bekräftad.")
		if strings.Contains(p.text(), "Listan över underbiträden har ändrats") {
			t.Error("banner still shown after acknowledgement")
		}
		// Mail under legal obligation, through the form.
		p.do("choose basis", chromedp.SetValue(chromedp.CSS("#b-mail"), "legal_obligation"))
		p.submit(`#module-mail button[type="submit"]`)
		p.want("notice follows", "rättslig förpliktelse (artikel 6.1 c")

		p.open("/privacy/art30?lang=en")
		txt, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil || !strings.Contains(txt, "Record of processing activities") || !strings.Contains(txt, "legal obligation (Article 6(1)(c)") || !strings.Contains(txt, "settings version 1-") {
			t.Errorf("Art. 30 page: %v %s", err, txt)
		}
		p.screenshot("02-art30-en")

		c := e.client()
		c.login(e.fx.Admin.Email)
		r := c.get("/privacy/art30?format=json")
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(r.Body, `"basis": "legal_obligation"`) {
			t.Errorf("JSON download: %d %s", r.Status, r.Header.Get("Content-Disposition"))
		}
		r = c.get("/privacy/art30?lang=sv&download=1")
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "-sv.html") || !strings.Contains(r.Body, "Register över behandlingar") {
			t.Errorf("HTML download: %d", r.Status)
		}
		// A bad basis is refused and nothing changes.
		r = c.post("/privacy/modules/forum", url.Values{"basis": {"because"}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "legal basis") {
			t.Errorf("bad basis: %d", r.Status)
		}

		p.do("english", chromedp.Navigate(p.base+"/privacy"))
		p.do("switch language", chromedp.Evaluate[chromedp.Void](`document.cookie = "gallra_lang=en; path=/"`))
		p.open("/privacy")
		p.screenshot("03-en")
	})
}
