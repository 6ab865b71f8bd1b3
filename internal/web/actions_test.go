package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// openRequest records a request without processing it (status received),
// as a large request waiting for its job would be.
func (e *env) openRequest(staff *gallra.Staff, modules ...gallra.Module) *gallra.SubjectRequest {
	e.t.Helper()
	r, err := e.tk.Create(context.Background(), staff, takeout.NewRequest{Kind: gallra.RequestExport, Email: subjectEmail, Modules: modules,
		Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall})
	if err != nil {
		e.t.Fatalf("create request: %v", err)
	}
	return r
}

// TestRequestExtendAndCancel extends a request's deadline and cancels it
// with plain form posts: both need the confirmation box, the extension its
// reason, and Art. 12(3)'s two months in total are enforced.
func TestRequestExtendAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Editor.Email)
		req := e.openRequest(e.fx.Editor, gallra.ModuleForum)
		path := "/requests/" + strconv.FormatInt(req.ID, 10)

		page := c.get(path)
		mustContain(t, "open request page", page.Body, "Förläng tidsfristen", "art. 12.3", `action="`+path+`/extend"`, `action="`+path+`/cancel"`,
			`name="months" value="2"`, "Ja, avsluta begäran "+req.Reference)

		// Without the confirmation: the page again, the message tied to
		// the box.
		r := c.post(path+"/extend", url.Values{"months": {"1"}, "reason": {"Många begäranden just nu"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("extend without confirmation: %d", r.Status)
		}
		mustContain(t, "unconfirmed extension", r.Body, "Kryssa i rutan", `id="extend-error"`, `Många begäranden just nu</textarea>`)
		if !regexp.MustCompile(`id="ext-confirm"[^>]*aria-describedby="extend-error"`).MatchString(r.Body) {
			t.Error("the confirmation error is not associated with the checkbox")
		}
		// Without a reason.
		r = c.post(path+"/extend", url.Values{"months": {"1"}, "reason": {"  "}, "confirm": {"yes"}})
		mustContain(t, "extension without reason", r.Body, "Skriv ett skäl")
		if !regexp.MustCompile(`id="ext-reason"[^>]*aria-describedby="ext-reason-help extend-error"`).MatchString(r.Body) {
			t.Error("the reason error is not associated with the reason field")
		}
		if got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, req.ID); got.ExtendedMonths != 0 {
			t.Fatal("a refused extension was saved")
		}

		// One month, then one more: the due date moves, the reason shows.
		r = c.post(path+"/extend", url.Values{"months": {"1"}, "reason": {"Komplicerad begäran"}, "confirm": {"yes"}})
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=request_extended" {
			t.Fatalf("extend: %d %q", r.Status, r.Location)
		}
		r = c.post(path+"/extend", url.Values{"months": {"1"}, "reason": {"Många begäranden samtidigt"}, "confirm": {"yes"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("extend again: %d", r.Status)
		}
		got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, req.ID)
		if got.ExtendedMonths != 2 || !got.DueAt.Equal(gallra.AddMonths(got.ReceivedAt, 3)) {
			t.Fatalf("after two extensions: %d months, due %s", got.ExtendedMonths, got.DueAt)
		}
		page = c.get(path + "?ok=request_extended")
		mustContain(t, "extended request", page.Body, "Tidsfristen är förlängd.", "förlängd 2 månader", "Skäl till förlängningen", "Många begäranden samtidigt")
		if strings.Contains(page.Body, `action="`+path+`/extend"`) {
			t.Error("the extension form is offered beyond two months")
		}
		// A third month is refused by the service, with the reason.
		r = c.post(path+"/extend", url.Values{"months": {"1"}, "reason": {"Ännu mer"}, "confirm": {"yes"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "högst 2 månader") {
			t.Errorf("a third month: %d", r.Status)
		}
		mustContain(t, "request list", c.get("/requests").Body, "(förlängd 2 månader)")

		// Cancel: refused without a reason, refused without the box, done
		// with both.
		if r := c.post(path+"/cancel", url.Values{"confirm": {"yes"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Skriv skälet") {
			t.Errorf("cancel without a reason: %d", r.Status)
		}
		if r := c.post(path+"/cancel", url.Values{"reason": {"Personen drog tillbaka begäran"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `aria-describedby="cancel-help cancel-error"`) {
			t.Errorf("cancel without confirmation: %d", r.Status)
		}
		if got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, req.ID); got.Status != gallra.StatusReceived {
			t.Fatal("an unconfirmed cancel cancelled")
		}
		r = c.post(path+"/cancel", url.Values{"confirm": {"yes"}, "action": {"cancel"}, "reason": {"Personen drog tillbaka begäran"}})
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=request_closed" {
			t.Fatalf("cancel: %d %q", r.Status, r.Location)
		}
		got, _ = db.GetSubjectRequest(ctx, e.fx.Org.ID, req.ID)
		if got.Status != gallra.StatusCancelled || got.Email != "" {
			t.Fatalf("after cancel: %s, e-mail kept %v", got.Status, got.Email != "")
		}
		page = c.get(path + "?ok=request_closed")
		mustContain(t, "cancelled request", page.Body, "Begäran är avslutad.", "Avbruten", "Personen drog tillbaka begäran")
		if strings.Contains(page.Body, "/cancel\"") || strings.Contains(page.Body, "/extend\"") {
			t.Error("a cancelled request still offers cancel or extend")
		}
		// Cancelling twice: a conflict, explained.
		if r := c.post(path+"/cancel", url.Values{"confirm": {"yes"}, "reason": {"igen"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "kan inte avbrytas") {
			t.Errorf("second cancel: %d", r.Status)
		}
		for _, action := range []string{"request.extended", "request.cancelled"} {
			if a, _ := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: action}); len(a) == 0 {
				t.Errorf("no %s audit entry", action)
			}
		}

		// Someone else's channel: the editor is refused.
		chat := e.openRequest(e.fx.Admin, gallra.ModuleChat)
		cp := "/requests/" + strconv.FormatInt(chat.ID, 10)
		if r := c.post(cp+"/cancel", url.Values{"confirm": {"yes"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor cancels a chat request: %d", r.Status)
		}
		if r := c.post(cp+"/extend", url.Values{"months": {"1"}, "reason": {"x"}, "confirm": {"yes"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor extends a chat request: %d", r.Status)
		}
	})
}

// TestRequestRunAgain offers "Run again" for a failed request, and the post
// resumes it.
func TestRequestRunAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Admin.Email)
		req := e.openRequest(e.fx.Admin, gallra.ModuleForum)
		path := "/requests/" + strconv.FormatInt(req.ID, 10)
		if strings.Contains(c.get(path).Body, path+"/rerun") {
			t.Error("a received request offers Run again")
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE subject_requests SET status = 'failed', error = 'disk full' WHERE id = ?`, req.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "failed request", c.get(path).Body, `action="`+path+`/rerun"`, "Kör igen", "disk full")
		r := c.post(path+"/rerun", url.Values{})
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=request_rerun" {
			t.Fatalf("rerun: %d %q", r.Status, r.Location)
		}
		if got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, req.ID); got.Status != gallra.StatusCompleted {
			t.Errorf("after rerun: %s", got.Status)
		}
	})
}

// TestLegalHoldFromUI places a legal hold from a channel's settings page
// (reason required, only the channel's own topics), sees it listed and
// releases it again from the same page.
func TestLegalHoldFromUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.client()
		c.login(e.fx.Editor.Email)
		forum := e.fx.Channels[gallra.ModuleForum]
		path := "/settings/channels/" + strconv.FormatInt(forum.ID, 10)
		topics, err := db.ListTopics(ctx, e.fx.Org.ID, forum.ID, gallra.Page{})
		if err != nil || len(topics) != 3 {
			t.Fatalf("topics: %d, %v", len(topics), err)
		}
		var free int64
		for _, tp := range topics {
			if tp.Hold == nil {
				free = tp.ID
				break
			}
		}
		fs := strconv.FormatInt(free, 10)

		page := c.get(path)
		mustContain(t, "channel page", page.Body, "Spärrar i den här kanalen", "Lägg en spärr", "Trådens nummer", "Parkering vid skolan",
			"Ärendet är överklagat", `href="`+path+`?hold=`+fs+`"`, "Spärrad")
		// The "Hold…" link fills in the number.
		mustContain(t, "prefilled hold form", c.get(path+"?hold="+fs).Body, `name="subject_id" type="text" inputmode="numeric" pattern="#?[0-9]+" required autocomplete="off" value="`+fs+`"`)

		// No reason: refused, the message tied to the reason field.
		r := c.post(path+"/holds", url.Values{"subject_id": {fs}, "reason": {" "}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("hold without reason: %d", r.Status)
		}
		mustContain(t, "hold without reason", r.Body, "Skriv ett skäl till spärren.", `aria-describedby="hold-reason-help hold-error"`)
		// A topic that does not exist (or is in another channel).
		r = c.post(path+"/holds", url.Values{"subject_id": {"999999"}, "reason": {"Tvist"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Forumtråd 999999 finns inte i "+forum.Name) {
			t.Errorf("unknown topic: %d", r.Status)
		}
		mail := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleMail].ID, 10)
		if r := c.post(mail+"/holds", url.Values{"subject_id": {fs}, "reason": {"Tvist"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a forum topic held through the mail channel: %d", r.Status)
		}
		if holds, _ := db.ListHolds(ctx, e.fx.Org.ID); len(holds) != 1 {
			t.Fatalf("refused holds were placed: %d", len(holds))
		}

		r = c.post(path+"/holds", url.Values{"subject_id": {"#" + fs}, "reason": {"Tvist om bygglov"}})
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=hold_set#holds" {
			t.Fatalf("place hold: %d %q", r.Status, r.Location)
		}
		tp, _ := db.GetTopic(ctx, e.fx.Org.ID, free)
		if tp.Hold == nil || tp.Hold.Reason != "Tvist om bygglov" || tp.Hold.HeldBy != e.fx.Editor.ID {
			t.Fatalf("topic after hold: %+v", tp.Hold)
		}
		if a, _ := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: "retention.hold_set", SubjectID: free}); len(a) != 1 {
			t.Errorf("hold audit entries: %d", len(a))
		}
		mustContain(t, "after hold", c.get(path+"?ok=hold_set").Body, "Spärren är lagd.", "Tvist om bygglov")
		mustContain(t, "settings list", c.get("/settings").Body, "Tvist om bygglov")
		// Holding it again: refused, the first reason stays.
		if r := c.post(path+"/holds", url.Values{"subject_id": {fs}, "reason": {"Annat"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "redan spärrad") {
			t.Errorf("second hold: %d", r.Status)
		}

		// Release from the channel page: back to it.
		r = c.post("/holds/forum_topic/"+fs+"/release", url.Values{"back": {path}})
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=hold_released#holds" {
			t.Errorf("release: %d %q", r.Status, r.Location)
		}
		// A foreign back is ignored (on the editor's own hold: someone
		// else's needs an administrator and a reason).
		if r := c.post(path+"/holds", url.Values{"subject_id": {fs}, "reason": {"Tvist om bygglov"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("hold again: %d", r.Status)
		}
		if r := c.post("/holds/forum_topic/"+fs+"/release", url.Values{"back": {"https://evil.example/"}}); r.Location != "/settings?ok=hold_released" {
			t.Errorf("release with a foreign back: %q", r.Location)
		}

		// The chat channel is not the editor's.
		chat := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10)
		if r := c.post(chat+"/holds", url.Values{"subject_id": {"1"}, "reason": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor holds in another channel: %d", r.Status)
		}
		// Social and knowledge channels have nothing to hold.
		social := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleSocial].ID, 10)
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		if strings.Contains(ad.get(social).Body, "Lägg en spärr") {
			t.Error("social channel offers a hold")
		}
		if r := ad.post(social+"/holds", url.Values{"subject_id": {"1"}, "reason": {"x"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("hold in a social channel: %d", r.Status)
		}
	})
}

// TestWording checks the overview's words for channels without purging and
// the label of policies that follow the module default.
func TestWording(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Admin.Email)
		ov := c.get("/").Body
		mustContain(t, "overview", ov, "Inga kunduppgifter", "Gallras inte automatiskt (plattformen är källan)", "(standard för modulen)")
		st := c.get("/settings").Body
		mustContain(t, "settings", st, "(förinställd i Gallra)", "(standard för modulen)")
		for _, body := range []string{ov, st} {
			if strings.Contains(body, "Gallras standard") {
				t.Error(`"Gallras standard" is still shown`)
			}
		}
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "English overview", c.get("/").Body, "No customer data", "Not purged automatically (the platform is the source)", "(module default)")
	})
}

// TestAddressConflictFix: an inbox that lost its address to an older inbox
// of another organisation (migration 00012) says so on the admin page, and
// a new address chosen there clears the warning; a taken address is refused.
func TestAddressConflictFix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		mail := e.fx.Channels[gallra.ModuleMail]
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE channels SET address_conflict = address, address = '' WHERE id = ?`, mail.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		other := storetest.MustFixture(t, db, "Annan org")
		c := e.client()
		c.login(e.fx.Admin.Email)
		path := "/admin/channels/" + strconv.FormatInt(mail.ID, 10) + "/address"
		mustContain(t, "admin page with a conflict", c.get("/admin").Body, "används av en äldre inkorg", `action="`+path+`"`)

		r := c.post(path, url.Values{"address": {other.Channels[gallra.ModuleMail].Address}})
		if r.Status == http.StatusSeeOther {
			t.Fatal("a taken address was accepted")
		}
		r = c.post(path, url.Values{"address": {"ny-inkorg@web.example"}})
		if r.Status != http.StatusSeeOther || r.Location != "/admin?ok=address_set" {
			t.Fatalf("new address: %d %q", r.Status, r.Location)
		}
		page := c.get("/admin?ok=address_set").Body
		mustContain(t, "admin page after the fix", page, "Inkorgens adress är sparad.", "ny-inkorg@web.example")
		if strings.Contains(page, "används av en äldre inkorg") {
			t.Error("the conflict warning stays after a new address")
		}
	})
}

// TestDeletedStaffOfferNoActivate: a staff user removed for good shows as
// removed, with no "Activate" (which could only fail) and no link button.
func TestDeletedStaffOfferNoActivate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		if err := db.DeleteStaff(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: e.fx.Admin.ID}, e.fx.Org.ID, e.fx.Editor.ID); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login(e.fx.Admin.Email)
		page := c.get("/admin").Body
		mustContain(t, "admin page", page, "Borttagen (uppgifterna raderade)")
		id := strconv.FormatInt(e.fx.Editor.ID, 10)
		for _, action := range []string{"/admin/staff/" + id + "/active", "/admin/staff/" + id + "/link", "/admin/staff/" + id + "/members"} {
			if strings.Contains(page, `action="`+action+`"`) {
				t.Errorf("a deleted staff user is offered %s", action)
			}
		}
	})
}
