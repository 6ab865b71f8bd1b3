package demo_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/demo"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestSeedFillsEveryModule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		org, admin, _, err := db.Bootstrap(ctx, "Demo Kommun", "Admin", "admin@demo.example", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(ctx, db, org, admin); err != nil {
			t.Fatal(err)
		}
		chans, err := db.ListChannels(ctx, org.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[gallra.Module]int64{}
		for _, c := range chans {
			seen[c.Module] = c.ID
		}
		if len(seen) != 5 {
			t.Fatalf("modules seeded: %v", seen)
		}
		topics, _ := db.ListTopics(ctx, org.ID, seen[gallra.ModuleForum], gallra.Page{})
		if len(topics) < 5 {
			t.Errorf("topics: %d", len(topics))
		}
		oldest := topics[len(topics)-1]
		if age := clock.Now().Sub(oldest.CreatedAt); age.Hours() < 24*365*3 {
			t.Errorf("oldest demo topic is only %v old; demo content should span years", age)
		}
		convs, _ := db.ListMailConversations(ctx, org.ID, seen[gallra.ModuleMail], gallra.Page{})
		chats, _ := db.ListChats(ctx, org.ID, seen[gallra.ModuleChat], "", gallra.Page{})
		items, _ := db.ListSocialItems(ctx, org.ID, seen[gallra.ModuleSocial], gallra.Page{})
		arts, _ := db.ListArticles(ctx, org.ID, seen[gallra.ModuleKnowledge], gallra.Page{})
		if len(convs) < 3 || len(chats) < 3 || len(items) < 3 || len(arts) < 2 {
			t.Errorf("content: mail %d chat %d social %d knowledge %d", len(convs), len(chats), len(items), len(arts))
		}
		if res, err := db.VerifyAudit(ctx, org.ID); err != nil || !res.OK {
			t.Fatalf("audit after demo: %v %+v", err, res)
		}
	})
}
