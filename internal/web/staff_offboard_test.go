package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestStaffOffboardingPages: the administrator sets the off-boarding
// period on the staff page (a wrong value is explained in the viewer's
// language), the overview says how many former staff members the purge
// will off-board, and after the purge the staff page shows the pseudonym
// and no e-mail.
func TestStaffOffboardingPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		mustContain(t, "staff page", ad.get("/admin").Body, "Borttagning av tidigare medarbetares uppgifter", `name="days"`, `value="90"`)

		for _, bad := range []string{"0", "3651", "tre", ""} {
			r := ad.post("/admin/staff/offboarding", url.Values{"days": {bad}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("days %q: %d", bad, r.Status)
			}
			mustContain(t, "refused period", r.Body, "Ange ett helt antal dagar från 1 till 3650.", `aria-invalid="true"`)
		}
		if r := ad.post("/admin/staff/offboarding", url.Values{"days": {"30"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		if d, err := db.StaffOffboardDays(ctx, e.fx.Org.ID); err != nil || d != 30 {
			t.Fatalf("period %d %v", d, err)
		}
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		if r := ed.post("/admin/staff/offboarding", url.Values{"days": {"5"}}); r.Status != http.StatusForbidden {
			t.Errorf("editor set the period: %d", r.Status)
		}

		if r := ad.post("/admin/staff/"+strconv.FormatInt(e.fx.Editor.ID, 10)+"/active", url.Values{"active": {"false"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", r.Status)
		}
		clock.Advance(31 * 24 * time.Hour)
		ad.login(e.fx.Admin.Email) // the session expired meanwhile
		mustContain(t, "overview", ad.get("/").Body, "1 tidigare medarbetares namn, e-postadress och profilbild tas bort vid nästa gallring", "efter 30 dagar som inaktiverade")
		eng := retention.New(db, nil, retention.Config{})
		if res, err := eng.Run(ctx, retention.RunOptions{Trigger: "cli"}); err != nil || res.StaffOffboarded != 1 {
			t.Fatalf("purge: %v %+v", err, res)
		}
		s, err := db.GetStaff(ctx, e.fx.Org.ID, e.fx.Editor.ID)
		if err != nil || !strings.HasPrefix(s.Name, "Tidigare medarbetare ") {
			t.Fatalf("off-boarded editor: %v %+v", err, s)
		}
		page := ad.get("/admin").Body
		mustContain(t, "staff page after the purge", page, s.Name, "Borttagen (uppgifterna raderade)")
		if strings.Contains(page, e.fx.Editor.Email) || strings.Contains(page, "/admin/staff/"+strconv.FormatInt(e.fx.Editor.ID, 10)+"/active") {
			t.Error("the off-boarded user's e-mail or an activate button is shown")
		}

		ad.post("/lang", url.Values{"lang": {"en"}, "next": {"/admin"}})
		mustContain(t, "English staff page", ad.get("/admin").Body, "Removing former staff members", `value="30"`, "Removed (details deleted)")
		mustContain(t, "English refusal", ad.post("/admin/staff/offboarding", url.Values{"days": {"-1"}}).Body, "Give a whole number of days from 1 to 3650.")
		mustContain(t, "English overview", ad.get("/").Body, "will be removed by the next purge")
	})
}
