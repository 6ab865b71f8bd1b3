package store_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Inbound mail is routed by the inbox address alone, so two organisations
// must not both claim one address: creating or renaming onto a taken address
// is refused, whatever its case.
func TestInboxAddressUniqueAcrossOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		a := storetest.MustFixture(t, db, "Uniq A")
		b := storetest.MustFixture(t, db, "Uniq B")
		taken := a.Channels[gallra.ModuleMail].Address
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: b.Admin.ID}
		for _, addr := range []string{taken, "  " + upper(taken)} {
			_, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: b.Org.ID, Module: gallra.ModuleMail, Name: "Kopia", Address: addr})
			if gallra.ErrorCode(err) != gallra.ECONFLICT {
				t.Errorf("create with taken address %q: %v, want ECONFLICT", addr, err)
			}
		}
		own := b.Channels[gallra.ModuleMail]
		if _, err := db.UpdateChannel(ctx, actor, &gallra.Channel{ID: own.ID, OrgID: b.Org.ID, Name: own.Name, Address: taken}); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Errorf("rename onto taken address: %v, want ECONFLICT", err)
		}
		// Keeping one's own address on a rename is not a conflict.
		if _, err := db.UpdateChannel(ctx, actor, &gallra.Channel{ID: own.ID, OrgID: b.Org.ID, Name: "Nytt", Address: own.Address}); err != nil {
			t.Errorf("rename keeping own address: %v", err)
		}
		got, err := db.FindMailChannel(ctx, upper(taken))
		if err != nil || got.ID != a.Channels[gallra.ModuleMail].ID {
			t.Errorf("FindMailChannel = %+v, %v", got, err)
		}
	})
}

// Databases from before the unique index may hold the same address twice:
// the migration keeps it on the oldest inbox (where mail already went), moves
// it to address_conflict on the later ones, and loses no channel.
func TestMigrationResolvesDuplicateInboxAddresses(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.URL(t, d), storetest.NewClock(storetest.Start()))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			var orgs []int64
			for _, name := range []string{"Org A", "Org B", "Org C"} {
				o, err := db.CreateOrganisation(ctx, name, "sv")
				if err != nil {
					t.Fatal(err)
				}
				orgs = append(orgs, o.ID)
			}
			err = db.Update(ctx, func(tx *store.Tx) error {
				raw := tx.RawForTests()
				for i, addr := range []string{"kontakt@dup.example", "kontakt@dup.example", "annan@dup.example", "kontakt@dup.example"} {
					id := int64(i + 1)
					if _, err := raw.Exec(ctx, `INSERT INTO channels (id, org_id, module, name, address, created_at) VALUES (?, ?, 'mail', ?, ?, 0)`, id, orgs[i%3], "Inkorg", addr); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate with duplicates: %v", err)
			}
			want := map[int64][2]string{
				1: {"kontakt@dup.example", ""},
				2: {"", "kontakt@dup.example"},
				3: {"annan@dup.example", ""},
				4: {"", "kontakt@dup.example"},
			}
			for id, w := range want {
				c, err := db.GetChannel(ctx, orgs[(id-1)%3], id)
				if err != nil {
					t.Fatalf("channel %d lost: %v", id, err)
				}
				if c.Address != w[0] || c.AddressConflict != w[1] {
					t.Errorf("channel %d: address %q conflict %q, want %q %q", id, c.Address, c.AddressConflict, w[0], w[1])
				}
			}
			conflicts, err := db.AddressConflicts(ctx)
			if err != nil || len(conflicts) != 2 || conflicts[0] != 2 || conflicts[1] != 4 {
				t.Errorf("AddressConflicts = %v, %v", conflicts, err)
			}
			// Choosing a new address clears the conflict.
			c, err := db.UpdateChannel(ctx, gallra.Actor{Type: gallra.ActorSystem}, &gallra.Channel{ID: 2, OrgID: orgs[1], Name: "Inkorg", Address: "ny@dup.example"})
			if err != nil || c.AddressConflict != "" {
				t.Fatalf("new address: %+v %v", c, err)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
