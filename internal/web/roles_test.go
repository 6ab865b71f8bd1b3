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
		if a, _ := db.ListAudit(ctx, e.fx.Org.ID, store.AuditFilter{Action: "retention.policy_set"}); len(a) != 0 {
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
