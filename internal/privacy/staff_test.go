package privacy_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/privacy"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestArt30StaffData: the Art. 30 record says how long staff users' own
// data is kept after they leave, read from the off-boarding setting;
// changing the setting changes the record and its settings version, and
// the text never speaks of consent.
func TestArt30StaffData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(db, clock)
		f := storetest.MustFixture(t, db, "Personalen")
		before, err := e.priv.Art30(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if before.StaffOffboardDays != 90 || !strings.Contains(before.StaffData.SV, "90 dagar efter att kontot inaktiverats") || !strings.Contains(before.StaffData.EN, "90 days after the account was deactivated") {
			t.Fatalf("default staff data: %+v", before.StaffData)
		}
		if err := db.SetStaffOffboardDays(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, f.Org.ID, 30); err != nil {
			t.Fatal(err)
		}
		after, err := e.priv.Art30(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(after.StaffData.SV, "30 dagar") || strings.Contains(after.StaffData.SV, "90") || after.SettingsVersion == before.SettingsVersion {
			t.Fatalf("after the change: %s %s (was %s)", after.StaffData.SV, after.SettingsVersion, before.SettingsVersion)
		}
		for _, lang := range []string{"sv", "en"} {
			var b bytes.Buffer
			if err := privacy.RenderArt30(&b, after, lang); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"sv": "Personalens uppgifter", "en": "Staff data"}[lang]
			if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "30 ") {
				t.Errorf("%s record page lacks the staff section", lang)
			}
			if speaksOfConsent(after.StaffData.In(lang)) {
				t.Errorf("%s staff text speaks of consent: %s", lang, after.StaffData.In(lang))
			}
		}
	})
}
