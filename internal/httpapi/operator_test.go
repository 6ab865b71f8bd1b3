package httpapi

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

const operatorToken = "op_0123456789abcdef0123456789abcdef-test"

// TestOperatorAPI onboards an organisation and offboards another through the
// operator API: only the operator token opens it (an organisation's token is
// refused there, and the operator token on the staff API), a disabled
// organisation's staff get 403 and its public channels 404, and the
// deletion, confirmed by name, leaves the other organisation working.
func TestOperatorAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, func(c *Config) { c.OperatorToken = operatorToken })
		e.ids["orgA"], e.ids["orgB"] = e.a.Org.ID, e.b.Org.ID
		e.ids["forumB"] = e.b.Channels[gallra.ModuleForum].ID
		op := operatorToken
		list := "/api/v1/operator/organisations"
		e.run([]scenario{
			{name: "no token", method: "GET", path: list, status: 401, want: []string{"operator token is required"}},
			{name: "an organisation's admin token", method: "GET", path: list, who: "admin", status: 401, want: []string{"invalid operator token"}},
			{name: "another organisation's token", method: "POST", path: "/api/v1/operator/organisations/{orgA}/disable", who: "other", status: 401},
			{name: "operator token on the staff API", method: "GET", path: "/api/v1/me", who: op, status: 401},
			{name: "operator token on an admin route", method: "GET", path: "/api/v1/staff", who: op, status: 401},
			{name: "list", method: "GET", path: list, who: op, status: 200, want: []string{`"name":"Alfa"`, `"name":"Beta"`, `"status":"active"`, `"channels":5`}, notWant: []string{"@"}},
			{name: "create without admin", method: "POST", path: list, who: op, body: map[string]any{"name": "Gamma"}, status: 400, want: []string{"admin_email"}},
			{name: "create", method: "POST", path: list, who: op, body: map[string]any{"name": "Gamma Kommun", "language": "en", "admin_name": "Gamma Admin", "admin_email": "admin@gamma.example"},
				status: 201, want: []string{`"sign_in_link":"`, `/login/link/`, `"name":"Gamma Kommun"`, `"role":"admin"`, `"staff":1`}},
			{name: "get", method: "GET", path: list + "/{orgA}", who: op, status: 200, want: []string{`"status":"active"`, `"legal_holds":0`}},
			{name: "get unknown", method: "GET", path: list + "/999999", who: op, status: 404},
			{name: "delete active", method: "DELETE", path: list + "/{orgB}", who: op, body: map[string]any{"confirm": "Beta"}, status: 409, want: []string{"disable it"}},
			{name: "disable", method: "POST", path: list + "/{orgB}/disable", who: op, status: 200, want: []string{`"status":"disabled"`}},
			{name: "disabled organisation's token", method: "GET", path: "/api/v1/me", who: "other", status: 403, want: []string{"disabled"}},
			{name: "disabled organisation's public channel", method: "GET", path: "/api/v1/public/channels/{forumB}", status: 404},
			{name: "other organisation unaffected", method: "GET", path: "/api/v1/me", who: "admin", status: 200},
			{name: "enable", method: "POST", path: list + "/{orgB}/enable", who: op, status: 200, want: []string{`"status":"active"`}},
			{name: "enabled again", method: "GET", path: "/api/v1/me", who: "other", status: 200},
			{name: "disable again", method: "POST", path: list + "/{orgB}/disable", who: op, status: 200},
			{name: "delete unconfirmed", method: "DELETE", path: list + "/{orgB}", who: op, body: map[string]any{"confirm": "Alfa"}, status: 400, want: []string{"exact name"}},
			{name: "delete", method: "DELETE", path: list + "/{orgB}", who: op, body: map[string]any{"confirm": "Beta"}, status: 202, want: []string{`"status":"deleting"`}},
			{name: "enable while deleting", method: "POST", path: list + "/{orgB}/enable", who: op, status: 409},
			{name: "audit", method: "GET", path: "/api/v1/operator/audit?limit=10", who: op, status: 200,
				want: []string{"organisation.created", "organisation.disabled", "organisation.enabled", "organisation.deletion_started"}, notWant: []string{"@"}},
			{name: "verify", method: "GET", path: "/api/v1/operator/audit/verify", who: op, status: 200, want: []string{`"ok":true`}},
		})
		// The background job finishes the deletion.
		if n, err := e.srv.svc.Operator.ResumeDeletions(context.Background()); err != nil || n != 1 {
			t.Fatalf("resume: %d %v", n, err)
		}
		e.run([]scenario{
			{name: "deleted", method: "GET", path: list + "/{orgB}", who: op, status: 404},
			{name: "deleted organisation's token", method: "GET", path: "/api/v1/me", who: "other", status: 401},
			{name: "remaining organisation works", method: "GET", path: "/api/v1/channels", who: "admin", status: 200},
			{name: "deletion recorded", method: "GET", path: "/api/v1/operator/audit?limit=1", who: op, status: 200, want: []string{`"organisation.deleted"`, `"total_rows"`, `"next_before_seq"`}},
		})
	})
}

// TestOperatorAPIOff: without GALLRA_OPERATOR_TOKEN the operator API does
// not exist, whatever token is sent.
func TestOperatorAPIOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		e.run([]scenario{
			{name: "no token", method: "GET", path: "/api/v1/operator/organisations", status: 404},
			{name: "admin token", method: "GET", path: "/api/v1/operator/organisations", who: "admin", status: 404},
			{name: "would-be operator token", method: "POST", path: "/api/v1/operator/organisations/1/disable", who: operatorToken, status: 404},
		})
	})
	if _, err := New(Config{OperatorToken: "short"}); err == nil {
		t.Error("a short operator token was accepted")
	}
}
