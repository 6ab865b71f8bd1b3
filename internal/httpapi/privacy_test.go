package httpapi

import (
	"testing"

	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/privacy"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestPrivacyAPI: the register, notices and sub-processors through the API,
// with the roles of each route; the public channel page shows the notice.
func TestPrivacyAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		eng := retention.New(db, orgpii.New(db), retention.Config{})
		priv := privacy.New(db, eng, privacy.Config{Clock: clock})
		eng.UseNotices(priv)
		e := newEnv(t, db, clock, func(c *Config) {
			c.Extra = append(c.Extra, RetentionRoutes(eng), PrivacyRoutes(priv))
			c.PolicyText = eng.PublicPolicyText
			c.OperatorToken = operatorToken
		})
		op := operatorToken
		e.run([]scenario{
			{name: "register defaults", method: "GET", path: "/api/v1/privacy/register", who: "editor", status: 200, want: []string{`"kind":"public_authority"`, `"version":0`}},
			{name: "editor may not change", method: "PATCH", path: "/api/v1/privacy/register", who: "editor", body: map[string]any{"kind": "company"}, status: 403},
			{name: "bad basis", method: "PATCH", path: "/api/v1/privacy/register", who: "admin", body: map[string]any{"module": map[string]any{"module": "forum", "basis": "because"}}, status: 400, want: []string{"legal basis"}},
			{name: "set controller", method: "PATCH", path: "/api/v1/privacy/register", who: "admin",
				body: map[string]any{"controller": map[string]any{"org_number": "212000-0000", "dpo_email": "dso@alfa.example"}}, status: 200, want: []string{`"version":1`, `"org_number":"212000-0000"`}},
			{name: "notice sv", method: "GET", path: "/api/v1/channels/{forum}/notice?lang=sv", who: "editor", status: 200, want: []string{"allmänt intresse", "org.nr 212000-0000", "IMY"}},
			{name: "notice en", method: "GET", path: "/api/v1/channels/{forum}/notice?lang=en", who: "editor", status: 200, want: []string{"public interest", "Posts and comments are kept for at most 3 years"}},
			{name: "notice of a channel the editor is not on", method: "GET", path: "/api/v1/channels/{chat}/notice", who: "editor", status: 403},
			{name: "notice other org", method: "GET", path: "/api/v1/channels/{forum}/notice", who: "other", status: 404},
			{name: "knowledge has none", method: "GET", path: "/api/v1/channels/{knowledge}/notice", who: "admin", status: 422},
			{name: "old policy-text route answers the notice", method: "GET", path: "/api/v1/channels/{forum}/policy-text?lang=sv", who: "editor", status: 200, want: []string{"Rättslig grund"}},
			{name: "public page shows the notice", method: "GET", path: "/api/v1/public/channels/{chat}", who: "none", status: 200, want: []string{"personuppgiftsansvarig", "i högst 30 dagar"}},
			{name: "change retention", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "1y", "action": "delete"}, status: 200},
			{name: "notice follows", method: "GET", path: "/api/v1/channels/{forum}/notice?lang=en", who: "editor", status: 200, want: []string{"kept for at most 1 year. After that they are deleted."}},
			{name: "versions", method: "GET", path: "/api/v1/channels/{forum}/notice/versions", who: "editor", status: 200, want: []string{`"valid_to":`, "at most 3 years", "at most 1 year"}},
			{name: "records need admin", method: "GET", path: "/api/v1/privacy/records", who: "editor", status: 403},
			{name: "records", method: "GET", path: "/api/v1/privacy/records", who: "admin", status: 200, want: []string{`"basis":"public_task"`, `"ip_address"`}},
			{name: "art30", method: "GET", path: "/api/v1/privacy/art30", who: "admin", status: 200, want: []string{`"settings_version":"1-`, `"generated_at"`}},
			{name: "operator adds a US processor without mechanism", method: "POST", path: "/api/v1/operator/subprocessors", who: op,
				body: map[string]any{"name": "Mailer Inc", "service": "outbound mail", "country": "US"}, status: 201, want: []string{`"flagged":true`}},
			{name: "staff token refused on the operator route", method: "POST", path: "/api/v1/operator/subprocessors", who: "admin", body: map[string]any{"name": "X", "service": "x", "country": "SE"}, status: 401},
			{name: "bad mechanism", method: "POST", path: "/api/v1/operator/subprocessors", who: op, body: map[string]any{"name": "X", "service": "x", "country": "DE", "mechanism": "dpf"}, status: 400},
			{name: "organisation sees the change", method: "GET", path: "/api/v1/privacy/subprocessors", who: "editor", status: 200, want: []string{`"changed":true`, `"Mailer Inc"`}},
			{name: "editor may not acknowledge", method: "POST", path: "/api/v1/privacy/subprocessors/acknowledge", who: "editor", status: 403},
			{name: "admin acknowledges", method: "POST", path: "/api/v1/privacy/subprocessors/acknowledge", who: "admin", status: 204},
			{name: "banner gone", method: "GET", path: "/api/v1/privacy/subprocessors", who: "editor", status: 200, want: []string{`"changed":false`}},
			{name: "other org still notified", method: "GET", path: "/api/v1/privacy/subprocessors", who: "other", status: 200, want: []string{`"changed":true`}},
		})
	})
}
