package httpapi

import (
	"context"
	"strconv"
	"testing"

	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// TestRequestPreviewAndHoldWaitAPI covers the rules of the two-step
// request and of erasures under legal holds, over the API: a preview
// stores nothing and needs the same rights as the request; a confirmation
// whose preview no longer holds is refused with the fresh numbers; an
// erasure that meets a hold waits on it (listed, receipt says so) and
// finishes when the hold is released.
func TestRequestPreviewAndHoldWaitAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		eng := retention.New(db, orgpii.New(db), retention.Config{})
		e := newEnv(t, db, clock, func(c *Config) { c.Extra = append(c.Extra, RetentionRoutes(eng)) })
		eraseAll := `{"kind":"erase","email":"` + custEmail + `",` + attest
		e.run([]scenario{
			{name: "preview of an export counts per channel", method: "POST", path: "/api/v1/requests/preview", who: "admin",
				body: `{"kind":"export","email":"` + custEmail + `"}`, status: 200,
				want: []string{`"person_found":true`, `"channel_id":{forum}`, `"module":"forum","items":1`, `"fingerprint":"`}, notWant: []string{custEmail}},
			{name: "preview needs the rights of the request", method: "POST", path: "/api/v1/requests/preview", who: "editor",
				body: `{"kind":"erase","email":"` + custEmail + `"}`, status: 403, want: []string{"missing_channel_ids"}},
			{name: "preview checks the input", method: "POST", path: "/api/v1/requests/preview", who: "admin",
				body: `{"kind":"delete","email":"` + custEmail + `"}`, status: 400},
			{name: "preview of an unknown person", method: "POST", path: "/api/v1/requests/preview", who: "admin",
				body: `{"kind":"export","email":"nobody@example.se"}`, status: 200, want: []string{`"person_found":false`, `"items":0`}},
			{name: "a preview stores nothing", method: "GET", path: "/api/v1/requests", who: "admin", status: 200, want: []string{`"items":[]`}},
			{name: "hold the customer's topic", method: "PUT", path: "/api/v1/holds/forum_topic/{topic}", who: "admin", body: map[string]any{"reason": "Tvist"}, status: 200},
			{name: "preview of the erasure shows what the hold keeps", method: "POST", path: "/api/v1/requests/preview", who: "admin",
				body: `{"kind":"erase","email":"` + custEmail + `"}`, status: 200,
				want: []string{`"held_items":[{"subject_type":"forum_topic","subject_id":{topic},"channel_id":{forum}}]`, `"held":1`, `"person_data":true`}},
			{name: "a stale confirmation is refused with the fresh preview", method: "POST", path: "/api/v1/requests", who: "admin",
				body: eraseAll + `,"preview_fingerprint":"0000000000000000"}`, status: 409, want: []string{`"reason_code":"preview_stale"`, `"preview":{`, `"held":1`}},
			{name: "nothing was stored", method: "GET", path: "/api/v1/requests", who: "admin", status: 200, want: []string{`"items":[]`}},
		})
		fp := e.do("POST", "/api/v1/requests/preview", "admin", `{"kind":"erase","email":"`+custEmail+`"}`, nil).JSON(t)["fingerprint"].(string)
		res := e.do("POST", "/api/v1/requests", "admin", eraseAll+`,"preview_fingerprint":"`+fp+`"}`, nil)
		if res.Status != 201 {
			t.Fatalf("confirmed erasure: %d %s", res.Status, res.Body)
		}
		id := strconv.FormatInt(int64(res.JSON(t)["id"].(float64)), 10)
		e.run([]scenario{
			{name: "the erasure waits on the hold", method: "GET", path: "/api/v1/requests/" + id, who: "admin", status: 200,
				want: []string{`"status":"waiting_on_hold"`, `"items":[{"subject_type":"forum_topic","subject_id":{topic}`, `"retained_legal_hold":1`, `"overdue":false`}, notWant: []string{custEmail}},
			{name: "the overview lists it", method: "GET", path: "/api/v1/requests?status=waiting_on_hold", who: "admin", status: 200, want: []string{`"id":` + id}},
			{name: "the receipt says what waits", method: "GET", path: "/api/v1/requests/" + id + "/receipt?lang=en&format=text", who: "admin", status: 200,
				want: []string{"legal hold", "erased automatically when the hold is released"}},
			{name: "a waiting request cannot be cancelled", method: "POST", path: "/api/v1/requests/" + id + "/cancel", who: "admin", body: `{"reason":"x"}`, status: 409},
			{name: "release the hold", method: "DELETE", path: "/api/v1/holds/forum_topic/{topic}", who: "admin", status: 204},
		})
		// What the job runner does on its next run (queued by the release).
		if _, err := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir()}).ProcessPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c := e.do("GET", "/api/v1/requests/"+id, "admin", nil, nil).JSON(t)["counts"].(map[string]any); c["retained_legal_hold"] != nil {
			t.Fatalf("still reports items kept under a hold: %v", c)
		}
		e.run([]scenario{
			{name: "the erasure finished after the release", method: "GET", path: "/api/v1/requests/" + id, who: "admin", status: 200,
				want: []string{`"status":"completed"`, `"email_retained":false`, `"finished_at":"`, `"forum_posts_deleted":1`}},
			{name: "the receipt says what was erased later", method: "GET", path: "/api/v1/requests/" + id + "/receipt?lang=sv", who: "admin", status: 200,
				want: []string{`"erased_later":[`, `"erased_later_at":"`, "Bevarandet har upphört"}},
			{name: "no longer listed as waiting", method: "GET", path: "/api/v1/requests?status=waiting_on_hold", who: "admin", status: 200, want: []string{`"items":[]`}},
		})
	})
}
