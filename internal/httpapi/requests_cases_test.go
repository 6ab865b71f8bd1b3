package httpapi

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

func init() {
	tenantCases["POST /api/v1/requests/{id}/refuse"] = []tenantCase{{path: "/api/v1/requests/{conv}/refuse", body: `{"reason":"x"}`}}
	tenantCases["POST /api/v1/requests/{id}/assign"] = []tenantCase{{path: "/api/v1/requests/{conv}/assign", body: `{"assignee_id":0}`}}
	tenantCases["GET /api/v1/requests/{id}/notes"] = []tenantCase{{path: "/api/v1/requests/{conv}/notes"}}
	tenantCases["POST /api/v1/requests/{id}/notes"] = []tenantCase{{path: "/api/v1/requests/{conv}/notes", body: `{"body":"x"}`}}
	tenantCases["GET /api/v1/requests/{id}/letter"] = []tenantCase{{path: "/api/v1/requests/{conv}/letter?kind=refusal"}}
}

// TestRequestCaseRules: references, Idempotency-Key, reasons for cancel
// and refusal with the Art. 12(4) letter, no extension after the due date,
// late completion recorded, assignee and notes, list filters.
func TestRequestCaseRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		body := `{"kind":"export","email":"` + custEmail + `",` + attest + `}`
		key := map[string]string{"Idempotency-Key": "retry-1"}
		first := e.do("POST", "/api/v1/requests", "admin", body, key)
		if first.Status != 201 {
			t.Fatalf("create: %d %s", first.Status, first.Body)
		}
		r1 := first.JSON(t)
		id := strconv.FormatInt(int64(r1["id"].(float64)), 10)
		ref, _ := r1["reference"].(string)
		if ref != "DSR-"+strconv.Itoa(clock.Now().Year())+"-0001" {
			t.Fatalf("reference %q", ref)
		}
		again := e.do("POST", "/api/v1/requests", "admin", body, key)
		if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || int64(again.JSON(t)["id"].(float64)) != int64(r1["id"].(float64)) {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		// A second request, received and left open (not processed).
		tk := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir()})
		in := takeout.NewRequest{Kind: gallra.RequestExport, Email: "annan@example.se", Modules: []gallra.Module{gallra.ModuleForum},
			Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodEmailReply}
		open, err := tk.Create(context.Background(), e.a.Admin, in)
		if err != nil {
			t.Fatal(err)
		}
		oid := strconv.FormatInt(open.ID, 10)
		e.run([]scenario{
			{name: "list holds two requests, not three", method: "GET", path: "/api/v1/requests?reference=DSR", who: "admin", status: 200, want: []string{ref, "-0002"}},
			{name: "filter by reference", method: "GET", path: "/api/v1/requests?reference=0002", who: "admin", status: 200, want: []string{"-0002"}, notWant: []string{ref}},
			{name: "cancel needs a reason", method: "POST", path: "/api/v1/requests/" + id + "/cancel", who: "admin", body: `{"reason":" "}`, status: 400, want: []string{"reason_required"}},
			{name: "assign to the editor", method: "POST", path: "/api/v1/requests/" + oid + "/assign", who: "admin", body: `{"assignee_id":` + strconv.FormatInt(e.a.Admin.ID, 10) + `}`, status: 200, want: []string{`"assignee_id":`}},
			{name: "filter unassigned", method: "GET", path: "/api/v1/requests?assignee=none", who: "admin", status: 200, want: []string{ref}, notWant: []string{"-0002"}},
			{name: "add a note", method: "POST", path: "/api/v1/requests/" + oid + "/notes", who: "admin", body: `{"body":"Ringde personen"}`, status: 201},
			{name: "read notes", method: "GET", path: "/api/v1/requests/" + oid + "/notes", who: "admin", status: 200, want: []string{"Ringde personen"}},
			{name: "no refusal letter before a refusal", method: "GET", path: "/api/v1/requests/" + oid + "/letter?kind=refusal", who: "admin", status: 409, want: []string{"no_letter"}},
			{name: "refuse with a reason", method: "POST", path: "/api/v1/requests/" + oid + "/refuse", who: "admin", body: `{"reason":"Samma begäran för tredje gången i dag"}`, status: 200,
				want: []string{`"status":"refused"`, "tredje gången"}},
			{name: "the refusal letter", method: "GET", path: "/api/v1/requests/" + oid + "/letter?kind=refusal&lang=sv", who: "admin", status: 200,
				want: []string{"artikel 12.4", "tredje gången", "Integritetsskyddsmyndigheten"}, notWant: []string{"annan@example.se"}},
		})
		// A request received now, looked at after its due date: no
		// extension, and a late completion stays recorded as late.
		in.Email = "sen@example.se"
		late, err := tk.Create(context.Background(), e.a.Admin, in)
		if err != nil {
			t.Fatal(err)
		}
		lid := strconv.FormatInt(late.ID, 10)
		clock.Advance(32 * 24 * time.Hour)
		e.run([]scenario{
			{name: "no extension after the due date", method: "POST", path: "/api/v1/requests/" + lid + "/extend", who: "admin", body: `{"months":1,"reason":"for sent"}`,
				status: 422, want: []string{"deadline_passed"}},
			{name: "still overdue", method: "GET", path: "/api/v1/requests/" + lid, who: "admin", status: 200, want: []string{`"overdue":true`, `"extended_months":0`}},
		})
		done, err := tk.Process(context.Background(), e.a.Org.ID, late.ID)
		if err != nil || !done.CompletedLate {
			t.Fatalf("late completion not recorded as late: %+v %v", done, err)
		}
	})
}

// TestStoredRequestIsTheAnswer: when the export cannot be written (the
// artefact folder is unusable), the request was stored: the answer names
// it (201, status failed) and a retry with the same key makes no duplicate.
func TestStoredRequestIsTheAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		dir := filepath.Join(t.TempDir(), "file-not-folder")
		if err := os.WriteFile(dir, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, db, clock, func(c *Config) { c.Takeout = takeout.New(db, c.Logger, takeout.Config{ArtefactDir: dir}) })
		body := `{"kind":"export","email":"` + custEmail + `",` + attest + `}`
		key := map[string]string{"Idempotency-Key": "k-42"}
		res := e.do("POST", "/api/v1/requests", "admin", body, key)
		if res.Status != 201 {
			t.Fatalf("create with an unusable artefact folder: %d %s", res.Status, res.Body)
		}
		r := res.JSON(t)
		if r["status"] != "failed" || r["id"] == nil || r["reference"] == "" {
			t.Fatalf("answer: %s", res.Body)
		}
		again := e.do("POST", "/api/v1/requests", "admin", body, key)
		if again.Status != 201 || again.JSON(t)["id"] != r["id"] {
			t.Fatalf("retry: %d %s", again.Status, again.Body)
		}
		list := e.do("GET", "/api/v1/requests", "admin", nil, nil).JSON(t)
		if n := len(list["items"].([]any)); n != 1 {
			t.Fatalf("%d requests stored, want 1", n)
		}
	})
}
