package store_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// An erasure step only picks posts its statements change, so it always
// comes to an end: a post still linked to the person but already
// anonymized (or a placeholder) is not picked again and again.
func TestEraseForumPostsEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		forum := f.Channels[gallra.ModuleForum].ID
		tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Fråga", Body: "Text",
			Author: gallra.Author{Name: "Anna", Email: "anna@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE forum_posts SET anonymized_at = ?, removed = 1 WHERE id = ?`, clock.Now().UnixMilli(), tp.Posts[0].ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := store.ErasureScope{OrgID: f.Org.ID, PersonID: *tp.PersonID, ChannelIDs: []int64{forum}}
		for _, anonymize := range []bool{true, false} {
			if err := db.Update(ctx, func(tx *store.Tx) error {
				n, _, err := tx.EraseForumPosts(ctx, s, gallra.PostKindPost, anonymize, nil, 10)
				if err == nil && n != 0 {
					t.Errorf("anonymize %v: %d posts picked that the step does not change", anonymize, n)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
