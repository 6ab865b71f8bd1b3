package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func init() {
	// Organisation B names ids of A's objects; B has no request with them.
	for _, p := range []string{"GET /api/v1/requests/{id}", "GET /api/v1/requests/{id}/artefact", "GET /api/v1/requests/{id}/receipt"} {
		tenantCases[p] = []tenantCase{{path: "/api/v1/requests/{conv}"}}
	}
	tenantCases["POST /api/v1/requests/{id}/extend"] = []tenantCase{{path: "/api/v1/requests/{conv}/extend", body: `{"months":1,"reason":"x"}`}}
	tenantCases["POST /api/v1/requests/{id}/cancel"] = []tenantCase{{path: "/api/v1/requests/{conv}/cancel", body: `{"reason":"x"}`}}
	tenantCases["POST /api/v1/requests/{id}/process"] = []tenantCase{{path: "/api/v1/requests/{conv}/process"}}
}

const attest = `"attestation":"Vi har bekräftat personens identitet.","verification_method":"email_reply"`

func TestRequestsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		e.run([]scenario{
			{name: "editor lacking chat and social gets 403 with the list", method: "POST", path: "/api/v1/requests", who: "editor",
				body: `{"kind":"erase","email":"` + custEmail + `",` + attest + `}`, status: 403, want: []string{"missing_channel_ids", "{chat}", "{social}"}},
			{name: "missing attestation is 422", method: "POST", path: "/api/v1/requests", who: "admin",
				body: `{"kind":"erase","email":"` + custEmail + `","verification_method":"phone_call"}`, status: 422, want: []string{"accepted_statements"}},
			{name: "bad kind is 400", method: "POST", path: "/api/v1/requests", who: "admin",
				body: `{"kind":"delete","email":"` + custEmail + `",` + attest + `}`, status: 400},
			{name: "nothing was stored", method: "GET", path: "/api/v1/requests", who: "admin", status: 200, want: []string{`"items":[]`}},
			{name: "editor export of forum and mail", method: "POST", path: "/api/v1/requests", who: "editor",
				body: `{"kind":"export","email":" KUND.Karlsson@example.se ","modules":["forum","mail"],"channel_ids":[{forum},{mail}],` + attest + `}`, status: 201,
				want: []string{`"status":"completed"`, `"forum_posts":1`, `"overdue":false`}, notWant: []string{custEmail}},
		})
		list := e.do("GET", "/api/v1/requests", "admin", nil, nil).JSON(t)
		items := list["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("list: %v", list)
		}
		id := strconv.FormatInt(int64(items[0].(map[string]any)["id"].(float64)), 10)
		res := e.do("GET", "/api/v1/requests/"+id+"/artefact", "editor", nil, nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("artefact: %d %s", res.Status, res.Body)
		}
		if _, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body))); err != nil {
			t.Fatalf("artefact is not a zip: %v", err)
		}
		e.run([]scenario{
			{name: "receipt as text in Swedish", method: "GET", path: "/api/v1/requests/" + id + "/receipt?lang=sv&format=text", who: "admin", status: 200,
				want: []string{"Bekräftelse på registerutdrag"}, notWant: []string{custEmail}},
			{name: "receipt as JSON in English", method: "GET", path: "/api/v1/requests/" + id + "/receipt?lang=en", who: "admin", status: 200,
				want: []string{`"language":"en"`, "Confirmation of data export"}},
			{name: "other organisation gets 404", method: "GET", path: "/api/v1/requests/" + id, who: "other", status: 404},
			{name: "completed request cannot be extended", method: "POST", path: "/api/v1/requests/" + id + "/extend", who: "admin",
				body: `{"months":1,"reason":"busy"}`, status: 409},
			{name: "erase everything as admin", method: "POST", path: "/api/v1/requests", who: "admin",
				body: `{"kind":"erase","email":"` + custEmail + `",` + attest + `}`, status: 201,
				want: []string{`"status":"completed"`, `"person_deleted":1`, `"email_retained":false`}},
			{name: "filter by kind", method: "GET", path: "/api/v1/requests?kind=erase", who: "admin", status: 200, want: []string{`"kind":"erase"`}, notWant: []string{`"kind":"export"`}},
			{name: "editor does not see the erase request spanning chat and social", method: "GET", path: "/api/v1/requests?kind=erase", who: "editor", status: 200, want: []string{`"items":[]`}},
		})
		// Re-running: same rights as reading; a completed request is returned unchanged.
		erase := e.do("GET", "/api/v1/requests?kind=erase", "admin", nil, nil).JSON(t)["items"].([]any)[0].(map[string]any)
		eid := strconv.FormatInt(int64(erase["id"].(float64)), 10)
		e.run([]scenario{
			{name: "re-run a completed request", method: "POST", path: "/api/v1/requests/" + id + "/process", who: "editor", status: 200, want: []string{`"status":"completed"`}},
			{name: "editor may not re-run a request beyond their channels", method: "POST", path: "/api/v1/requests/" + eid + "/process", who: "editor", status: 403,
				want: []string{"missing_channel_ids"}},
			{name: "unknown request", method: "POST", path: "/api/v1/requests/999999/process", who: "admin", status: 404},
		})
		if _, err := db.FindPerson(context.Background(), e.a.Org.ID, custEmail); err == nil {
			t.Fatal("person still exists after the erase request")
		}
	})
}
