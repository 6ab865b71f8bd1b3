package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func siteWrite(t *testing.T, db *store.DB, orgID int64, in gallra.SiteWrite, moderate bool) *gallra.SiteWritten {
	t.Helper()
	w, err := db.CreateSiteWrite(context.Background(), orgID, store.SiteWriteRow{SiteWrite: in, ModerateFirst: moderate})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	return w
}

func hitIDs(t *testing.T, db *store.DB, orgID int64, q string) []int64 {
	t.Helper()
	hits, err := db.SearchSite(context.Background(), orgID, store.SearchTerms(q), 20)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []int64
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// The search index follows the text: a post is found by its words, and
// once anonymized with redaction or erased it is not found by the removed
// words; hidden and pending posts are never found; articles are found by
// title and body, and not after deletion.
func TestSiteSearchFollowsErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Sökbar")
		org, forum := f.Org.ID, f.Channels[gallra.ModuleForum].ID
		author := gallra.Author{Name: "Fia Frågvis", Email: "fia@example.org"}
		topic := siteWrite(t, db, org, gallra.SiteWrite{ChannelID: forum, Title: "Sophämtning", Body: "När hämtas soporna på Ängsvägen 12? Ring 070-1234567.", Author: author}, false)
		other := siteWrite(t, db, org, gallra.SiteWrite{TopicID: topic.TopicID, Body: "Soporna hämtas på tisdagar.", Author: gallra.Author{Name: "Ola", Email: "ola@example.org"}}, false)

		if got := hitIDs(t, db, org, "angsvagen"); len(got) != 1 || got[0] != topic.PostID {
			t.Fatalf("search without diacritics (SQLite) or exact: got %v, want [%d]", got, topic.PostID)
		}
		if got := hitIDs(t, db, org, "tisdagar"); len(got) != 1 || got[0] != other.PostID {
			t.Fatalf("tisdagar: got %v", got)
		}
		if got := hitIDs(t, db, org+1000, "tisdagar"); len(got) != 0 {
			t.Fatalf("another organisation finds our post: %v", got)
		}

		// Anonymize Fia's posts, redacting the street as the PII detector
		// would.
		person := personOf(t, db, org, topic.PostID)
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.EraseForumPosts(ctx, store.ErasureScope{OrgID: org, PersonID: person, ChannelIDs: []int64{forum}}, gallra.PostKindPost, true,
				func(s string) string { return strings.ReplaceAll(s, "Ängsvägen 12", "[adress]") }, 100)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "Ängsvägen"); len(got) != 0 {
			t.Fatalf("anonymized post still found by its redacted words: %v", got)
		}
		if got := hitIDs(t, db, org, "soporna"); len(got) != 2 {
			t.Fatalf("the text kept after anonymization is findable: got %v", got)
		}
		// Erase Ola's post (deleted: placeholder or row gone).
		person = personOf(t, db, org, other.PostID)
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, _, err := tx.EraseForumPosts(ctx, store.ErasureScope{OrgID: org, PersonID: person, ChannelIDs: []int64{forum}}, gallra.PostKindPost, false, nil, 100)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "tisdagar"); len(got) != 0 {
			t.Fatalf("erased post still found: %v", got)
		}

		// Pending and hidden posts are not found.
		pend := siteWrite(t, db, org, gallra.SiteWrite{ChannelID: forum, Title: "Ny", Body: "Bygglov för friggebod", Author: gallra.Author{Name: "Ny", Email: "ny@example.org"}}, true)
		if !pend.Pending {
			t.Fatal("first post from a new e-mail with moderation on was not pending")
		}
		if got := hitIDs(t, db, org, "friggebod"); len(got) != 0 {
			t.Fatalf("pending post found: %v", got)
		}
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		if err := db.SetPostStatus(ctx, actor, org, pend.PostID, gallra.StatusVisible); err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "friggebod"); len(got) != 1 {
			t.Fatalf("approved post not found: %v", got)
		}
		if err := db.SetPostStatus(ctx, actor, org, pend.PostID, gallra.StatusHidden); err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "friggebod"); len(got) != 0 {
			t.Fatalf("hidden post found: %v", got)
		}

		kb := f.Channels[gallra.ModuleKnowledge].ID
		a, err := db.SaveArticle(ctx, actor, &gallra.KnowledgeArticle{OrgID: org, ChannelID: kb, Title: "Parkeringstillstånd", Body: "Så ansöker du om **boendeparkering**."})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "parkeringstillstånd"); len(got) != 1 || got[0] != a.ID {
			t.Fatalf("article by title: %v", got)
		}
		if err := db.DeleteArticle(ctx, actor, org, a.ID); err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(t, db, org, "boendeparkering"); len(got) != 0 {
			t.Fatalf("deleted article found: %v", got)
		}
	})
}

func personOf(t *testing.T, db *store.DB, org, postID int64) int64 {
	t.Helper()
	p, err := db.GetPost(context.Background(), org, postID)
	if err != nil || p.PersonID == nil {
		t.Fatalf("post %d person: %v", postID, err)
	}
	return *p.PersonID
}

// FuzzSearchTerms: no query, however built, reaches either engine as
// syntax; every term is letters and digits only.
func FuzzSearchTerms(f *testing.F) {
	for _, s := range []string{`"a" OR b*`, "NEAR(a b)", "ö-ä:å", "\x00\xff", "a AND NOT b", `col:"x"`, "^a"} {
		f.Add(s)
	}
	db := storetest.Open(f, store.SQLite, storetest.NewClock(storetest.Start()))
	fx := storetest.MustFixture(f, db, "Fuzz")
	f.Fuzz(func(t *testing.T, q string) {
		terms := store.SearchTerms(q)
		if len(terms) > store.MaxSearchTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" || strings.ContainsAny(term, `"*:^()- `) {
				t.Fatalf("term %q carries syntax", term)
			}
		}
		if _, err := db.SearchSite(context.Background(), fx.Org.ID, terms, 5); err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
	})
}

// SQLite ranks in the index first and joins the best matches only; when
// another organisation's posts fill that window, ours are still found
// (the full query runs).
func TestSiteSearchWindowFallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ours := storetest.MustFixture(t, db, "Vår")
		theirs := storetest.MustFixture(t, db, "Deras")
		a := gallra.Author{Name: "X", Email: "x@example.org"}
		w := siteWrite(t, db, theirs.Org.ID, gallra.SiteWrite{ChannelID: theirs.Channels[gallra.ModuleForum].ID, Title: "T", Body: "start", Author: a}, false)
		for i := 0; i < 520; i++ {
			siteWrite(t, db, theirs.Org.ID, gallra.SiteWrite{TopicID: w.TopicID, Body: "vattenläcka vattenläcka vattenläcka", Author: a}, false)
		}
		mine := siteWrite(t, db, ours.Org.ID, gallra.SiteWrite{ChannelID: ours.Channels[gallra.ModuleForum].ID, Title: "Läcka", Body: "En vattenläcka i en lång text om mycket annat som gör den lägre rankad än de andra", Author: a}, false)
		if got := hitIDs(t, db, ours.Org.ID, "vattenläcka"); len(got) != 1 || got[0] != mine.PostID {
			t.Fatalf("our post behind another organisation's 520 better matches: got %v, want [%d]", got, mine.PostID)
		}
	})
}
