package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestRolesSameInAPIAndUI performs the same operation through the JSON API
// (bearer token) and through the admin UI (session) as the same staff user
// and checks both answer the same: refused with the same status, or done.
// The rule lives once, in the services (docs/roles.md).
func TestRolesSameInAPIAndUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		fx := e.fx
		long := strings.Repeat("a", 101)
		ids := strings.NewReplacer(
			"{chat}", fmt.Sprint(fx.Channels[gallra.ModuleChat].ID),
			"{editor}", fmt.Sprint(fx.Editor.ID),
			"{admin}", fmt.Sprint(fx.Admin.ID))
		type call struct {
			method, path string
			body         string // JSON for the API, a URL-encoded form for the UI
		}
		tests := []struct {
			name string
			who  *gallra.Staff
			api  call
			ui   call
			want int // the status both answer; 0: done (2xx or a redirect)
		}{
			{"editor lists staff", fx.Editor, call{"GET", "/api/v1/staff", ""}, call{"GET", "/admin", ""}, http.StatusForbidden},
			{"editor creates a channel", fx.Editor, call{"POST", "/api/v1/channels", `{"module":"forum","name":"X"}`}, call{"POST", "/admin/channels", "module=forum&name=X"}, http.StatusForbidden},
			{"editor joins a channel", fx.Editor, call{"PUT", "/api/v1/channels/{chat}/members/{editor}", ""}, call{"POST", "/admin/staff/{editor}/members", "channel={chat}"}, http.StatusForbidden},
			{"editor invites staff", fx.Editor, call{"POST", "/api/v1/staff", `{"name":"Ny","email":"ny@example.se","role":"editor"}`}, call{"POST", "/admin/staff", "name=Ny&email=ny%40example.se&role=editor"}, http.StatusForbidden},
			{"editor reads the audit log", fx.Editor, call{"GET", "/api/v1/audit", ""}, call{"GET", "/audit", ""}, http.StatusForbidden},
			{"editor opens a channel they are not an editor of", fx.Editor, call{"GET", "/api/v1/channels/{chat}/chats", ""}, call{"GET", "/settings/channels/{chat}", ""}, http.StatusForbidden},
			{"editor reads a channel they are not an editor of", fx.Editor, call{"GET", "/api/v1/channels/{chat}", ""}, call{"GET", "/settings/channels/{chat}", ""}, http.StatusForbidden},
			{"admin deactivates themselves", fx.Admin, call{"PATCH", "/api/v1/staff/{admin}", `{"active":false}`}, call{"POST", "/admin/staff/{admin}/active", "active=false"}, http.StatusUnprocessableEntity},
			{"admin reads the audit log", fx.Admin, call{"GET", "/api/v1/audit", ""}, call{"GET", "/audit", ""}, 0},
			{"admin filters the audit log by a too long action", fx.Admin, call{"GET", "/api/v1/audit?action=" + long, ""}, call{"GET", "/audit?action=" + long, ""}, http.StatusBadRequest},
			{"admin creates a channel", fx.Admin, call{"POST", "/api/v1/channels", `{"module":"forum","name":"Från API"}`}, call{"POST", "/admin/channels", "module=forum&name=Fr%C3%A5n+UI"}, 0},
		}
		outcome := func(status int) int {
			if status < 400 {
				return 0
			}
			return status
		}
		tokens := map[int64]string{fx.Admin.ID: fx.AdminToken, fx.Editor.ID: fx.EditorToken}
		// One signed-in browser per staff user (sign-in is rate limited).
		clients := map[int64]*client{}
		for _, s := range []*gallra.Staff{fx.Admin, fx.Editor} {
			clients[s.ID] = e.client()
			clients[s.ID].login(s.Email)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := clients[tc.who.ID]
				c.t = t
				hdr := map[string]string{"Authorization": "Bearer " + tokens[tc.who.ID], "Content-Type": "application/json"}
				var api resp
				if tc.api.body != "" {
					api = c.doRaw(tc.api.method, ids.Replace(tc.api.path), ids.Replace(tc.api.body), hdr)
				} else {
					api = c.do(tc.api.method, ids.Replace(tc.api.path), nil, hdr)
				}
				var ui resp
				if tc.ui.method == "GET" {
					ui = c.get(ids.Replace(tc.ui.path))
				} else {
					form, err := url.ParseQuery(ids.Replace(tc.ui.body))
					if err != nil {
						t.Fatal(err)
					}
					ui = c.post(ids.Replace(tc.ui.path), form)
				}
				if outcome(api.Status) != tc.want || outcome(ui.Status) != tc.want {
					t.Errorf("API answered %d, UI %d; want both %d (0: done)\nAPI: %.300s\nUI: %.300s", api.Status, ui.Status, tc.want, api.Body, ui.Body)
				}
			})
		}
	})
}

// doRaw is do with a raw request body.
func (c *client) doRaw(method, path, body string, hdr map[string]string) resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp{Status: res.StatusCode, Body: b.String(), Location: res.Header.Get("Location"), Header: res.Header}
}

// TestRetentionRuleSameInAPIAndUI changes a channel's retention setting
// through the JSON API and through the web UI, as an editor of the channel
// and as an admin: both transports obey the one rule (administrators only,
// docs/roles.md), and a refused change stores nothing.
func TestRetentionRuleSameInAPIAndUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		forum := e.fx.Channels[gallra.ModuleForum].ID
		id := strconv.FormatInt(forum, 10)
		api := func(token, body string) int {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/api/v1/channels/"+id+"/retention", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		ui := func(email string, form url.Values) int {
			t.Helper()
			c := e.client()
			c.login(email)
			return c.post("/settings/channels/"+id, form).Status
		}
		oneDay := url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"d"}, "action": {"delete"}, "expect": {"99"}, "confirm": {"yes"}}
		never := url.Values{"mode": {"own"}, "keep": {"never"}, "expect": {"0"}, "confirm": {"yes"}}
		cases := []struct {
			name      string
			transport func() int
			want      int
		}{
			{"editor via API, one day", func() int { return api(e.fx.EditorToken, `{"period":"1d","action":"delete"}`) }, http.StatusForbidden},
			{"editor via UI, one day", func() int { return ui(e.fx.Editor.Email, oneDay) }, http.StatusForbidden},
			{"editor via UI, never", func() int { return ui(e.fx.Editor.Email, never) }, http.StatusForbidden},
		}
		for _, tc := range cases {
			if got := tc.transport(); got != tc.want {
				t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
			}
			if r, err := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forum); err != nil || r.Source == "channel" {
				t.Fatalf("%s: the refused change was stored (%+v, %v)", tc.name, r, err)
			}
		}
		if a, _ := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: "retention.policy_set"}); len(a) != 0 {
			t.Errorf("refused changes audited: %d entries", len(a))
		}
		// The admin may, through either transport.
		if got := api(e.fx.AdminToken, `{"period":"2y","action":"anonymize"}`); got != http.StatusOK {
			t.Errorf("admin via API: %d", got)
		}
		if got := ui(e.fx.Admin.Email, url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}, "expect": {"99"}, "confirm": {"yes"}}); got != http.StatusSeeOther {
			t.Errorf("admin via UI: %d", got)
		}
		if r, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forum); r.Policy.String() != "anonymize after 1y" {
			t.Errorf("admin's setting: %s", r.Policy)
		}
	})
}
