package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The readers of a data-subject request see the person's rows of the scope
// only: not another organisation's, not another person's, nothing without a
// person or without channels of the module.
func TestSubjectReaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		a := storetest.MustFixture(t, db, "SubjA")
		b := storetest.MustFixture(t, db, "SubjB")
		const email = "eva@example.se"
		eva := gallra.Author{Name: "Eva", Email: email}
		other := gallra.Author{Name: "Olle", Email: "olle@example.se"}
		forumA, forumB := a.Channels[gallra.ModuleForum].ID, b.Channels[gallra.ModuleForum].ID
		topic, err := db.CreateTopic(ctx, a.Org.ID, gallra.NewTopic{ChannelID: forumA, Title: "Leverans", Body: "Var är paketet?", Author: eva})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []gallra.NewPost{
			{TopicID: topic.ID, Body: "Skriv till eva@example.se", Author: other},
			{TopicID: topic.ID, Body: "Tack!", Author: eva},
			{TopicID: topic.ID, Body: "Ingen adress här", Author: other},
		} {
			if _, err := db.CreatePost(ctx, a.Org.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CreateTopic(ctx, b.Org.ID, gallra.NewTopic{ChannelID: forumB, Title: "Annan org", Body: "Hej", Author: eva}); err != nil {
			t.Fatal(err)
		}
		person, err := db.FindPerson(ctx, a.Org.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		channels := map[gallra.Module][]int64{gallra.ModuleForum: {forumA}}
		for _, c := range []struct {
			name      string
			scope     store.SubjectScope
			posts     []string // bodies, in order
			titles    []string
			count     int64
			wantChans []int64 // ChannelsByID of the scope's org with both forums
		}{
			{"the person in scope", store.SubjectScope{OrgID: a.Org.ID, PersonID: person.ID, Channels: channels},
				[]string{"Var är paketet?", "Tack!"}, []string{"Leverans", "Leverans"}, 2, []int64{forumA}},
			{"no person", store.SubjectScope{OrgID: a.Org.ID, Channels: channels}, nil, nil, 0, []int64{forumA}},
			{"no channel of the module", store.SubjectScope{OrgID: a.Org.ID, PersonID: person.ID,
				Channels: map[gallra.Module][]int64{gallra.ModuleMail: {a.Channels[gallra.ModuleMail].ID}}}, nil, nil, 0, []int64{forumA}},
			{"another organisation's channel", store.SubjectScope{OrgID: b.Org.ID, PersonID: person.ID, Channels: channels}, nil, nil, 0, []int64{forumB}},
		} {
			t.Run(c.name, func(t *testing.T) {
				var posts, titles []string
				var counts store.SubjectCounts
				var chans []gallra.Channel
				err := db.View(ctx, func(tx *store.Tx) error {
					err := tx.EachSubjectPost(ctx, c.scope, func(p *store.SubjectPost) error {
						posts, titles = append(posts, p.Body), append(titles, p.TopicTitle)
						return nil
					})
					if err != nil {
						return err
					}
					if counts, err = tx.CountSubjectData(ctx, c.scope); err != nil {
						return err
					}
					chans, err = tx.ChannelsByID(ctx, c.scope.OrgID, []int64{forumB, forumA})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				ids := []int64{}
				for _, ch := range chans {
					ids = append(ids, ch.ID)
				}
				if !slices.Equal(posts, c.posts) || !slices.Equal(titles, c.titles) || counts.ForumPosts != c.count || !slices.Equal(ids, c.wantChans) {
					t.Fatalf("posts %q titles %q count %d channels %v", posts, titles, counts.ForumPosts, ids)
				}
			})
		}

		// The mention search reads the others' items only, bounded.
		for _, c := range []struct {
			name   string
			onlyAt bool
			limit  int
			want   []string
		}{
			{"all of the others' posts", false, 10, []string{"Skriv till eva@example.se", "Ingen adress här"}},
			{"only with an at sign", true, 10, []string{"Skriv till eva@example.se"}},
			{"bounded", false, 1, []string{"Skriv till eva@example.se"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				var got []string
				err := db.View(ctx, func(tx *store.Tx) error {
					src := store.MentionSource{OrgID: a.Org.ID, Module: gallra.ModuleForum, ChannelIDs: []int64{forumA},
						ExcludePerson: person.ID, OnlyWithAt: c.onlyAt, Limit: c.limit}
					return tx.EachMentionCandidate(ctx, src, func(m gallra.Mention, body string) error {
						if m.Type != "forum_post" || m.ParentID != topic.ID || m.ChannelID != forumA {
							t.Errorf("mention %+v", m)
						}
						got = append(got, body)
						return nil
					})
				})
				if err != nil || !slices.Equal(got, c.want) {
					t.Fatalf("got %q, %v", got, err)
				}
			})
		}
	})
}
