package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestMigrateIdempotentAndSchemaCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		n, err := db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate: applied %d, err %v; want 0, nil", n, err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema on migrated db: %v", err)
		}
	})
}

// A migration that lands with a lower number than one a database already
// has (features developed side by side) is applied late, and until then the
// schema check refuses the database.
func TestOutOfOrderMigrationIsApplied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.RawForTests().Exec(ctx, `DROP TABLE purge_person_queue`); err != nil {
				return err
			}
			_, err := tx.RawForTests().Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = 6`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "gallra migrate") {
			t.Fatalf("CheckSchema with migration 6 missing: %v", err)
		}
		if n, err := db.Migrate(ctx); err != nil || n != 1 {
			t.Fatalf("Migrate applied %d, %v; want the missing one", n, err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema after: %v", err)
		}
	})
}

func TestCheckSchemaRefusesUnmigrated(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db, err := store.Open(context.Background(), storetest.URL(t, d), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.CheckSchema(context.Background()); err == nil {
				t.Fatal("CheckSchema accepted an empty database")
			}
		})
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "mysql://x", "sqlite:"} {
		if _, err := store.Open(context.Background(), u, nil); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestBootstrapAndAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		org, admin, secret, err := db.Bootstrap(ctx, "Kommunen", "Ada Admin", "ada@kommunen.example", "fixed-secret-value-123")
		if err != nil {
			t.Fatal(err)
		}
		if secret != "fixed-secret-value-123" {
			t.Fatalf("secret = %q", secret)
		}
		st, tok, err := db.Authenticate(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if st.ID != admin.ID || tok.OrgID != org.ID || st.Role != gallra.RoleAdmin {
			t.Fatalf("authenticated as %+v %+v", st, tok)
		}
		if _, _, err := db.Authenticate(ctx, "wrong"); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Fatalf("wrong secret: %v", err)
		}
		if err := db.RevokeToken(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, org.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Authenticate(ctx, secret); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Fatalf("revoked token still works: %v", err)
		}
		// A duplicate staff e-mail (differing in case) is a conflict.
		_, err = db.CreateStaff(ctx, gallra.Actor{Type: gallra.ActorSystem}, &gallra.Staff{OrgID: org.ID, Name: "X", Email: "ADA@kommunen.example", Role: gallra.RoleEditor, Active: true})
		if gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("duplicate staff e-mail: %v", err)
		}
	})
}

func TestTenantIsolationInStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		a := storetest.MustFixture(t, db, "Alpha")
		b := storetest.MustFixture(t, db, "Beta")
		topic, err := db.CreateTopic(ctx, a.Org.ID, gallra.NewTopic{ChannelID: a.Channels[gallra.ModuleForum].ID, Title: "Hej", Body: "Fråga", Author: gallra.Author{Name: "Eva", Email: "eva@example.se", IP: "192.0.2.1"}})
		if err != nil {
			t.Fatal(err)
		}
		checks := map[string]error{}
		_, checks["channel"] = db.GetChannel(ctx, b.Org.ID, a.Channels[gallra.ModuleForum].ID)
		_, checks["topic"] = db.GetTopic(ctx, b.Org.ID, topic.ID)
		_, checks["post"] = db.GetPost(ctx, b.Org.ID, topic.Posts[0].ID)
		_, checks["staff"] = db.GetStaff(ctx, b.Org.ID, a.Admin.ID)
		_, checks["person"] = db.FindPerson(ctx, b.Org.ID, "eva@example.se")
		_, checks["topic in other org channel"] = db.CreateTopic(ctx, b.Org.ID, gallra.NewTopic{ChannelID: a.Channels[gallra.ModuleForum].ID, Title: "x", Body: "y", Author: gallra.Author{Name: "n", Email: "n@example.se"}})
		for what, err := range checks {
			if gallra.ErrorCode(err) != gallra.ENOTFOUND {
				t.Errorf("%s of org A read by org B: err = %v, want not_found", what, err)
			}
		}
	})
}

func TestForumMailChatSocialKnowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Gamma")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}

		// Forum: topic, post, comment, person linking by normalised e-mail.
		topic, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Sophämtning", Body: "När töms kärlen?", Author: gallra.Author{Name: "Eva", Email: "Eva@Example.se", IP: "192.0.2.7"}})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		post, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topic.ID, Body: "Svar", Author: gallra.Author{Name: "Olle", Email: "olle@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		com, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topic.ID, ParentID: &post.ID, Body: "Tack", Author: gallra.Author{Name: "Eva", Email: " eva@example.SE "}})
		if err != nil {
			t.Fatal(err)
		}
		if *com.PersonID != *topic.PersonID {
			t.Errorf("same e-mail in other case got person %d, want %d", *com.PersonID, *topic.PersonID)
		}
		if _, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topic.ID, ParentID: &com.ID, Body: "x", Author: gallra.Author{Name: "A", Email: "a@example.se"}}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("comment on a comment: %v", err)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, topic.ID)
		if err != nil || len(got.Posts) != 3 || !got.LastActivityAt.Equal(clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("GetTopic: %v %+v", err, got)
		}

		// Mail: ingest, threading by In-Reply-To, idempotent Message-ID, reply.
		inbox := f.Channels[gallra.ModuleMail].ID
		m1, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", FromName: "Kund", To: []string{"support@gamma.example"}, Subject: "Faktura", Body: "Hej!", MessageID: "<a1@example.se>",
			Attachments: []gallra.Attachment{{Filename: "faktura.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4")}}})
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: "Faktura", Body: "Hej!", MessageID: "a1@example.se"})
		if err != nil || again.ID != m1.ID {
			t.Fatalf("re-ingest of same Message-ID: %v, id %d want %d", err, again.ID, m1.ID)
		}
		// The same Message-ID sent to a second inbox is a separate message there.
		inbox2, err := db.CreateChannel(ctx, admin, &gallra.Channel{OrgID: f.Org.ID, Module: gallra.ModuleMail, Name: "Second inbox"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.IngestMail(ctx, f.Org.ID, inbox2.ID, gallra.InboundMail{From: "kund@example.se", Subject: "Faktura", Body: "Hej!", MessageID: "a1@example.se"})
		if err != nil || other.ID == m1.ID || other.ChannelID != inbox2.ID {
			t.Fatalf("same Message-ID in another inbox: %v, got message %d of channel %d", err, other.ID, other.ChannelID)
		}
		m2, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "kund@example.se", Subject: "Re: Faktura", Body: "Och så", MessageID: "a2@example.se", InReplyTo: "<a1@example.se>"})
		if err != nil || m2.ConversationID != m1.ConversationID {
			t.Fatalf("reply not threaded: %v %d vs %d", err, m2.ConversationID, m1.ConversationID)
		}
		if _, err := db.ReplyMail(ctx, admin, f.Org.ID, m1.ConversationID, f.Admin, store.OutboundReply{Body: "Vi kollar", FromAddr: "support@gamma.example"}); err != nil {
			t.Fatal(err)
		}
		conv, err := db.GetMailConversation(ctx, f.Org.ID, m1.ConversationID)
		if err != nil || len(conv.Messages) != 3 || len(conv.Messages[0].Attachments) != 1 || len(conv.PersonIDs) != 1 {
			t.Fatalf("conversation: %v %+v", err, conv)
		}
		att, err := db.GetAttachment(ctx, f.Org.ID, conv.Messages[0].Attachments[0].ID)
		if err != nil || string(att.Content) != "%PDF-1.4" {
			t.Fatalf("attachment: %v", err)
		}

		// Chat: anonymous start, customer secret, close, closed refuses.
		chat, secret, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Message: "Hallå?", IP: "198.51.100.4"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CustomerChatMessage(ctx, f.Org.ID, chat.ID, "wrong", "hej"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("wrong chat secret: %v", err)
		}
		if _, err := db.CustomerChatMessage(ctx, f.Org.ID, chat.ID, secret, "Är ni där?"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StaffChatMessage(ctx, f.Org.ID, chat.ID, f.Admin.ID, "Ja!"); err != nil {
			t.Fatal(err)
		}
		closed, err := db.CloseChat(ctx, admin, f.Org.ID, chat.ID)
		if err != nil || closed.ClosedAt == nil || len(closed.Messages) != 3 {
			t.Fatalf("close: %v %+v", err, closed)
		}
		if _, err := db.CustomerChatMessage(ctx, f.Org.ID, chat.ID, secret, "hej"); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("message to closed chat: %v", err)
		}
		// Idle chats are closed at last activity + idle limit.
		idle, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: "Per", Email: "per@example.se", Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		opened := clock.Now().Truncate(time.Millisecond)
		clock.Advance(72 * time.Hour)
		if n, err := db.CloseIdleChats(ctx, 24*time.Hour, 10); err != nil || n != 1 {
			t.Fatalf("CloseIdleChats = %d, %v", n, err)
		}
		ic, _ := db.GetChat(ctx, f.Org.ID, idle.ID)
		if ic.ClosedAt == nil || !ic.ClosedAt.Equal(opened.Add(24*time.Hour)) {
			t.Errorf("idle chat closed at %v, want %v", ic.ClosedAt, opened.Add(24*time.Hour))
		}

		// Social: upsert idempotent, comment, removal on platform.
		soc := f.Channels[gallra.ModuleSocial].ID
		p1, err := db.UpsertSocialItem(ctx, f.Org.ID, soc, gallra.SocialInput{ExternalID: "fb_1", AuthorID: "u1", AuthorName: "Lisa", Body: "Bra service"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertSocialItem(ctx, f.Org.ID, soc, gallra.SocialInput{ExternalID: "fb_2", ParentExternalID: "fb_1", AuthorID: "u2", Body: "Håller med"}); err != nil {
			t.Fatal(err)
		}
		p1b, err := db.UpsertSocialItem(ctx, f.Org.ID, soc, gallra.SocialInput{ExternalID: "fb_1", AuthorID: "u1", AuthorName: "Lisa", Body: "Bra service!"})
		if err != nil || p1b.ID != p1.ID || p1b.Body != "Bra service!" {
			t.Fatalf("upsert edit: %v %+v", err, p1b)
		}
		if n, err := db.RemoveSocialMirror(ctx, admin, f.Org.ID, soc, "fb_1", false); err != nil || n != 2 {
			t.Fatalf("remove post with comment: %d %v", n, err)
		}

		// Knowledge.
		art, err := db.SaveArticle(ctx, admin, &gallra.KnowledgeArticle{OrgID: f.Org.ID, ChannelID: f.Channels[gallra.ModuleKnowledge].ID, StaffID: &f.Admin.ID, Title: "Öppettider", Body: "Vardagar 8–17"})
		if err != nil {
			t.Fatal(err)
		}
		if hits, err := db.SearchChannel(ctx, f.Org.ID, f.Channels[gallra.ModuleKnowledge].ID, "vardagar", 10); err != nil || len(hits) != 1 || hits[0].ID != art.ID {
			t.Fatalf("search: %v %+v", err, hits)
		}

		// Custom fields link to the subject's person.
		if err := db.SetCustomField(ctx, admin, f.Org.ID, gallra.SubjectMailConversation, m1.ConversationID, "kundnummer", "KN-123456"); err != nil {
			t.Fatal(err)
		}
		fields, err := db.ListCustomFields(ctx, f.Org.ID, gallra.SubjectMailConversation, m1.ConversationID)
		if err != nil || len(fields) != 1 || fields[0].PersonID == nil || *fields[0].PersonID != *m1.PersonID {
			t.Fatalf("custom fields: %v %+v", err, fields)
		}

		// The audit chain covers everything above and verifies.
		res, err := db.VerifyAudit(ctx, f.Org.ID)
		if err != nil || !res.OK || res.Entries < 10 {
			t.Fatalf("verify: %v %+v", err, res)
		}
	})
}

// Every foreign key to persons refuses to delete a person who still has a
// row behind it; on PostgreSQL all seven are ON DELETE RESTRICT (migration
// 9), which refuses the same deletions as NO ACTION with one lookup less
// per deleted person.
func TestPersonForeignKeysRefuseDeletingAPersonWithContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "FK")
		topic, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "t", Body: "b", Author: gallra.Author{Name: "n", Email: "fk@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `DELETE FROM persons WHERE id = (SELECT person_id FROM forum_topics WHERE id = ?)`, topic.ID)
			return err
		})
		if err == nil {
			t.Fatal("a person with a topic and a post was deleted")
		}
		if db.Dialect() != store.Postgres {
			return
		}
		err = db.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.RawForTests().Query(ctx, `SELECT conrelid::regclass::text, confdeltype FROM pg_constraint
				WHERE contype = 'f' AND confrelid = 'persons'::regclass ORDER BY 1`)
			if err != nil {
				return err
			}
			defer rows.Close()
			var tables []string
			for rows.Next() {
				var table, action string
				if err := rows.Scan(&table, &action); err != nil {
					return err
				}
				tables = append(tables, table)
				if action != "r" {
					t.Errorf("foreign key from %s to persons: delete action %q, want RESTRICT (r)", table, action)
				}
			}
			// The rule that decides whether a person is unused looks at
			// exactly the tables that refer to persons.
			want := store.PersonRefTables()
			slices.Sort(want)
			slices.Sort(tables)
			if !slices.Equal(tables, want) {
				t.Errorf("tables referring to persons %v, the unused-person rule checks %v", tables, want)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
