package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestLoginSessionLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		if r := c.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login?next=") {
			t.Fatalf("anonymous GET / = %d %q, want a redirect to /login", r.Status, r.Location)
		}
		r := c.post("/login", url.Values{"email": {e.fx.Admin.Email}, "password": {"wrong password!!"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", r.Status)
		}
		mustContain(t, "failed login page", r.Body, "Fel e-postadress eller lösenord.")
		// The cookie attributes the jar does not keep: check the raw header.
		raw := c.do("POST", "/login", url.Values{"email": {e.fx.Admin.Email}, "password": {testPassword}}, nil).Header.Get("Set-Cookie")
		ck := c.sessionCookie()
		if ck == nil {
			t.Fatal("no session cookie after sign-in")
		}
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(raw, want) {
				t.Errorf("session cookie %q lacks %s", raw, want)
			}
		}
		if strings.Contains(raw, "Secure") {
			t.Errorf("plain-HTTP test server got a Secure cookie: %q", raw)
		}
		home := c.get("/")
		if home.Status != http.StatusOK {
			t.Fatalf("GET / after sign-in: %d", home.Status)
		}
		mustContain(t, "overview", home.Body, `<html lang="sv">`, "Kommunen", "Översikt", e.fx.Channels[gallra.ModuleForum].Name)

		// The session is in the database as a hash, not as the cookie value.
		var n int
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(context.Background(), `SELECT COUNT(*) FROM web_sessions WHERE id_hash = ?`, ck.Value).Scan(&n)
		}); err != nil || n != 0 {
			t.Errorf("session id stored in clear (n=%d, err=%v)", n, err)
		}

		stolen := ck.Value
		if r := c.post("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		// A copy of the old cookie no longer works: the session is gone
		// from the database, not just from the browser.
		other := e.client()
		u, _ := url.Parse(e.srv.URL)
		other.http.Jar.SetCookies(u, []*http.Cookie{{Name: "gallra_session", Value: stolen, Path: "/"}})
		if r := other.get("/"); r.Status != http.StatusSeeOther {
			t.Errorf("old session cookie after logout: status %d, want redirect to sign-in", r.Status)
		}
		if _, _, err := db.SessionStaff(context.Background(), stolen); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Errorf("SessionStaff after logout: %v", err)
		}
		// Audit records sign-in and sign-out.
		entries, err := db.ListAudit(context.Background(), e.fx.Org.ID, gallra.AuditFilter{Action: "session."})
		if err != nil || len(entries) < 2 {
			t.Errorf("session audit entries: %d, %v", len(entries), err)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Admin.Email)
		form := url.Values{"name": {"Evil channel"}, "module": {"forum"}}
		for name, hdr := range map[string]map[string]string{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
			"foreign Origin":            {"Origin": "https://evil.example"},
		} {
			if r := c.do("POST", "/admin/channels", form, hdr); r.Status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, r.Status)
			}
		}
		chs, _ := db.ListChannels(context.Background(), e.fx.Org.ID, "")
		for _, ch := range chs {
			if ch.Name == "Evil channel" {
				t.Fatal("a cross-origin POST created a channel")
			}
		}
		// The same form from the same origin works.
		if r := c.do("POST", "/admin/channels", form, map[string]string{"Origin": e.srv.URL}); r.Status != http.StatusSeeOther {
			t.Errorf("same-origin POST: status %d, want 303", r.Status)
		}
		// Logout cannot be forced cross-site either.
		if r := c.do("POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.Status != http.StatusForbidden {
			t.Errorf("cross-site logout: status %d", r.Status)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		t.Run("per account", func(t *testing.T) {
			// Attempts on one account from changing addresses: the account
			// bucket (burst 5) runs out.
			var last resp
			for i := range 6 {
				c := e.client()
				c.ip = fmt.Sprintf("203.0.113.%d", i+1)
				last = c.post("/login", url.Values{"email": {e.fx.Editor.Email}, "password": {"not the password"}})
			}
			if last.Status != http.StatusTooManyRequests {
				t.Fatalf("6th wrong password: status %d, want 429", last.Status)
			}
			c := e.client()
			c.ip = "203.0.113.99"
			r := c.post("/login", url.Values{"email": {e.fx.Editor.Email}, "password": {testPassword}})
			if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
				t.Errorf("right password while limited: status %d", r.Status)
			}
			mustContain(t, "rate-limited page", r.Body, "För många försök")
			// After a minute the bucket has refilled.
			clock.Advance(61e9)
			c.ip = "203.0.113.100"
			c.login(e.fx.Editor.Email)
		})
		t.Run("per address", func(t *testing.T) {
			c := e.client()
			c.ip = "198.51.100.77"
			var last resp
			for i := range 6 {
				last = c.post("/login", url.Values{"email": {fmt.Sprintf("nobody%d@example.se", i)}, "password": {"x"}})
			}
			if last.Status != http.StatusTooManyRequests {
				t.Fatalf("6th attempt from one address: status %d, want 429", last.Status)
			}
		})
	})
}

func TestEditorCannotReachAdminPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Editor.Email)
		home := c.get("/")
		if home.Status != http.StatusOK {
			t.Fatalf("editor overview: %d", home.Status)
		}
		for _, hidden := range []string{`href="/admin"`, `href="/audit"`, e.fx.Channels[gallra.ModuleChat].Name} {
			if strings.Contains(home.Body, hidden) {
				t.Errorf("editor's overview shows %q", hidden)
			}
		}
		chat := strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10)
		for _, tc := range []struct {
			method, path string
			form         url.Values
			want         int
		}{
			{"GET", "/admin", nil, http.StatusForbidden},
			{"GET", "/audit", nil, http.StatusForbidden},
			{"POST", "/admin/staff", url.Values{"name": {"X"}, "email": {"x@example.se"}, "role": {"admin"}}, http.StatusForbidden},
			{"POST", "/admin/channels", url.Values{"name": {"X"}, "module": {"forum"}}, http.StatusForbidden},
			{"POST", "/admin/staff/" + strconv.FormatInt(e.fx.Editor.ID, 10) + "/members", url.Values{"channel": {chat}}, http.StatusForbidden},
			{"GET", "/settings/defaults/forum", nil, http.StatusForbidden},
			{"GET", "/settings/channels/" + chat, nil, http.StatusForbidden},
			{"POST", "/settings/channels/" + chat, url.Values{"mode": {"own"}, "keep": {"never"}, "confirm": {"yes"}}, http.StatusForbidden},
			{"GET", "/settings/channels/999999", nil, http.StatusNotFound},
			{"GET", "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10), nil, http.StatusOK},
		} {
			var r resp
			if tc.method == "GET" {
				r = c.get(tc.path)
			} else {
				r = c.post(tc.path, tc.form)
			}
			if r.Status != tc.want {
				t.Errorf("editor %s %s: status %d, want %d", tc.method, tc.path, r.Status, tc.want)
			}
		}
		s, _ := db.GetStaff(context.Background(), e.fx.Org.ID, e.fx.Editor.ID)
		if s.CanActOn(e.fx.Channels[gallra.ModuleChat].ID) || s.Role != gallra.RoleEditor {
			t.Error("the refused requests changed the editor")
		}
	})
}

func TestDeactivatedStaffSignedOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		if r := ad.post("/admin/staff/"+strconv.FormatInt(e.fx.Editor.ID, 10)+"/active", url.Values{"active": {"false"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", r.Status)
		}
		if r := ed.get("/"); r.Status != http.StatusSeeOther {
			t.Errorf("deactivated editor still signed in: %d", r.Status)
		}
		if r := ed.post("/login", url.Values{"email": {e.fx.Editor.Email}, "password": {testPassword}}); r.Status != http.StatusUnauthorized {
			t.Errorf("deactivated editor signs in: %d", r.Status)
		}
	})
}

