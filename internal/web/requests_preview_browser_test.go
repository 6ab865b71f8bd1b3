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

// TestBrowserPersonExportPreviewConfirm walks from the person search to the
// person page, asks for an export there, reviews the preview, confirms it
// and downloads the ZIP; then asks for an erasure while one of the
// person's topics is under a legal hold: the erasure waits on the hold,
// and once the hold is released in the channel settings (and the
// requests.process job has run) it has finished and the receipt says what
// was erased later.
func TestBrowserPersonExportPreviewConfirm(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect())}
		p.open("/requests")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)

		openPerson := func() {
			p.open("/persons")
			p.do("search", chromedp.SendKeys(chromedp.CSS("#p-q"), subjectEmail))
			p.submit(`main form[role="search"] button[type="submit"]`)
			p.do("open person", chromedp.Click(chromedp.CSS(`main a[href^="/persons/"]`)))
			p.want("person page", "Vad vi har var")
		}
		openPerson()
		p.submit("#pp-export")
		email, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#rq-email").value`))
		if err != nil || email != subjectEmail {
			t.Fatalf("request form filled with %q (%v)", email, err)
		}
		p.do("fill export form", chromedp.SetValue(chromedp.CSS("#rq-method"), "email_reply"))
		p.tick("#rq-attest")
		p.submit(`form[action="/requests"] button[type="submit"]`)
		p.want("export preview", "Förhandsgranska begäran", "Inget har gjorts ännu", "Foruminlägg och kommentarer", "Skapa export")
		p.screenshot("request-preview-export")
		if l, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{}); len(l) != 0 {
			t.Fatalf("the preview stored a request: %d", len(l))
		}
		p.tick("#rqp-confirm-box")
		p.submit("#rqp-submit")
		p.want("export request", "Begäran är registrerad.", "Klar", "Ladda ner exporten (ZIP)")
		id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/requests/"), "?ok=request_created")
		var zip string
		zip, err = chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch("/requests/`+id+`/download").then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 2)) + ":" + b.byteLength)`, chromedp.EvalAwaitPromise))
		if err != nil || !strings.HasPrefix(zip, "PK:") {
			t.Fatalf("download from the browser: %q, %v", zip, err)
		}

		// Erasure while a topic of the person's is under a legal hold.
		post, err := db.GetPost(ctx, e.fx.Org.ID, e.Posts[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: e.fx.Admin.ID}, e.fx.Org.ID, gallra.SubjectForumTopic, post.TopicID, "Tvist"); err != nil {
			t.Fatal(err)
		}
		openPerson()
		p.submit("#pp-erase")
		p.do("fill erasure form", chromedp.SetValue(chromedp.CSS("#rq-method"), "phone_call"))
		p.tick("#rq-attest")
		p.submit(`form[action="/requests"] button[type="submit"]`)
		p.want("erasure preview", "Vad som blir kvar, och varför", "rättsligt bevarande", "Forumtråd "+strconv.FormatInt(post.TopicID, 10))
		p.screenshot("request-preview-erase")
		p.tick("#rqp-confirm-box")
		p.submit("#rqp-submit")
		p.want("erasure waiting", "Väntar på spärr", "Väntar på rättsligt bevarande", "Forumtråd "+strconv.FormatInt(post.TopicID, 10))
		p.screenshot("request-waiting-on-hold")
		eid := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/requests/"), "?ok=request_created")
		p.open("/")
		p.want("overview", "Raderingar som väntar på spärr")

		// Release the hold where holds are released: the channel settings.
		p.open("/settings/channels/" + strconv.FormatInt(post.ChannelID, 10))
		p.submit(`form[action="/holds/forum_topic/` + strconv.FormatInt(post.TopicID, 10) + `/release"] button`)
		if _, err := e.tk.ProcessPending(ctx); err != nil { // the job's next run
			t.Fatal(err)
		}
		p.open("/requests/" + eid)
		p.want("erasure finished", "Klar", "Raderat efter att spärren hävdes", "Resten raderades")
		p.open("/requests/" + eid + "/receipt")
		p.want("receipt", "Bevarandet har upphört", "The hold was released")
		p.screenshot("request-receipt-after-hold")
		reqs, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{Kind: gallra.RequestErase})
		if len(reqs) != 1 || reqs[0].Status != gallra.StatusCompleted || reqs[0].Email != "" {
			t.Fatalf("erasure in the database: %+v", reqs)
		}
	})
}
