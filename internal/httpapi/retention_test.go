package httpapi

import (
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestRetentionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		eng := retention.New(db, orgpii.New(db), retention.Config{Caps: gallra.Caps{gallra.ModuleChat: {N: 1, Unit: gallra.Months}}})
		e := newEnv(t, db, clock, func(c *Config) {
			c.Extra = append(c.Extra, RetentionRoutes(eng))
			c.PolicyText = eng.PublicPolicyText
		})
		e.run([]scenario{
			{name: "shipped forum default", method: "GET", path: "/api/v1/channels/{forum}/retention", who: "editor", status: 200,
				want: []string{`"period":"3y"`, `"action":"anonymize"`, `"source":"shipped"`}},
			{name: "editor of another channel", method: "GET", path: "/api/v1/channels/{chat}/retention", who: "editor", status: 403},
			{name: "other organisation's channel", method: "GET", path: "/api/v1/channels/{forum}/retention", who: "other", status: 404},
			{name: "social has no policy", method: "GET", path: "/api/v1/channels/{social}/retention", who: "admin", status: 422, want: []string{"external platform"}},
			{name: "editor may not set", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "editor", body: map[string]any{"period": "1y", "action": "delete"}, status: 403},
			{name: "malformed period", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "soon"}, status: 400},
			{name: "chat over cap", method: "PUT", path: "/api/v1/channels/{chat}/retention", who: "admin", body: map[string]any{"period": "2m"}, status: 422, want: []string{"caps chat retention at 1m"}},
			{name: "mail anonymize refused", method: "PUT", path: "/api/v1/channels/{mail}/retention", who: "admin", body: map[string]any{"period": "1y", "action": "anonymize"}, status: 422, want: []string{"only the action delete"}},
			{name: "dry run previews without saving", method: "PUT", path: "/api/v1/channels/{forum}/retention?dry_run=true", who: "admin", body: map[string]any{"period": "1d", "action": "delete"}, status: 200,
				want: []string{`"proposed":true`, `"due_now":{"count":0`}},
			{name: "set forum policy", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "1y", "action": "anonymize"}, status: 200,
				want: []string{`"period":"1y"`, `"source":"channel"`}},
			{name: "policy text sv", method: "GET", path: "/api/v1/channels/{forum}/policy-text?lang=sv", who: "editor", status: 200, want: []string{"i högst 1 år."}},
			{name: "policy text en", method: "GET", path: "/api/v1/channels/{forum}/policy-text?lang=en", who: "editor", status: 200, want: []string{"for at most 1 year."}},
			{name: "policy text bad lang", method: "GET", path: "/api/v1/channels/{forum}/policy-text?lang=de", who: "admin", status: 400},
			// Keeping data longer needs a reason (kept, audited).
			{name: "longer without a reason", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "2y", "action": "anonymize"}, status: 422,
				want: []string{"keeps data longer", `"reason":"retention_reason_required"`}},
			{name: "never with a reason", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "never", "reason": "Utredning pågår"}, status: 200, want: []string{`"period":"never"`}},
			{name: "back to 1y needs no reason", method: "PUT", path: "/api/v1/channels/{forum}/retention", who: "admin", body: map[string]any{"period": "1y", "action": "anonymize"}, status: 200, want: []string{`"period":"1y"`}},
			{name: "mail default never without a reason", method: "PUT", path: "/api/v1/retention/defaults", who: "admin", body: map[string]any{"module": "mail", "period": "never"}, status: 422, want: []string{"keeps data longer"}},
			{name: "public channel shows policy text", method: "GET", path: "/api/v1/public/channels/{chat}", who: "none", status: 200, want: []string{"i högst 30 dagar efter att chatten avslutats"}},
			{name: "defaults with caps", method: "GET", path: "/api/v1/retention/defaults", who: "editor", status: 200, want: []string{`"caps":{"chat":"1m"}`, `"module":"mail"`}},
			{name: "set mail default", method: "PUT", path: "/api/v1/retention/defaults", who: "admin", body: map[string]any{"module": "mail", "period": "6m", "action": "delete"}, status: 200, want: []string{`"period":"6m"`, `"source":"organisation"`}},
			{name: "knowledge default refused", method: "PUT", path: "/api/v1/retention/defaults", who: "admin", body: map[string]any{"module": "knowledge", "period": "6m"}, status: 422},
			{name: "hold a topic", method: "PUT", path: "/api/v1/holds/forum_topic/{topic}", who: "editor", body: map[string]any{"reason": "Tvist"}, status: 200, want: []string{`"subject_id":{topic}`, `"reason":"Tvist"`}},
			{name: "hold another org's topic", method: "PUT", path: "/api/v1/holds/forum_topic/{topic}", who: "other", body: map[string]any{"reason": "x"}, status: 404},
			{name: "hold bad subject type", method: "PUT", path: "/api/v1/holds/person/{person}", who: "admin", body: map[string]any{"reason": "x"}, status: 400},
			{name: "hold chat as non-member editor", method: "PUT", path: "/api/v1/holds/chat_conversation/{chatid}", who: "editor", body: map[string]any{"reason": "x"}, status: 403},
			{name: "list holds", method: "GET", path: "/api/v1/holds", who: "admin", status: 200, want: []string{`"subject_type":"forum_topic"`}},
			{name: "other org sees no holds", method: "GET", path: "/api/v1/holds", who: "other", status: 200, want: []string{`{"holds":[]}`}},
		})
		// Years pass: the held topic survives the purge, the mail goes.
		clock.Advance(3 * 365 * 24 * time.Hour)
		if _, err := eng.Run(t.Context(), retention.RunOptions{Trigger: "api"}); err != nil {
			t.Fatal(err)
		}
		e.run([]scenario{
			{name: "preview shows the held topic", method: "GET", path: "/api/v1/channels/{forum}/retention/preview", who: "editor", status: 200, want: []string{`"held":{"count":1,"ids":[{post}]}`}},
			{name: "purge runs", method: "GET", path: "/api/v1/purge-runs", who: "admin", status: 200, want: []string{`"status":"done"`, `"skipped_hold":1`, `"deleted":1`}},
			{name: "purge runs need admin", method: "GET", path: "/api/v1/purge-runs", who: "editor", status: 403},
			{name: "release the hold", method: "DELETE", path: "/api/v1/holds/forum_topic/{topic}", who: "editor", status: 204},
			{name: "release again", method: "DELETE", path: "/api/v1/holds/forum_topic/{topic}", who: "editor", status: 404},
			// Someone else's hold: an administrator, with a reason.
			{name: "admin holds the topic", method: "PUT", path: "/api/v1/holds/forum_topic/{topic}", who: "admin", body: map[string]any{"reason": "Tvist"}, status: 200},
			{name: "editor may not release the admin's hold", method: "DELETE", path: "/api/v1/holds/forum_topic/{topic}", who: "editor", status: 403, want: []string{"only an administrator"}},
			{name: "editor may not, with a reason either", method: "POST", path: "/api/v1/holds/forum_topic/{topic}/release", who: "editor", body: map[string]any{"reason": "Klar"}, status: 403},
			{name: "other organisation", method: "POST", path: "/api/v1/holds/forum_topic/{topic}/release", who: "other", body: map[string]any{"reason": "Klar"}, status: 404},
			{name: "admin releases own hold", method: "POST", path: "/api/v1/holds/forum_topic/{topic}/release", who: "admin", body: map[string]any{"reason": ""}, status: 204},
			{name: "mail conversation purged", method: "GET", path: "/api/v1/channels/{mail}/retention/preview", who: "admin", status: 200, want: []string{`"due_now":{"count":0`}},
			// The counts kept by the run: still the held topic (released
			// since), without ids, marked cached.
			{name: "cached preview keeps the run's counts", method: "GET", path: "/api/v1/channels/{forum}/retention/preview?cached=true", who: "editor", status: 200,
				want: []string{`"held":{"count":1,"ids":[],"truncated":true}`, `"cached":true`}},
			{name: "exact preview counts now", method: "GET", path: "/api/v1/channels/{forum}/retention/preview", who: "editor", status: 200, want: []string{`"held":{"count":0`}},
			{name: "cached preview of another org's channel", method: "GET", path: "/api/v1/channels/{forum}/retention/preview?cached=true", who: "other", status: 404},
		})
	})
}
