package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestStaffLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Staff")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		bad := []gallra.Staff{
			{OrgID: f.Org.ID, Name: "", Email: "a@example.se", Role: gallra.RoleEditor},
			{OrgID: f.Org.ID, Name: "A", Email: "not-an-email", Role: gallra.RoleEditor},
			{OrgID: f.Org.ID, Name: "A", Email: "Name <a@example.se>", Role: gallra.RoleEditor},
			{OrgID: f.Org.ID, Name: "A", Email: "a@example.se", Role: "owner"},
			{OrgID: f.Org.ID, Name: "A", Email: "a@example.se", Role: gallra.RoleEditor, AvatarURL: "javascript:alert(1)"},
			{OrgID: f.Org.ID, Name: "A", Email: "a@example.se", Role: gallra.RoleEditor, AvatarURL: "//evil.example/x.png"},
			{OrgID: f.Org.ID, Name: "A", Email: "deleted-9@staff.invalid", Role: gallra.RoleEditor},
		}
		for i, s := range bad {
			if _, err := db.CreateStaff(ctx, admin, &s); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("bad staff %d accepted: %v", i, err)
			}
		}
		// Deactivation revokes the editor's tokens.
		off := false
		if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, f.Editor.ID, gallra.StaffUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Authenticate(ctx, f.EditorToken); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Fatalf("deactivated editor's token still works: %v", err)
		}
		// Membership is idempotent; removal works.
		ch := f.Channels[gallra.ModuleChat].ID
		for i := 0; i < 2; i++ {
			if err := db.SetMembership(ctx, admin, f.Org.ID, ch, f.Editor.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		s, _ := db.GetStaff(ctx, f.Org.ID, f.Editor.ID)
		if len(s.ChannelIDs) != 3 {
			t.Fatalf("channels after adding chat: %v", s.ChannelIDs)
		}
		if err := db.SetMembership(ctx, admin, f.Org.ID, ch, f.Editor.ID, false); err != nil {
			t.Fatal(err)
		}
		// Deleting a staff user keeps an id-only stub.
		if err := db.DeleteStaff(ctx, admin, f.Org.ID, f.Editor.ID); err != nil {
			t.Fatal(err)
		}
		s, _ = db.GetStaff(ctx, f.Org.ID, f.Editor.ID)
		if s.Name != "Former staff" || s.Active || len(s.ChannelIDs) != 0 || s.Email == "editor@staff.example" {
			t.Fatalf("deleted staff: %+v", s)
		}
		if err := db.DeleteStaff(ctx, admin, f.Org.ID, f.Admin.ID); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("admin deleted themselves: %v", err)
		}
		toks, _ := db.ListTokens(ctx, f.Org.ID, 0)
		if len(toks) != 2 {
			t.Fatalf("tokens: %d", len(toks))
		}
	})
}

func TestOrganisationAndChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Chan")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		if _, err := db.CreateOrganisation(ctx, "X", "de"); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("language de accepted: %v", err)
		}
		org := *f.Org
		org.Language = "en"
		if err := db.UpdateOrganisation(ctx, admin, &org); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetOrganisation(ctx, f.Org.ID); got.Language != "en" {
			t.Errorf("language = %s", got.Language)
		}
		for _, c := range []gallra.Channel{
			{OrgID: f.Org.ID, Module: "fax", Name: "x"},
			{OrgID: f.Org.ID, Module: gallra.ModuleForum, Name: " "},
			{OrgID: f.Org.ID, Module: gallra.ModuleForum, Name: "x", Address: "a@example.se"},
			{OrgID: f.Org.ID, Module: gallra.ModuleMail, Name: "x", Address: "nope"},
		} {
			if _, err := db.CreateChannel(ctx, admin, &c); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("bad channel %+v accepted: %v", c, err)
			}
		}
		got, err := db.FindMailChannel(ctx, "SUPPORT@chan.example")
		if err != nil || got.ID != f.Channels[gallra.ModuleMail].ID {
			t.Fatalf("FindMailChannel: %v %+v", err, got)
		}
		forum := f.Channels[gallra.ModuleForum]
		renamed, err := db.UpdateChannel(ctx, admin, &gallra.Channel{ID: forum.ID, OrgID: f.Org.ID, Name: "Nytt namn"})
		if err != nil || renamed.Name != "Nytt namn" || renamed.Module != gallra.ModuleForum {
			t.Fatalf("rename: %v %+v", err, renamed)
		}
		if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum.ID, Title: "t", Body: "b", Author: gallra.Author{Name: "n", Email: "n@example.se"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteChannel(ctx, admin, f.Org.ID, forum.ID); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Errorf("deleting a channel with content: %v", err)
		}
		if err := db.DeleteChannel(ctx, admin, f.Org.ID, f.Channels[gallra.ModuleChat].ID); err != nil {
			t.Errorf("deleting an empty channel: %v", err)
		}
		list, _ := db.ListChannels(ctx, f.Org.ID, "")
		if len(list) != 4 {
			t.Errorf("channels left: %d", len(list))
		}
	})
}

func TestPaginationAndAuditFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "gallra.Page")
		forum := f.Channels[gallra.ModuleForum].ID
		for i := 0; i < 7; i++ {
			if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: fmt.Sprintf("T%d", i), Body: "b", Author: gallra.Author{Name: "n", Email: "n@example.se"}}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []int64
		p := gallra.Page{Limit: 3}
		for {
			page, err := db.ListTopics(ctx, f.Org.ID, forum, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, tp := range page {
				seen = append(seen, tp.ID)
			}
			if len(page) < 3 {
				break
			}
			p.BeforeID = page[len(page)-1].ID
		}
		if len(seen) != 7 || seen[0] < seen[6] {
			t.Fatalf("paged ids: %v", seen)
		}
		all, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "channel."})
		if err != nil || len(all) != 5 {
			t.Fatalf("channel.* audit entries: %d %v", len(all), err)
		}
		for _, e := range all {
			if e.Action != "channel.created" {
				t.Errorf("prefix filter returned %s", e.Action)
			}
		}
		// A literal underscore or percent in the filter is not a wildcard.
		if got, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "%."}); len(got) != 0 {
			t.Errorf("wildcard leaked into LIKE: %d entries", len(got))
		}
		older, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{BeforeSeq: all[0].Seq, Limit: 2})
		if len(older) != 2 || older[0].Seq >= all[0].Seq {
			t.Fatalf("before_seq paging: %+v", older)
		}
	})
}

func TestPersonDeletedOnlyWhenUnused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Pers")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		soc := f.Channels[gallra.ModuleSocial].ID
		if _, err := db.UpsertSocialItem(ctx, f.Org.ID, soc, gallra.SocialInput{ExternalID: "p1", AuthorID: "u9", AuthorName: "Lena", AuthorEmail: "lena@example.se", Body: "hej"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertSocialItem(ctx, f.Org.ID, soc, gallra.SocialInput{ExternalID: "p2", AuthorID: "u9", AuthorName: "Lena", AuthorEmail: "lena@example.se", Body: "igen"}); err != nil {
			t.Fatal(err)
		}
		p, err := db.FindPerson(ctx, f.Org.ID, "LENA@example.se")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetCustomField(ctx, admin, f.Org.ID, gallra.SubjectPerson, p.ID, "kundnummer", "KN-000001"); err != nil {
			t.Fatal(err)
		}
		// The author deletes their account on the platform: all their items go,
		// and with them the person (their person-level fields too).
		if n, err := db.RemoveSocialMirror(ctx, admin, f.Org.ID, soc, "u9", true); err != nil || n != 2 {
			t.Fatalf("remove by author: %d %v", n, err)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, "lena@example.se"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("person left behind: %v", err)
		}
		if _, err := db.RemoveSocialMirror(ctx, admin, f.Org.ID, soc, "u9", true); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("second removal: %v", err)
		}
	})
}
