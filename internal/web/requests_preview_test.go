package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

var fingerprintField = regexp.MustCompile(`name="fingerprint" value="([0-9a-f]+)"`)

// previewAndConfirm posts the request form (the preview step), checks the
// preview page and posts its confirmation; it returns the confirmation's
// response.
func previewAndConfirm(t *testing.T, c *client, form url.Values) resp {
	t.Helper()
	pv := c.post("/requests", form)
	if pv.Status != http.StatusOK {
		t.Fatalf("preview: %d", pv.Status)
	}
	m := fingerprintField.FindStringSubmatch(pv.Body)
	if m == nil {
		t.Fatalf("preview without a confirmation form: %.300s", pv.Body)
	}
	conf := cloneValues(form)
	conf.Set("step", "confirm")
	conf.Set("confirm", "yes")
	conf.Set("fingerprint", m[1])
	return c.post("/requests", conf)
}

// TestRequestPreviewThenConfirm: the request form shows a preview first
// and stores nothing; the confirmation needs the box ticked and refuses a
// preview whose numbers changed, showing the fresh ones.
func TestRequestPreviewThenConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Admin.Email)
		form := url.Values{"kind": {"erase"}, "email": {subjectEmail}, "module": {"forum"}, "method": {"email_reply"}, "attest": {"yes"}, "forum_action": {"delete"}}
		pv := c.post("/requests", form)
		if pv.Status != http.StatusOK {
			t.Fatalf("preview: %d", pv.Status)
		}
		mustContain(t, "preview", pv.Body, "Förhandsgranska begäran", "Inget har gjorts ännu", `id="rqp-confirm-box"`, "Foruminlägg och kommentarer", "Radera")
		if l, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{}); len(l) != 0 {
			t.Fatalf("a preview stored a request: %d", len(l))
		}
		fp := fingerprintField.FindStringSubmatch(pv.Body)[1]
		conf := cloneValues(form)
		conf.Set("step", "confirm")
		conf.Set("fingerprint", fp)
		// Not ticked: refused, the preview again.
		r := c.post("/requests", conf)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unticked confirmation: %d", r.Status)
		}
		mustContain(t, "unticked", r.Body, "Kryssa i rutan för att bekräfta.")
		// The data changes between preview and confirmation: refused with
		// the fresh numbers.
		post, err := db.GetPost(ctx, e.fx.Org.ID, e.Posts[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: e.fx.Admin.ID}, e.fx.Org.ID, gallra.SubjectForumTopic, post.TopicID, "tvist"); err != nil {
			t.Fatal(err)
		}
		conf.Set("confirm", "yes")
		r = c.post("/requests", conf)
		if r.Status != http.StatusConflict {
			t.Fatalf("stale confirmation: %d", r.Status)
		}
		mustContain(t, "stale", r.Body, "Uppgifterna har ändrats sedan förhandsvisningen.", "rättsligt bevarande")
		if l, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{}); len(l) != 0 {
			t.Fatalf("a stale confirmation stored a request: %d", len(l))
		}
		// Confirmed with the fresh preview: the erasure waits on the hold.
		r = previewAndConfirm(t, c, form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("confirmation: %d", r.Status)
		}
		page := c.get(r.Location)
		mustContain(t, "request page", page.Body, "Väntar på spärr", "Väntar på rättsligt bevarande", "/site/topics/", "Kvitto")
		mustContain(t, "overview", c.get("/").Body, "Raderingar som väntar på spärr")
		mustContain(t, "filtered list", c.get("/requests?status=waiting_on_hold").Body, "Väntar på spärr")
	})
}
