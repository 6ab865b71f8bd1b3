package takeout_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// An erasure with forum_action anonymize redacts the organisation's own
// patterns, and only that organisation's, in the post body and the topic
// title, besides the built-in kinds.
func TestEraseAnonymizeRedactsTheOrganisationsPatterns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		const (
			title = "Ärende KN-204519"
			body  = "Mitt kundnummer är KN-204519, order ORD-1234, ring 070-123 45 67."
		)
		cases := []struct {
			org       string
			patterns  []gallra.PIIPattern
			wantTitle string
			wantBody  string
		}{
			{"Kommunen", []gallra.PIIPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}},
				"Ärende [kundnummer]", "Mitt kundnummer är [kundnummer], order ORD-1234, ring [phone]."},
			{"Bolaget", []gallra.PIIPattern{{Name: "ordernr", Pattern: `ORD-\d{4}`}},
				"Ärende KN-204519", "Mitt kundnummer är KN-204519, order [ordernr], ring [phone]."},
			{"Utan", nil, title, "Mitt kundnummer är KN-204519, order ORD-1234, ring [phone]."},
		}
		type made struct {
			f     *storetest.Fixture
			topic int64
		}
		var all []made
		// Every organisation's data and patterns exist before any erasure,
		// so that a pattern reaching another organisation would show.
		for _, c := range cases {
			f := storetest.MustFixture(t, db, c.org)
			admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
			if err := db.SetPIIPatterns(ctx, admin, f.Org.ID, c.patterns); err != nil {
				t.Fatal(err)
			}
			tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: title, Body: body,
				Author: gallra.Author{Name: "Eva Svensson", Email: subjectEmail}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: tp.ID, Body: "Svar KN-204519", Author: gallra.Author{Name: "Olle", Email: otherEmail}}); err != nil {
				t.Fatal(err)
			}
			all = append(all, made{f, tp.ID})
		}
		for i, c := range cases {
			t.Run(c.org, func(t *testing.T) {
				m := all[i]
				in := newRequest(gallra.RequestErase, gallra.ModuleForum)
				in.ForumAction = takeout.ForumAnonymize
				r, err := newService(t, db).Submit(ctx, m.f.Admin, in)
				if err != nil {
					t.Fatal(err)
				}
				if r.Counts["forum_posts_anonymized"] != 1 {
					t.Fatalf("counts %v", r.Counts)
				}
				got, err := db.GetTopic(ctx, m.f.Org.ID, m.topic)
				if err != nil {
					t.Fatal(err)
				}
				if got.Title != c.wantTitle {
					t.Errorf("title %q, want %q", got.Title, c.wantTitle)
				}
				if got.Posts[0].Body != c.wantBody {
					t.Errorf("body %q, want %q", got.Posts[0].Body, c.wantBody)
				}
				if got.Posts[1].Body != "Svar KN-204519" {
					t.Errorf("another person's reply changed: %q", got.Posts[1].Body)
				}
			})
		}
	})
}
