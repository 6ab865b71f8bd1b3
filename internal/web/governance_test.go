package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestNeverPurgeAsksReason: choosing "never" shows a warning instead of the
// calm "nothing is purged" box and asks for a reason; saving without one is
// refused in the user's language, with one it is saved and the audit page
// shows the change marked.
func TestNeverPurgeAsksReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Admin.Email)
		forum := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10)
		never := url.Values{"mode": {"own"}, "keep": {"never"}, "action": {"anonymize"}}
		pv := c.post(forum+"/preview", never)
		mustContain(t, "never confirm page", pv.Body, "Varning: inget kommer att gallras automatiskt", `name="reason"`, "art. 5.1 e")
		if strings.Contains(pv.Body, `class="impact calm"`) {
			t.Error("never shows the calm box")
		}
		// A shorter period shows no warning.
		shorter := c.post(forum+"/preview", url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}})
		if strings.Contains(shorter.Body, "Varning:") || strings.Contains(shorter.Body, `name="reason"`) {
			t.Error("a shorter period asks for a reason")
		}
		never.Set("expect", "0")
		never.Set("confirm", "yes")
		r := c.post(forum, never)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Ange en motivering") {
			t.Fatalf("never without a reason: %d", r.Status)
		}
		if got, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID); got.Source == "channel" {
			t.Fatal("saved without a reason")
		}
		// English too.
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		if r := c.post(forum, never); !strings.Contains(r.Body, "Give a reason to save a longer retention period.") {
			t.Errorf("English refusal missing (%d)", r.Status)
		}
		never.Set("reason", "Utredning pågår")
		if r := c.post(forum, never); r.Status != http.StatusSeeOther {
			t.Fatalf("never with a reason: %d", r.Status)
		}
		got, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID)
		if !got.Period.IsNever() {
			t.Fatalf("stored: %+v", got)
		}
		a := c.get("/audit?action=retention.policy_set")
		mustContain(t, "audit of the weakened change", a.Body, "Channel retention changed", "weakened=true", "reason_id=")
	})
}

// TestReleaseOthersHoldInUI: an editor sees no release button on the
// admin's hold and a crafted post is refused in Swedish; the admin's own
// hold has the one-click button.
func TestReleaseOthersHoldInUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock) // e.Held: a topic the admin put on hold
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		held := strconv.FormatInt(e.Held, 10)
		page := ed.get("/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10))
		mustContain(t, "editor's channel page", page.Body, "Bara en administratör kan häva den")
		r := ed.post("/holds/forum_topic/"+held+"/release", url.Values{})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Bara en administratör kan häva den") {
			t.Errorf("editor's crafted release: %d", r.Status)
		}
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		if r := ad.post("/holds/forum_topic/"+held+"/release", url.Values{}); r.Status != http.StatusSeeOther {
			t.Errorf("admin releases own hold: %d", r.Status)
		}
	})
}
