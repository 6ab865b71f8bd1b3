package retention

import (
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A purge (forum anonymization and deletion, mail and chat deletion)
// leaves the identifier index holding exactly what the remaining text
// holds: the purged and redacted rows are no longer found.
func TestPurgeKeepsIdentifierIndexExact(t *testing.T) {
	const phone = "0701740605"
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		g := storetest.MustFixture(t, db, "Grannen")
		e := mustEngine(db, nil)
		if _, err := e.SetChannelPolicy(ctx, g.Admin, g.Channels[gallra.ModuleForum].ID, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
			t.Fatal(err)
		}
		t0 := clock.Now()
		anon := mustTopic(t, db, f, "Fråga", "Ring 070-174 06 05, pnr 821105-9954", "anna@example.se")
		del := mustTopic(t, db, g, "Fråga", "Ring 070-174 06 05", "anna@example.se")
		m := mustMail(t, db, f, "bo@example.se", "m1@x", "")
		c, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: "Cia", Email: "cia@example.se", Message: "ring 070-174 06 05"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CloseChat(ctx, staff(f), f.Org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, org := range []int64{f.Org.ID, g.Org.ID} {
			if refs, _, err := db.LookupIdentifier(ctx, org, pii.IdentPhone, phone); err != nil || len(refs) == 0 {
				t.Fatalf("before the purge: %+v %v", refs, err)
			}
		}
		clock.Set(t0.AddDate(5, 0, 0))
		mustRun(t, e)
		for _, org := range []int64{f.Org.ID, g.Org.ID} {
			d, err := db.VerifyIdentifierIndex(ctx, org)
			if err != nil || d.Missing != 0 || d.Stale != 0 {
				t.Errorf("org %d: the index differs from the text after the purge: %+v %v", org, d, err)
			}
		}
		refs, _, err := db.LookupIdentifier(ctx, f.Org.ID, pii.IdentPhone, phone)
		if err != nil || len(refs) != 0 {
			t.Errorf("purged or redacted rows still found: %+v %v (anonymized topic %d, mail %d, chat %d)", refs, err, anon.ID, m.ID, c.ID)
		}
		if refs, _, err := db.LookupIdentifier(ctx, g.Org.ID, pii.IdentPhone, phone); err != nil || len(refs) != 0 {
			t.Errorf("deleted post %d still found: %+v %v", del.Posts[0].ID, refs, err)
		}
		if refs, _, err := db.LookupIdentifier(ctx, f.Org.ID, pii.IdentPersonnummer, "198211059954"); err != nil || len(refs) != 0 {
			t.Errorf("redacted personnummer still found: %+v %v", refs, err)
		}
	})
}
