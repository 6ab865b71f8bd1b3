package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/social"
	"github.com/gallra/gallra/internal/social/metatest"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/web"
)

// TestBrowserSocial connects a page in a real browser as an administrator
// (a wrong page id refused in words that say what to do), sees mirrored
// items arrive from webhooks, replies, deletes here and on the platform
// (one deletion refused and shown so), in Swedish and English, and opens
// the public data deletion status page; screenshots of each.
func TestBrowserSocial(t *testing.T) {
	bctx := browser(t)
	const secret = "browser-app-secret-0123456789abcd"
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		fx := storetest.MustFixture(t, db, "Kommunen")
		if err := db.SetPassword(ctx, gallra.Actor{Type: gallra.ActorSystem}, fx.Org.ID, fx.Admin.ID, testPassword); err != nil {
			t.Fatal(err)
		}
		graph := metatest.Start(t, secret)
		graph.AddToken("EAAGbrowsertoken", true)
		meta, err := social.NewMeta(social.MetaConfig{GraphURL: graph.GraphURL(), AppSecret: secret, VerifyToken: "vt"})
		if err != nil {
			t.Fatal(err)
		}
		box, _ := secretbox.New("web-test-secret-key-0123456789abcdef")
		svc := service.New(service.Deps{DB: db, Clock: clock, Secrets: box, Social: service.SocialConfig{Connectors: []social.Connector{meta}, StatusBaseURL: "http://x"}})
		ui, err := web.New(web.Config{Services: svc, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(ui)
		t.Cleanup(srv.Close)
		ch := fx.Channels[gallra.ModuleSocial].ID
		url := fmt.Sprintf("/workspace/social/%d", ch)

		p := &page{t: t, ctx: tab(t, bctx), base: srv.URL, shot: string(db.Dialect()) + "-social"}
		p.open("/login")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		p.open(url)
		p.want("not connected", "Kanalen är inte kopplad", "Koppla en sida")
		p.screenshot("01-not-connected")

		p.do("wrong page id", chromedp.SendKeys(chromedp.CSS("#so-page"), "vår sida"), chromedp.SendKeys(chromedp.CSS("#so-token"), "EAAGbrowsertoken"))
		p.submit(`form[action$="/social"] button[type="submit"]`)
		p.want("refused", "Sidans id ska vara sidans sifferid")
		p.screenshot("02-refused")
		p.do("page id", chromedp.SetValue(chromedp.CSS("#so-page"), "1122334455"), chromedp.SendKeys(chromedp.CSS("#so-token"), "EAAGbrowsertoken"))
		p.submit(`form[action$="/social"] button[type="submit"]`)
		p.want("connected", "Kopplingen är sparad.", "1122334455")
		if strings.Contains(p.text(), "EAAGbrowsertoken") {
			t.Error("the token is shown")
		}

		// Items arrive by webhook.
		t0 := clock.Now().Unix()
		post := "1122334455_9"
		graph.AddObject(post, post+"_1", post+"_2")
		for _, b := range []string{
			fmt.Sprintf(`{"object":"page","entry":[{"id":"1122334455","changes":[{"field":"feed","value":{"item":"status","verb":"add","post_id":%q,"from":{"id":"1122334455","name":"Kommunen"},"message":"Vägarbete på Storgatan i veckan.","created_time":%d}}]}]}`, post, t0),
			fmt.Sprintf(`{"object":"page","entry":[{"id":"1122334455","changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":%q,"post_id":%q,"parent_id":%q,"from":{"id":"901","name":"Testperson Ett"},"message":"Hur länge håller det på?","created_time":%d}}]}]}`, post+"_1", post, post, t0+60),
			fmt.Sprintf(`{"object":"page","entry":[{"id":"1122334455","changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":%q,"post_id":%q,"parent_id":%q,"from":{"id":"902","name":"Testperson Två"},"message":"Olämplig kommentar","created_time":%d}}]}]}`, post+"_2", post, post, t0+120),
			fmt.Sprintf(`{"object":"page","entry":[{"id":"1122334455","messaging":[{"sender":{"id":"7001"},"recipient":{"id":"1122334455"},"timestamp":%d,"message":{"mid":"m_web1","text":"Hej! När töms soporna?"}}]}]}`, (t0+180)*1000),
		} {
			if err := svc.SocialPlatform.ReceiveWebhook(ctx, gallra.PlatformMeta, map[string][]string{"X-Hub-Signature-256": {social.SignDelivery([]byte(b), secret)}}, []byte(b)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.SocialPlatform.ProcessWebhooks(ctx); err != nil {
			t.Fatal(err)
		}
		items, _ := svc.Social.ListItems(ctx, fx.Admin, ch, gallra.Page{})
		ids := map[string]int64{}
		for _, it := range items {
			ids[it.ExternalID] = it.ID
		}
		p.open(url)
		p.want("items", "Hur länge håller det på?", "Facebook-kommentar", "Messenger", "finns på plattformen")

		// Reply, then delete one comment (the platform only lets us hide
		// it) and the private message (refused).
		p.do("reply", chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#so-reply-%d", ids[post+"_1"])), "Arbetet pågår till fredag."))
		p.submit(fmt.Sprintf(`form[action$="/items/%d/reply"] button`, ids[post+"_1"]))
		p.want("replied", "Svaret är publicerat på plattformen.", "Arbetet pågår till fredag.", "Vårt svar")
		graph.RefuseDelete(post + "_2")
		p.submit(fmt.Sprintf(`form[action$="/items/%d/delete"] button`, ids[post+"_2"]))
		p.want("deleted", "Raderat här.", "Väntar / försöker igen")
		p.submit(fmt.Sprintf(`form[action$="/items/%d/delete"] button`, ids["m_web1"]))
		if _, err := svc.SocialPlatform.DeliverDeletions(ctx); err != nil {
			t.Fatal(err)
		}
		p.open(url)
		p.want("deletions", "Dold (plattformen tillåter inte radering)", "Nekad – finns kvar", "does not let a page delete private messages")
		if strings.Contains(p.text(), "Olämplig kommentar") {
			t.Error("deleted comment still shown")
		}
		p.screenshot("03-items-sv")
		p.narrow(url, "03n-items-390")

		p.submit(`form.lang button[value="en"]`)
		p.open(url)
		p.want("english", "Social media:", "Deletions on the platform", "Hidden (the platform does not allow deletion)", "Refused – still there", "Our reply")
		p.screenshot("04-items-en")

		// The public status page of a data deletion request.
		st, err := svc.SocialPlatform.DataDeletion(ctx, gallra.PlatformMeta, map[string][]string{"signed_request": {social.SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "901", "issued_at": time.Now().Unix()}, secret)}})
		if err != nil {
			t.Fatal(err)
		}
		p.open("/social/deletion/" + st.ConfirmationCode)
		p.want("status en", "Request to delete your data", "Completed", st.ConfirmationCode)
		p.screenshot("05-deletion-status-en")
		p.submit(`form.lang button[value="sv"]`)
		p.open("/social/deletion/" + st.ConfirmationCode)
		p.want("status sv", "Begäran om radering av dina uppgifter", "Slutförd")
		p.screenshot("06-deletion-status-sv")
		p.open("/social/deletion/nope")
		p.want("unknown code", "Ingen begäran har den bekräftelsekoden")
	})
}
