package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// fill bulk-inserts n rows into table (row gives the values of cols).
func fill(t *testing.T, db *store.DB, table string, cols []string, n int, row func(i int) []any) {
	t.Helper()
	ctx := context.Background()
	err := db.Update(ctx, func(tx *store.Tx) error {
		ins, err := tx.Inserter(table, cols...)
		if err != nil {
			return err
		}
		for i := range n {
			if err := ins.Add(ctx, row(i)...); err != nil {
				return err
			}
		}
		return ins.Flush(ctx)
	})
	if err != nil {
		t.Fatalf("fill %s: %v", table, err)
	}
}

// TestOrganisationCaps checks that what the whole-list endpoints show
// (channels, staff, a subject's custom fields) cannot grow past its
// documented maximum, and that the token and hold lists are capped where
// they are read.
func TestOrganisationCaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Caps")
		org := f.Org.ID
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		have, err := db.ListChannels(ctx, org, "")
		if err != nil {
			t.Fatal(err)
		}
		fill(t, db, "channels", []string{"org_id", "module", "name", "created_at"}, gallra.MaxChannels-len(have), func(i int) []any {
			return []any{org, "forum", fmt.Sprintf("Forum %d", i), int64(1)}
		})
		if _, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org, Module: gallra.ModuleForum, Name: "One too many"}); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("channel %d: %v, want EUNPROCESS", gallra.MaxChannels+1, err)
		}

		staff, err := db.ListStaff(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, db, "staff", []string{"org_id", "name", "email", "email_key", "role", "created_at"}, gallra.MaxStaff-len(staff), func(i int) []any {
			e := fmt.Sprintf("s%d@caps.example", i)
			return []any{org, "S", e, e, "editor", int64(1)}
		})
		if _, err := db.CreateStaff(ctx, actor, &gallra.Staff{OrgID: org, Name: "Late", Email: "late@caps.example", Role: gallra.RoleEditor, Active: true}); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("staff user %d: %v, want EUNPROCESS", gallra.MaxStaff+1, err)
		}

		topic, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "T", Body: "b", Author: gallra.Author{Name: "K", Email: "k@caps.example"}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range gallra.MaxCustomFields {
			if err := db.SetCustomField(ctx, actor, org, gallra.SubjectForumTopic, topic.ID, fmt.Sprintf("k%d", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetCustomField(ctx, actor, org, gallra.SubjectForumTopic, topic.ID, "one_more", "v"); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("custom field %d: %v, want EUNPROCESS", gallra.MaxCustomFields+1, err)
		}
		if err := db.SetCustomField(ctx, actor, org, gallra.SubjectForumTopic, topic.ID, "k0", "changed"); err != nil {
			t.Errorf("changing a field at the cap: %v", err)
		}

		// Tokens: revoked ones pile up; the list keeps the active first.
		fill(t, db, "api_tokens", []string{"org_id", "staff_id", "name", "prefix", "secret_hash", "created_at", "revoked_at"}, gallra.MaxListedTokens+5, func(i int) []any {
			return []any{org, f.Admin.ID, "old", "gal_x", fmt.Sprintf("hash-%d", i), int64(1), int64(2)}
		})
		tokens, err := db.ListTokens(ctx, org, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != gallra.MaxListedTokens {
			t.Errorf("token list holds %d, want the cap %d", len(tokens), gallra.MaxListedTokens)
		}
		if len(tokens) > 0 && tokens[0].RevokedAt != nil {
			t.Errorf("token list starts with a revoked token; active ones come first")
		}
		own, err := db.ListTokens(ctx, org, f.Editor.ID)
		if err != nil || len(own) != 1 || own[0].StaffID != f.Editor.ID {
			t.Errorf("an editor's own tokens among %d others: %v %+v, want their one token", gallra.MaxListedTokens+5, err, own)
		}
	})
}
