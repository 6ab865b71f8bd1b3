package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// offboardingMessages are the texts of staff off-boarding on the staff page
// and the overview, Swedish and English (merged with messages).
var offboardingMessages = map[string][2]string{
	"ad.off.title": {"Borttagning av tidigare medarbetares uppgifter", "Removing former staff members' details"},
	"ad.off.help": {"När en medarbetare har varit inaktiverad så här många dagar tar gallringen bort namn, e-postadress och profilbild. Det hen skrivit finns kvar och visas som ”Tidigare medarbetare” med en fast kod, till exempel ”Tidigare medarbetare 7F3A”. Sedan kan kontot inte aktiveras igen; lägg till personen på nytt om hen kommer tillbaka.",
		"When a staff user has been deactivated for this many days, the purge removes their name, e-mail address and avatar. What they wrote stays, shown as \"Former staff member\" with a fixed code, e.g. \"Former staff member 7F3A\". The account can then not be reactivated; add the person again if they come back."},
	"ad.off.days":             {"Dagar som inaktiverad", "Days deactivated"},
	"ad.off.save":             {"Spara", "Save"},
	"ad.off.invalid":          {"Ange ett helt antal dagar från %d till %d.", "Give a whole number of days from %d to %d."},
	"ad.off.due":              {"Nästa gallring tar bort uppgifterna om %d tidigare medarbetare; ytterligare %d inom 30 dagar.", "The next purge removes the details of %d former staff members; %d more within 30 days."},
	"ad.st.offboarded.short":  {"Borttagen (uppgifterna raderade)", "Removed (details deleted)"},
	"ad.st.deactivated_since": {"sedan %s", "since %s"},
	"ok.offboard_saved":       {"Tiden är sparad. Den gäller från nästa gallring.", "The period is saved. It applies from the next purge."},
	"ov.offboard":             {"Tidigare medarbetare", "Former staff members"},
	"ov.offboard.due":         {"%d tidigare medarbetares namn, e-postadress och profilbild tas bort vid nästa gallring, ytterligare %d inom 30 dagar (efter %d dagar som inaktiverade).", "%d former staff members' details (name, e-mail, avatar) will be removed by the next purge, %d more within 30 days (after %d days deactivated)."},
}

// staffOffboarding is the off-boarding setting and counts for the staff
// page and the overview (nil when the viewer may not manage staff).
func (h *Handler) staffOffboarding(ctx context.Context, v *viewer) (*gallra.StaffOffboarding, error) {
	if !v.Staff.Allowed(gallra.PermManageStaff, 0) {
		return nil, nil
	}
	return h.svc.Staff.StaffOffboarding(ctx, v.Staff)
}

// staffOffboardDays saves the organisation's off-boarding period; a value
// that is not a whole number of days in range shows the staff page again
// with the reason next to the field.
func (h *Handler) staffOffboardDays(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil {
		err = gallra.Errorf(gallra.EINVALID, "days must be a whole number")
	} else {
		_, err = h.svc.Staff.SetStaffOffboardDays(r.Context(), v.Staff, days)
	}
	if gallra.ErrorCode(err) == gallra.EINVALID {
		d, derr := h.adminData(r, v)
		if derr != nil {
			return derr
		}
		d.OffboardInvalid, d.OffboardValue = true, r.PostFormValue("days")
		h.render(w, r, v, http.StatusUnprocessableEntity, "admin", d)
		return nil
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin?ok=offboard_saved#h-offboard")
}
