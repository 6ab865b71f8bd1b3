package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Staff write, edit and delete knowledge articles in the UI; the public
// site shows them sanitised and forgets them on deletion; an editor
// without the knowledge channel can do nothing to them.
func TestKnowledgeArticlesInUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newSiteEnv(t, db, clock)
		c := e.client()
		c.e = &env{t: t, srv: e.srv}
		c.login(e.fx.Admin.Email)
		kb := itoa(e.fx.Channels[gallra.ModuleKnowledge].ID)
		if r := c.get("/site/kb"); r.Status != 200 || !strings.Contains(r.Body, "Ny artikel") {
			t.Fatalf("kb page: %d", r.Status)
		}
		checkLabels(t, "/site/kb", c.get("/site/kb").Body)
		if r := c.post("/site/kb", url.Values{"channel_id": {kb}, "title": {""}, "body": {"x"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Skriv en rubrik") {
			t.Fatalf("empty title: %d", r.Status)
		}
		r := c.post("/site/kb", url.Values{"channel_id": {kb}, "title": {"Öppettider"}, "body": {"Vi har **öppet** vardagar.\n\n<script>alert(1)</script>"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/site/kb/") {
			t.Fatalf("create: %d %q", r.Status, r.Location)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.Location, "/site/kb/"), "?ok=kb_saved")
		pub := c.get("/p/kommunen/a/" + id)
		if pub.Status != 200 || !strings.Contains(pub.Body, "<strong>öppet</strong>") || strings.Contains(pub.Body, "<script>alert") {
			t.Fatalf("public article: %d", pub.Status)
		}
		if r := c.post("/site/kb/"+id, url.Values{"title": {"Öppettider i sommar"}, "body": {"Stängt i juli."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("update: %d", r.Status)
		}
		ed := e.client()
		ed.e = &env{t: t, srv: e.srv}
		ed.login(e.fx.Editor.Email)
		if r := ed.get("/site/kb"); !strings.Contains(r.Body, "Du arbetar inte i någon kunskapsbank") {
			t.Fatal("the editor is offered a knowledge base they do not work in")
		}
		if r := ed.post("/site/kb/"+id+"/delete", url.Values{}); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Fatalf("editor deletes an article: %d", r.Status)
		}
		if r := c.post("/site/kb/"+id+"/delete", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		clock.Advance(5e9)
		if r := c.get("/p/kommunen/a/" + id); r.Status != http.StatusNotFound {
			t.Fatalf("deleted article: %d", r.Status)
		}
	})
}
