package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Test identifiers (birth numbers 980–999, example.se addresses, a
// fictional number range).
const (
	identEmail = "Kalle.Karlsson@Example.se"
	identPhone = "070-174 06 05"
	identPnr   = "821105-9954"
	identPnr2  = "19901211-9948"
)

// indexed returns the refs of the identifier, failing the test on errors or
// an incomplete index.
func indexed(t *testing.T, db *store.DB, orgID int64, kind, value string) []store.IdentifierRef {
	t.Helper()
	refs, complete, err := db.LookupIdentifier(context.Background(), orgID, kind, value)
	if err != nil || !complete {
		t.Fatalf("lookup %s: complete %v, %v", kind, complete, err)
	}
	return refs
}

func hasRef(refs []store.IdentifierRef, entity string, id int64) bool {
	for _, r := range refs {
		if r.Entity == entity && r.ID == id {
			return true
		}
	}
	return false
}

// verifyIndex fails the test when the organisation's index differs from
// what its rows' text holds now.
func verifyIndex(t *testing.T, db *store.DB, orgID int64, when string) {
	t.Helper()
	d, err := db.VerifyIdentifierIndex(context.Background(), orgID)
	if err != nil || d.Missing != 0 || d.Stale != 0 {
		t.Fatalf("%s: index differs from the text: %+v %v", when, d, err)
	}
}

// Every kind of text is indexed when written, found by any spelling of the
// identifier, re-indexed by edits and forgotten when its row is deleted;
// the index never holds the identifier in clear.
func TestIdentifierIndexFollowsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Ident")
		other := storetest.MustFixture(t, db, "Other")
		org := f.Org.ID
		actor := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		author := gallra.Author{Name: "Ada", Email: "ada@example.se", IP: "192.0.2.1"}

		topic, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Fråga",
			Body: "Skriv till " + identEmail + " eller ring " + identPhone, Author: author})
		if err != nil {
			t.Fatal(err)
		}
		post, err := db.CreatePost(ctx, org, gallra.NewPost{TopicID: topic.ID, Body: "Mitt personnummer är " + identPnr, Author: author})
		if err != nil {
			t.Fatal(err)
		}
		mail, err := db.IngestMail(ctx, org, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "bo@example.se", To: []string{"support@ident.example"},
			Subject: "Hej", Body: "Min kollega nås på " + strings.ToUpper(identEmail), MessageID: "m1@example.se"})
		if err != nil {
			t.Fatal(err)
		}
		chat, _, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: "Cia", Message: "ring mig på +46 70 174 06 05"})
		if err != nil {
			t.Fatal(err)
		}
		social, err := db.UpsertSocialItem(ctx, org, f.Channels[gallra.ModuleSocial].ID, gallra.SocialInput{ExternalID: "s1", AuthorID: "a1", AuthorName: "Dan",
			Body: "personnummer 198211059954"})
		if err != nil {
			t.Fatal(err)
		}
		art, err := db.SaveArticle(ctx, actor, &gallra.KnowledgeArticle{OrgID: org, ChannelID: f.Channels[gallra.ModuleKnowledge].ID, Title: "Kontakt",
			Body: "Kontakta " + identEmail})
		if err != nil {
			t.Fatal(err)
		}
		// The other organisation's text with the same address is not
		// found from this one.
		if _, err := db.CreateTopic(ctx, other.Org.ID, gallra.NewTopic{ChannelID: other.Channels[gallra.ModuleForum].ID, Title: "x",
			Body: identEmail, Author: author}); err != nil {
			t.Fatal(err)
		}
		chatMsg := chat.Messages[0].ID
		firstPost := topic.Posts[0].ID
		for _, c := range []struct {
			kind, value string
			want        map[string]int64
		}{
			{pii.IdentEmail, " kalle.karlsson@EXAMPLE.SE", map[string]int64{store.EntityForumPost: firstPost, store.EntityMailMessage: mail.ID, store.EntityKnowledgeArticle: art.ID}},
			{pii.IdentPhone, "0701740605", map[string]int64{store.EntityForumPost: firstPost, store.EntityChatMessage: chatMsg}},
			{pii.IdentPersonnummer, "198211059954", map[string]int64{store.EntityForumPost: post.ID, store.EntitySocialItem: social.ID}},
		} {
			refs := indexed(t, db, org, c.kind, c.value)
			if len(refs) != len(c.want) {
				t.Errorf("%s: %d refs %+v, want %v", c.kind, len(refs), refs, c.want)
			}
			for e, id := range c.want {
				if !hasRef(refs, e, id) {
					t.Errorf("%s: %s %d not found in %+v", c.kind, e, id, refs)
				}
			}
		}
		refs := indexed(t, db, org, pii.IdentPhone, identPhone)
		for _, r := range refs {
			if r.Entity == store.EntityChatMessage && (r.ChannelID != f.Channels[gallra.ModuleChat].ID || r.ParentID != chat.ID) {
				t.Errorf("chat ref %+v: want channel %d, conversation %d", r, f.Channels[gallra.ModuleChat].ID, chat.ID)
			}
		}
		if _, _, err := db.LookupIdentifier(ctx, org, pii.IdentPersonnummer, "821105-9955"); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("wrong check digit: %v, want EINVALID", err)
		}
		verifyIndex(t, db, org, "after writes")

		// Not in clear: no column of the index holds any spelling.
		err = db.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.RawForTests().Query(ctx, `SELECT org_id, kind, hash, entity, row_id, channel_id, parent_id FROM identifiers`)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var o, r, c, p int64
				var k, h, e string
				if err := rows.Scan(&o, &k, &h, &e, &r, &c, &p); err != nil {
					return err
				}
				n++
				for _, clear := range []string{"kalle", "example.se", "0701740605", "701740605", "1740605", "8211059954", "9954", "46701"} {
					if strings.Contains(strings.ToLower(k+h+e), clear) {
						t.Errorf("index row %s/%s/%s holds %q", k, h, e, clear)
					}
				}
				if len(h) != 64 {
					t.Errorf("hash %q is not an HMAC-SHA256 in hex", h)
				}
			}
			if n == 0 {
				t.Error("the index is empty")
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}

		// Edits: the old identifier is gone, the new one found.
		if _, err := db.EditPost(ctx, actor, org, post.ID, "Mitt personnummer är "+identPnr2); err != nil {
			t.Fatal(err)
		}
		if refs := indexed(t, db, org, pii.IdentPersonnummer, identPnr); hasRef(refs, store.EntityForumPost, post.ID) {
			t.Errorf("edited post still indexed under its old personnummer: %+v", refs)
		}
		if refs := indexed(t, db, org, pii.IdentPersonnummer, "901211-9948"); !hasRef(refs, store.EntityForumPost, post.ID) {
			t.Errorf("edited post not indexed under its new personnummer: %+v", refs)
		}
		if _, err := db.UpsertSocialItem(ctx, org, f.Channels[gallra.ModuleSocial].ID, gallra.SocialInput{ExternalID: "s1", AuthorID: "a1", AuthorName: "Dan",
			Body: "redigerat, skriv till " + identEmail}); err != nil {
			t.Fatal(err)
		}
		if refs := indexed(t, db, org, pii.IdentPersonnummer, identPnr); hasRef(refs, store.EntitySocialItem, social.ID) {
			t.Errorf("edited social item still indexed: %+v", refs)
		}
		if refs := indexed(t, db, org, pii.IdentEmail, identEmail); !hasRef(refs, store.EntitySocialItem, social.ID) {
			t.Errorf("edited social item not indexed under its new address: %+v", refs)
		}
		art.Body = "Inget kvar"
		if _, err := db.SaveArticle(ctx, actor, art); err != nil {
			t.Fatal(err)
		}
		if refs := indexed(t, db, org, pii.IdentEmail, identEmail); hasRef(refs, store.EntityKnowledgeArticle, art.ID) {
			t.Errorf("edited article still indexed: %+v", refs)
		}
		verifyIndex(t, db, org, "after edits")

		// Deletes, by any statement (here a raw one, as a purge's), drop
		// the row's entries.
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `DELETE FROM chat_messages WHERE id = ?`, chatMsg)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if refs := indexed(t, db, org, pii.IdentPhone, identPhone); hasRef(refs, store.EntityChatMessage, chatMsg) {
			t.Errorf("deleted chat message still indexed: %+v", refs)
		}
		verifyIndex(t, db, org, "after a delete")
		verifyIndex(t, db, other.Org.ID, "other organisation")
	})
}

