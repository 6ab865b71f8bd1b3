package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestThreadPageByteBudget checks that a page of large posts ends once
// their bodies reach gallra.ThreadPageBytes, before the count limit, and
// that the cursor still walks every post once: the memory a read takes is
// bounded by the budget, not by the topic.
func TestThreadPageByteBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Budget")
		const size, n = 99_000, 50 // 50 × 99 000 bytes is past the 1 MiB budget
		body := strings.Repeat("x", size)
		a := gallra.Author{Name: "Kund", Email: "kund@example.com"}
		topic, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Long", Body: body, Author: a})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < n; i++ {
			if _, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topic.ID, Body: body, Author: a}); err != nil {
				t.Fatal(err)
			}
		}
		p := gallra.ThreadPage{Limit: gallra.MaxThreadPage}
		var seen []int64
		pages := 0
		for {
			got, err := db.TopicPage(ctx, f.Org.ID, topic.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			bytes := 0
			for _, post := range got.Posts {
				seen = append(seen, post.ID)
				bytes += len(post.Body)
			}
			if bytes-size >= gallra.ThreadPageBytes {
				t.Errorf("page %d holds %d body bytes: past the %d budget by more than one post", pages, bytes, gallra.ThreadPageBytes)
			}
			if got.NextAfterID == nil {
				break
			}
			p.AfterID = *got.NextAfterID
		}
		if pages < 2 {
			t.Errorf("%d posts of %d bytes came in %d page, want the byte budget to split them", n, size, pages)
		}
		if len(seen) != n {
			t.Errorf("walked %d posts, want %d", len(seen), n)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] <= seen[i-1] {
				t.Fatalf("posts out of order or repeated: %v", seen)
			}
		}
		if head, err := db.TopicHead(ctx, f.Org.ID, topic.ID); err != nil || head.Posts != nil {
			t.Errorf("TopicHead: %v, %d posts, want none loaded", err, len(head.Posts))
		}
	})
}