// TestPolicyFlowWithoutJavaScript drives the two-step privacy-settings form
// with plain form posts: preview, confirm page, save.
func TestPolicyFlowWithoutJavaScript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Admin.Email)
		forum := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10)
		form := url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}}

		pv := c.post(forum+"/preview", form)
		if pv.Status != http.StatusOK {
			t.Fatalf("preview: %d", pv.Status)
		}
		mustContain(t, "confirm page", pv.Body, "anonymiseras 5 inlägg", "Anonymisera efter 1 år", `name="expect" value="5"`,
			"i högst 1 år", "for at most 1 year")
		if r, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID); r.Source == "channel" {
			t.Fatal("preview saved the policy")
		}
		// Save without ticking the confirmation: the confirm page again.
		form.Set("expect", "5")
		if r := c.post(forum, form); r.Status != http.StatusConflict {
			t.Errorf("save without confirmation: %d, want 409", r.Status)
		}
		// Save confirming fewer items than would now be purged: refused as
		// stale (the preview must be looked at again).
		stale := cloneValues(form)
		stale.Set("expect", "1")
		stale.Set("confirm", "yes")
		if r := c.post(forum, stale); r.Status != http.StatusConflict || !strings.Contains(r.Body, "inaktuell") {
			t.Errorf("stale confirmation: %d", r.Status)
		}
		form.Set("confirm", "yes")
		if r := c.post(forum, form); r.Status != http.StatusSeeOther || r.Location != "/settings?ok=policy_saved" {
			t.Fatalf("save: %d %q", r.Status, r.Location)
		}
		got, err := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID)
		if err != nil || got.Source != "channel" || got.Policy.String() != "anonymize after 1y" {
			t.Fatalf("stored policy: %+v, %v", got, err)
		}
		if r := c.get("/settings?ok=policy_saved"); !strings.Contains(r.Body, "Inställningen är sparad.") {
			t.Error("no saved message")
		}

		// Over the processor's cap: refused with the reason, nothing stored.
		chat := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10)
		r := c.post(chat+"/preview", url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"3"}, "unit": {"m"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("over the cap: %d", r.Status)
		}
		mustContain(t, "refused page", r.Body, "kan inte sparas", "1 månad")
		if r := c.post(chat+"/preview", url.Values{"mode": {"own"}, "keep": {"never"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("never on a capped module: %d", r.Status)
		}
		// Social: no setting, the reason instead of a form.
		social := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleSocial].ID, 10)
		r = c.get(social)
		mustContain(t, "social settings", r.Body, "den externa plattformen är källan")
		if strings.Contains(r.Body, "/preview") {
			t.Error("social channel shows a settings form")
		}
		if r := c.post(social+"/preview", url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("social preview: %d", r.Status)
		}

		// Module default (admin), then back to following it.
		r = c.post("/settings/defaults/mail/preview", url.Values{"keep": {"period"}, "n": {"6"}, "unit": {"m"}})
		mustContain(t, "mail default confirm", r.Body, "Radera efter 6 månader")
		if r := c.post("/settings/defaults/mail", url.Values{"keep": {"period"}, "n": {"6"}, "unit": {"m"}, "expect": {"0"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save mail default: %d", r.Status)
		}
		defs, _ := e.ret.Defaults(ctx, e.fx.Org.ID)
		for _, d := range defs {
			if d.Module == gallra.ModuleMail && d.Policy.String() != "delete after 6m" {
				t.Errorf("mail default: %s", d.Policy)
			}
		}
		inherit := url.Values{"mode": {"inherit"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}, "expect": {"0"}, "confirm": {"yes"}}
		// Back to the 3-year default keeps data longer: a reason is asked.
		if r := c.post(forum, inherit); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Ange en motivering") {
			t.Fatalf("back to default without a reason: %d", r.Status)
		}
		inherit.Set("reason", "Nämndens beslut 2026-01-10")
		if r := c.post(forum, inherit); r.Status != http.StatusSeeOther {
			t.Fatalf("back to default: %d", r.Status)
		}
		if got, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, e.fx.Channels[gallra.ModuleForum].ID); got.Source == "channel" {
			t.Error("channel still has its own policy")
		}
		// Each save is audited by the engine.
		if a, _ := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: "retention."}); len(a) < 3 {
			t.Errorf("retention audit entries: %d", len(a))
		}
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestRequestFlowWithoutJavaScript files an export and an erasure with
// plain form posts and downloads the export.
func TestRequestFlowWithoutJavaScript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Editor.Email)
		// The form preselects the editor's modules only.
		form := c.get("/requests").Body
		if !strings.Contains(form, `value="forum" checked`) || strings.Contains(form, `value="chat" checked`) {
			t.Error("request form preselects modules the editor has no channels in")
		}
		base := url.Values{"kind": {"export"}, "email": {subjectEmail}, "module": {"forum"}, "method": {"email_reply"}}
		// Without the attestation: refused, nothing recorded.
		r := c.post("/requests", base)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no attestation: %d", r.Status)
		}
		mustContain(t, "refused request", r.Body, "Bekräfta att ni har kontrollerat personens identitet.")
		// Chat is not the editor's channel: forbidden.
		chat := cloneValues(base)
		chat.Set("attest", "yes")
		chat["module"] = []string{"chat"}
		if r := c.post("/requests", chat); r.Status != http.StatusForbidden {
			t.Errorf("request on another editor's channel: %d", r.Status)
		}
		if l, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{}); len(l) != 0 {
			t.Fatalf("refused requests were recorded: %d", len(l))
		}

		base.Set("attest", "yes")
		r = previewAndConfirm(t, c, base)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/requests/") {
			t.Fatalf("create export: %d %q", r.Status, r.Location)
		}
		page := c.get(r.Location)
		mustContain(t, "request page", page.Body, "Klar", "/download", "Foruminlägg och kommentarer")
		id := strings.TrimSuffix(strings.TrimPrefix(r.Location, "/requests/"), "?ok=request_created")
		dl := c.get("/requests/" + id + "/download")
		if dl.Status != http.StatusOK || dl.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(dl.Body, "PK") {
			t.Fatalf("download: %d %s", dl.Status, dl.Header.Get("Content-Type"))
		}
		if !strings.Contains(dl.Body, "Parkering vid skolan") && !strings.Contains(dl.Header.Get("Content-Disposition"), "gallra-export-") {
			t.Error("download is not the export")
		}
		rc := c.get("/requests/" + id + "/receipt")
		mustContain(t, "receipt", rc.Body, "Bekräftelse på registerutdrag", "Confirmation of data export")
		if strings.Contains(rc.Body, subjectEmail) {
			t.Error("receipt shows the e-mail address")
		}

		erase := cloneValues(base)
		erase.Set("kind", "erase")
		erase.Set("forum_action", "delete")
		r = previewAndConfirm(t, c, erase)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create erasure: %d %s", r.Status, r.Body)
		}
		list, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{Kind: gallra.RequestErase})
		if len(list) != 1 || list[0].Status != gallra.StatusCompleted || list[0].Counts["forum_posts_deleted"]+list[0].Counts["forum_placeholders"] != 3 {
			t.Fatalf("erasure: %+v", list)
		}
		if list[0].Email != "" {
			t.Error("completed erasure kept the e-mail address")
		}
		ov := c.get("/requests")
		mustContain(t, "request list", ov.Body, "Registerutdrag (export)", "Radering")
	})
}

func TestLoginLinkSetsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		r := ad.post("/admin/staff", url.Values{"name": {"Nora Ny"}, "email": {"nora@kommunen.example"}, "role": {"editor"}})
		if r.Status != http.StatusOK {
			t.Fatalf("invite: %d", r.Status)
		}
		i := strings.Index(r.Body, "/login/link/")
		if i < 0 {
			t.Fatal("invite shows no link")
		}
		path := r.Body[i:]
		path = path[:strings.IndexByte(path, '"')]

		nc := e.client()
		if r := nc.get(path); r.Status != http.StatusOK || !strings.Contains(r.Body, "Nora Ny") {
			t.Fatalf("link form: %d", r.Status)
		}
		if r := nc.post(path, url.Values{"password": {"long enough pass"}, "password2": {"different pass!!"}}); r.Status != http.StatusBadRequest {
			t.Errorf("mismatch: %d", r.Status)
		}
		if r := nc.post(path, url.Values{"password": {"short"}, "password2": {"short"}}); r.Status != http.StatusBadRequest {
			t.Errorf("short: %d", r.Status)
		}
		if r := nc.post(path, url.Values{"password": {"nora's new passphrase"}, "password2": {"nora's new passphrase"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("set password: %d", r.Status)
		}
		if r := nc.get("/"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Nora Ny") {
			t.Errorf("not signed in after setting the password: %d", r.Status)
		}
		if r := e.client().get(path); r.Status != http.StatusNotFound {
			t.Errorf("link reused: %d", r.Status)
		}
		if _, err := db.CheckPassword(ctx, "NORA@kommunen.example", "nora's new passphrase"); err != nil {
			t.Errorf("password not stored: %v", err)
		}
		// Expired links do not work.
		s, _ := db.StaffByEmail(ctx, e.fx.Org.ID, "nora@kommunen.example")
		secret, err := db.CreateLoginLink(ctx, gallra.Actor{Type: gallra.ActorSystem}, e.fx.Org.ID, s.ID, gallra.LinkReset, 3600e9)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(3601e9)
		if r := e.client().get("/login/link/" + secret); r.Status != http.StatusNotFound {
			t.Errorf("expired link: %d", r.Status)
		}
	})
}

func TestAuditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Admin.Email)
		r := c.get("/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("audit: %d", r.Status)
		}
		// In words: actions, the channel by its name (looked up now).
		mustContain(t, "audit page", r.Body, "Kedjan är obruten", "Inloggning", "Kanal skapad", "Kanal «"+e.fx.Channels[gallra.ModuleForum].Name+"»")
		if strings.Contains(r.Body, `value="purge."`) {
			t.Error("the filter offers purge., which nothing logs")
		}
		mustContain(t, "filter choices", r.Body, `value="retention."`, `value="session.created"`)
		f := c.get("/audit?action=membership.")
		mustContain(t, "filtered audit", f.Body, `data-action="membership.added"`, "Handläggare fick tillgång till kanal")
		if strings.Contains(f.Body, `data-action="channel.created"`) {
			t.Error("filter shows other actions")
		}
		// Date range, in the organisation's time zone, "to" inclusive.
		stockholm, _ := time.LoadLocation(gallra.DefaultTimeZone)
		day := storetest.Start().In(stockholm).Format("2006-01-02")
		mustContain(t, "audit on the fixture's day", c.get("/audit?from="+day+"&to="+day).Body, `data-action="channel.created"`)
		next := storetest.Start().In(stockholm).AddDate(0, 0, 1).Format("2006-01-02")
		if b := c.get("/audit?from=" + next).Body; strings.Contains(b, `data-action="channel.created"`) {
			t.Error("from the next day still shows the channels created on the fixture's day")
		}
		mustContain(t, "no entries in 1990", c.get("/audit?from=1990-01-01&to=1990-01-02").Body, "Inga poster matchar.")
		mustContain(t, "unreadable date", c.get("/audit?from=igår").Body, "kunde inte läsas")
		if r := c.get("/audit.csv?from=2027-01-02&to=2027-01-01"); r.Status != http.StatusBadRequest {
			t.Errorf("export of a backwards range: %d", r.Status)
		}

		// CSV export: every entry, in several batches, each in words.
		ctx := context.Background()
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := 0; i < 1007; i++ {
				if err := tx.Audit(ctx, e.fx.Org.ID, gallra.Actor{Type: gallra.ActorSystem}, "retention.purge_run", "purge_run", int64(i+1), map[string]any{"deleted": i}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ver, err := e.svc.Audit.VerifyAudit(ctx, e.fx.Admin)
		if err != nil {
			t.Fatal(err)
		}
		x := c.get("/audit.csv")
		if x.Status != http.StatusOK || !strings.HasPrefix(x.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(x.Body)).ReadAll()
		if err != nil {
			t.Fatalf("export is not CSV: %v", err)
		}
		if int64(len(recs)-1) != ver.Entries {
			t.Errorf("export has %d rows, the log %d entries", len(recs)-1, ver.Entries)
		}
		seen := map[string]bool{}
		for _, rec := range recs[1:] {
			if seen[rec[0]] {
				t.Errorf("entry %s exported twice", rec[0])
			}
			seen[rec[0]] = true
		}
		if len(recs) > 1 && (recs[1][5] != "retention.purge_run" || recs[1][6] != "Gallring körd" || recs[1][9] != "Gallringskörning 1007") {
			t.Errorf("newest exported row: %q", recs[1])
		}
		m := c.get("/audit.csv?action=membership.")
		mrecs, _ := csv.NewReader(strings.NewReader(m.Body)).ReadAll()
		if len(mrecs) < 2 {
			t.Fatalf("filtered export: %d rows", len(mrecs))
		}
		for _, rec := range mrecs[1:] {
			if !strings.HasPrefix(rec[5], "membership.") {
				t.Errorf("filtered export has %q", rec[5])
			}
		}
		// Tampering shows.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE audit_log SET action = 'x.tampered' WHERE org_id = ? AND seq = 2`, e.fx.Org.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "tampered audit", c.get("/audit").Body, "Kedjan är bruten")
	})
}

func TestLanguageSwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		mustContain(t, "sign-in page", c.get("/login").Body, `lang="sv"`, "Logga in")
		r := c.post("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
		if r.Status != http.StatusSeeOther || r.Location != "/login" {
			t.Fatalf("switch: %d %q", r.Status, r.Location)
		}
		mustContain(t, "English sign-in page", c.get("/login").Body, `lang="en"`, "Sign in")
		if r := c.post("/lang", url.Values{"lang": {"en"}, "next": {"//evil.example/"}}); r.Location != "/" {
			t.Errorf("open redirect: %q", r.Location)
		}
	})
}