// Rows written around the write path (bulk loads, rows of a binary without
// the index) are indexed by the backfill, in batches, resumably; until it
// is done a lookup says it is incomplete.
func TestIdentifierBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Fill")
		org := f.Org.ID
		var ids []int64
		for i := range 7 {
			topic, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "t",
				Body: "kontakt " + identEmail + strings.Repeat(" x", i), Author: gallra.Author{Name: "A"}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, topic.Posts[0].ID)
		}
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `DELETE FROM identifiers`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RebuildIdentifierIndex(ctx); err != nil {
			t.Fatal(err)
		}
		if _, complete, err := db.LookupIdentifier(ctx, org, pii.IdentEmail, identEmail); err != nil || complete {
			t.Fatalf("lookup during backfill: complete %v, %v", complete, err)
		}
		// An interrupted backfill resumes.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.BackfillIdentifiers(cctx, 3); err == nil {
			t.Fatal("a cancelled backfill reported success")
		}
		if n, err := db.BackfillIdentifiers(ctx, 3); err != nil || n != 7 {
			t.Fatalf("backfill read %d rows, %v; want 7", n, err)
		}
		refs := indexed(t, db, org, pii.IdentEmail, identEmail)
		for _, id := range ids {
			if !hasRef(refs, store.EntityForumPost, id) {
				t.Errorf("post %d not backfilled: %+v", id, refs)
			}
		}
		verifyIndex(t, db, org, "after backfill")
		if n, err := db.BackfillIdentifiers(ctx, 3); err != nil || n != 0 {
			t.Errorf("second backfill read %d rows, %v", n, err)
		}
	})
}
