package benchdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// words are the common vocabulary of SeedForum's posts.
var words = []string{"plogning", "gatan", "sophämtning", "bygglov", "friggebod", "parkering", "skolan", "förskola", "bibliotek", "simhall",
	"vatten", "avlopp", "elräkning", "bostad", "hyra", "bussen", "cykelbana", "belysning", "lekplats", "snöröjning",
	"återvinning", "tillstånd", "ansökan", "avgift", "faktura", "kontakt", "öppettider", "tisdag", "kommunen", "nämnden"}

// RareWord is the i-th of the 10,000 rarer words SeedForum's posts also
// hold (five each), so that a search for one matches about one post in
// 2,000, as a real question's key word does.
func RareWord(i int) string { return "ord" + strconv.FormatInt(int64(i%10_000), 36) }

// SeedForum bulk-inserts topics of postsPerTopic posts of 20–40 common
// words and 5 rare ones (RareWord) each into a forum channel, one person for all, ids above every id
// in use; the search index follows by the store's triggers or generated
// columns. It reports progress to progress (may be nil) and returns the
// topics' ids.
func SeedForum(ctx context.Context, db *store.DB, orgID, channelID int64, topics, postsPerTopic int, progress func(posts int)) ([]int64, error) {
	a := gallra.Author{Name: "Kund Karlsson", Email: "kund@bench.example", IP: "192.0.2.0"}
	first, err := db.CreateTopic(ctx, orgID, gallra.NewTopic{ChannelID: channelID, Title: "Start", Body: "start", Author: a})
	if err != nil {
		return nil, err
	}
	person := *first.PersonID
	base := first.Posts[0].ID + 1
	r := rand.New(rand.NewPCG(1, 2))
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[r.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	body := func() string {
		s := sentence(20 + r.IntN(20))
		for range 5 {
			s += " " + RareWord(r.IntN(10_000))
		}
		return s
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	ids := make([]int64, 0, topics)
	postID := base * 10
	const perTx = 50 // topics per transaction
	for from := 0; from < topics; from += perTx {
		err := db.Update(ctx, func(tx *store.Tx) error {
			tp, err := tx.Inserter("forum_topics", "id", "org_id", "channel_id", "title", "person_id", "created_at", "last_activity_at")
			if err != nil {
				return err
			}
			ps, err := tx.Inserter("forum_posts", "id", "org_id", "channel_id", "topic_id", "kind", "person_id", "author_name", "author_email", "author_ip", "body", "created_at", "updated_at")
			if err != nil {
				return err
			}
			for t := from; t < min(from+perTx, topics); t++ {
				tid, at := base+int64(t), now+int64(t)*1000
				if err := tp.Add(ctx, tid, orgID, channelID, sentence(5), person, at, at); err != nil {
					return err
				}
			}
			if err := tp.Flush(ctx); err != nil {
				return err
			}
			for t := from; t < min(from+perTx, topics); t++ {
				tid, at := base+int64(t), now+int64(t)*1000
				for i := 0; i < postsPerTopic; i++ {
					postID++
					if err := ps.Add(ctx, postID, orgID, channelID, tid, "post", person, a.Name, a.Email, a.IP, body(), at+int64(i), at+int64(i)); err != nil {
						return err
					}
				}
				ids = append(ids, tid)
			}
			return ps.Flush(ctx)
		})
		if err != nil {
			return nil, fmt.Errorf("seed forum: %w", err)
		}
		if progress != nil {
			progress(min(from+perTx, topics) * postsPerTopic)
		}
	}
	// PostgreSQL's identity sequences must move past the ids given here
	// before anything else inserts.
	return ids, db.AfterBulkLoad(ctx, "forum_topics", "forum_posts")
}
