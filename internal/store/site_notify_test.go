package store_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The asker of a topic who opted in is the notification target until they
// unsubscribe; an asker who did not opt in, a post without address, or
// another organisation's topic, is never a target.
func TestAnswerNotifyTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Notis")
		org, forum := f.Org.ID, f.Channels[gallra.ModuleForum].ID
		q := siteWrite(t, db, org, gallra.SiteWrite{ChannelID: forum, Title: "Parkering", Body: "Var får jag parkera?", Author: gallra.Author{Name: "Fia", Email: "fia@example.org"}, Notify: true}, false)
		siteWrite(t, db, org, gallra.SiteWrite{TopicID: q.TopicID, Body: "Jag undrar också.", Author: gallra.Author{Name: "Ola", Email: "ola@example.org"}}, false)

		post, email, ok, err := db.AnswerNotifyTarget(ctx, org, q.TopicID)
		if err != nil || !ok || post != q.PostID || email != "fia@example.org" {
			t.Fatalf("target: %d %q %v %v", post, email, ok, err)
		}
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org+1000, q.TopicID); ok || err != nil {
			t.Fatalf("other organisation: ok %v err %v", ok, err)
		}
		if found, err := db.UnsubscribePost(ctx, org+1000, q.PostID); found || err != nil {
			t.Fatalf("unsubscribe from another organisation: %v %v", found, err)
		}
		for i := 0; i < 2; i++ { // idempotent
			if found, err := db.UnsubscribePost(ctx, org, q.PostID); !found || err != nil {
				t.Fatalf("unsubscribe %d: %v %v", i, found, err)
			}
		}
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org, q.TopicID); ok || err != nil {
			t.Fatalf("after unsubscribe: ok %v err %v", ok, err)
		}
		if found, err := db.UnsubscribePost(ctx, org, 999999); found || err != nil {
			t.Fatalf("missing post: %v %v", found, err)
		}

		noOptIn := siteWrite(t, db, org, gallra.SiteWrite{ChannelID: forum, Title: "Utan önskan", Body: "Fråga", Author: gallra.Author{Name: "Per", Email: "per@example.org"}}, false)
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org, noOptIn.TopicID); ok || err != nil {
			t.Fatalf("asker who did not opt in: ok %v err %v", ok, err)
		}
		noMail := siteWrite(t, db, org, gallra.SiteWrite{ChannelID: forum, Title: "Utan adress", Body: "Fråga", Author: gallra.Author{Name: "Anna"}, Notify: true}, false)
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org, noMail.TopicID); ok || err != nil {
			t.Fatalf("post without address: ok %v err %v", ok, err)
		}
	})
}
