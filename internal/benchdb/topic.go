package benchdb

import (
	"context"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// SeedTopic creates a forum topic of n posts of size characters: the topic
// and its first post through the store, the other posts bulk-inserted
// (bypassing the service's validation and detector, which the benchmarks
// do not measure). It returns the topic's id.
func SeedTopic(ctx context.Context, db *store.DB, orgID, channelID int64, n, size int) (int64, error) {
	body := PostBody(size)
	a := gallra.Author{Name: "Kund Karlsson", Email: "kund@bench.example", IP: "192.0.2.10"}
	topic, err := db.CreateTopic(ctx, orgID, gallra.NewTopic{ChannelID: channelID, Title: "En lång tråd", Body: body, Author: a})
	if err != nil {
		return 0, err
	}
	base := topic.Posts[0].ID * 1_000_000 // above every id in use, in creation order
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const batch = 20
	for from := 1; from < n; from += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			posts, err := tx.Inserter("forum_posts", "id", "org_id", "channel_id", "topic_id", "kind", "person_id", "author_name", "author_email", "author_ip", "body", "created_at", "updated_at")
			if err != nil {
				return err
			}
			for i := from; i < min(from+batch, n); i++ {
				if err := posts.Add(ctx, base+int64(i), orgID, channelID, topic.ID, "post", *topic.PersonID, a.Name, a.Email, a.IP, body, now+int64(i), now+int64(i)); err != nil {
					return err
				}
			}
			return posts.Flush(ctx)
		})
		if err != nil {
			return 0, err
		}
	}
	return topic.ID, nil
}

// PostBody is size characters of plain ASCII text (cut anywhere, it stays
// valid UTF-8).
func PostBody(size int) string {
	const text = "Hej! Jag undrar hur det blir med plogningen av gatan, den har inte plogats sedan i tisdags. "
	return strings.Repeat(text, size/len(text)+1)[:size]
}
