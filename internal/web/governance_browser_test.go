package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestBrowserNeverPurgeWarning: in a real browser, choosing "never purge"
// leads to a confirm page that warns and requires a reason (the browser
// will not send the form without one); with a reason the setting is saved,
// and the audit page shows the change in words with its raw details.
func TestBrowserNeverPurgeWarning(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect())}
		forumID := e.fx.Channels[gallra.ModuleForum].ID
		p.open("/login")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)

		p.open("/settings/channels/" + strconv.FormatInt(forumID, 10))
		p.do("choose never", chromedp.Click(chromedp.CSS(`input[name="mode"][value="own"]`)), chromedp.Click(chromedp.CSS(`input[name="keep"][value="never"]`)))
		p.submit(`form.policy-form button[type="submit"]`)
		p.want("never confirm", "Varning: inget kommer att gallras automatiskt", "Motivering (krävs)")
		if n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll("section.impact.calm").length`)); err != nil || n != 0 {
			t.Errorf("the calm box is shown for never (%d, %v)", n, err)
		}
		p.screenshot("g1-never-warning")
		// Without a reason the browser keeps the form (required field).
		p.submit(`form.confirm button[type="submit"]`)
		if v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector("#reason").matches(":invalid")`)); err != nil || !v {
			t.Errorf("reason field not flagged as missing (%v, %v)", v, err)
		}
		if r, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forumID); r.Source == "channel" {
			t.Fatal("saved without a reason")
		}
		p.do("reason", chromedp.SendKeys(chromedp.CSS("#reason"), "Utredning pågår enligt beslut"))
		p.submit(`form.confirm button[type="submit"]`)
		p.want("after save", "Inställningen är sparad.")
		if r, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forumID); !r.Period.IsNever() || r.Source != "channel" {
			t.Fatalf("stored: %+v", r)
		}

		p.open("/audit?action=retention.policy_set")
		p.want("audit", "Kanalens lagringstid ändrad", "Kanal «"+e.fx.Channels[gallra.ModuleForum].Name+"»", "weakened=true")
		p.do("expand raw", chromedp.Click(chromedp.CSS(`table.audit details summary`)))
		txt := p.text()
		if !strings.Contains(txt, `"reason_id"`) || !strings.Contains(txt, "retention.policy_set") {
			t.Errorf("raw details not shown on expand: %q", txt)
		}
		p.screenshot("g2-audit")
	})
}
