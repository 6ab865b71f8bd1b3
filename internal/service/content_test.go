package service_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// content is one object of every kind in organisation A of the fixture. The
// fixture's editor is a member of the forum and mail channels only, so the
// topic, post and conversation are "theirs" and the chat, social item and
// article are not.
type content struct {
	fx, other  *storetest.Fixture
	topic      *gallra.ForumTopic
	conv, att  int64
	chat       int64
	chatToken  string
	article    int64
	person     int64
	heldTopic  int64
	heldChat   int64
	channelOf  map[gallra.Module]int64
	svc        *gallra.Services
	db         *store.DB
	customerAt string
}

func mustSeed(t *testing.T, db *store.DB, clock *storetest.Clock) *content {
	t.Helper()
	ctx := context.Background()
	c := &content{fx: storetest.MustFixture(t, db, "Alfa"), other: storetest.MustFixture(t, db, "Beta"), db: db,
		svc: service.New(service.Deps{DB: db, Clock: clock}), channelOf: map[gallra.Module]int64{}, customerAt: "kund@example.se"}
	org := c.fx.Org.ID
	for m, ch := range c.fx.Channels {
		c.channelOf[m] = ch.ID
	}
	admin := gallra.Actor{Type: gallra.ActorStaff, ID: c.fx.Admin.ID}
	author := gallra.Author{Name: "Kund", Email: c.customerAt, IP: "192.0.2.1"}
	var err error
	if c.topic, err = db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleForum], Title: "Fråga", Body: "Hur gör man?", Author: author}); err != nil {
		t.Fatal(err)
	}
	c.person = *c.topic.PersonID
	msg, err := db.IngestMail(ctx, org, c.channelOf[gallra.ModuleMail], gallra.InboundMail{From: c.customerAt, Subject: "Faktura", Body: "Var är fakturan?",
		MessageID: "m1@example.se", Attachments: []gallra.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Content: []byte("%PDF")}}})
	if err != nil {
		t.Fatal(err)
	}
	c.conv, c.att = msg.ConversationID, msg.Attachments[0].ID
	chat, tok, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleChat], Name: "Kund", Email: c.customerAt, Message: "hej"})
	if err != nil {
		t.Fatal(err)
	}
	c.chat, c.chatToken = chat.ID, tok
	if _, err := db.UpsertSocialItem(ctx, org, c.channelOf[gallra.ModuleSocial], gallra.SocialInput{ExternalID: "p1", AuthorID: "u1", Body: "hej"}); err != nil {
		t.Fatal(err)
	}
	a, err := db.SaveArticle(ctx, admin, &gallra.KnowledgeArticle{OrgID: org, ChannelID: c.channelOf[gallra.ModuleKnowledge], Title: "Så gör du", Body: "Så här."})
	if err != nil {
		t.Fatal(err)
	}
	c.article = a.ID
	held, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleForum], Title: "Tvist", Body: "Överklagat", Author: author})
	if err != nil {
		t.Fatal(err)
	}
	c.heldTopic = held.ID
	heldChat, _, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleChat], Message: "anonym"})
	if err != nil {
		t.Fatal(err)
	}
	c.heldChat = heldChat.ID
	for _, err := range []error{c.hold(ctx, gallra.SubjectForumTopic, c.heldTopic), c.hold(ctx, gallra.SubjectChatConversation, c.heldChat)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// hold puts a subject on hold through the store (as seeding), so that a
// release has something to release each time it runs.
func (c *content) hold(ctx context.Context, st gallra.SubjectType, id int64) error {
	_, err := c.db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: c.fx.Admin.ID}, c.fx.Org.ID, st, id, "Tvist")
	return err
}

// TestContentPermissions runs every permission-checked content operation as
// an administrator, an editor who is a member of the object's channel, an
// editor who is not, and an administrator of another organisation: the
// other organisation's administrator gets ENOTFOUND (the object is not
// theirs), the non-member editor EFORBIDDEN naming the channel.
func TestContentPermissions(t *testing.T) {
	type op struct {
		name string
		// member: the object is in a channel the fixture's editor is a
		// member of (forum, mail); otherwise it is not (chat, social,
		// knowledge) or needs an administrator (a person's fields).
		member  bool
		channel gallra.Module // the channel a refusal names
		run     func(ctx context.Context, c *content, s *gallra.Staff) error
	}
	ops := []op{
		{"list topics", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Forum.ListTopics(ctx, s, c.channelOf[gallra.ModuleForum], gallra.Page{})
			return err
		}},
		{"read topic", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Forum.Topic(ctx, s, c.topic.ID, gallra.ThreadPage{})
			return err
		}},
		{"edit post", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Forum.EditPost(ctx, s, c.topic.Posts[0].ID, "modererad")
			return err
		}},
		{"list conversations", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Mail.ListConversations(ctx, s, c.channelOf[gallra.ModuleMail], gallra.Page{})
			return err
		}},
		{"read conversation", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Mail.Conversation(ctx, s, c.conv, gallra.ThreadPage{})
			return err
		}},
		{"reply to conversation", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Mail.Reply(ctx, s, c.conv, gallra.MailReply{Body: "Här är den."})
			return err
		}},
		{"download attachment", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Mail.Attachment(ctx, s, c.att)
			return err
		}},
		{"ingest mail", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Mail.Ingest(ctx, s, c.channelOf[gallra.ModuleMail], gallra.InboundMail{From: "ny@example.se", Body: "hej"})
			return err
		}},
		{"list chats", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Chat.ListChats(ctx, s, c.channelOf[gallra.ModuleChat], "", gallra.Page{})
			return err
		}},
		{"read chat", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Chat.Chat(ctx, s, c.chat, gallra.ThreadPage{})
			return err
		}},
		{"write in chat", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Chat.StaffMessage(ctx, s, c.chat, "Hej!")
			return err
		}},
		{"close chat", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Chat.Close(ctx, s, c.chat)
			return err
		}},
		{"list social items", false, gallra.ModuleSocial, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Social.ListItems(ctx, s, c.channelOf[gallra.ModuleSocial], gallra.Page{})
			return err
		}},
		{"mirror social item", false, gallra.ModuleSocial, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Social.Mirror(ctx, s, c.channelOf[gallra.ModuleSocial], gallra.SocialInput{ExternalID: "p2", AuthorID: "u2", Body: "nytt"})
			return err
		}},
		{"remove social item", false, gallra.ModuleSocial, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Social.RemoveMirrored(ctx, s, c.channelOf[gallra.ModuleSocial], "p1", false)
			return err
		}},
		{"list articles", false, gallra.ModuleKnowledge, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Knowledge.ListArticles(ctx, s, c.channelOf[gallra.ModuleKnowledge], gallra.Page{})
			return err
		}},
		{"read article", false, gallra.ModuleKnowledge, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Knowledge.Article(ctx, s, c.article)
			return err
		}},
		{"create article", false, gallra.ModuleKnowledge, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Knowledge.CreateArticle(ctx, s, c.channelOf[gallra.ModuleKnowledge], "Ny", "Text")
			return err
		}},
		{"update article", false, gallra.ModuleKnowledge, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Knowledge.UpdateArticle(ctx, s, c.article, "Ändrad", "Text")
			return err
		}},
		{"delete article", false, gallra.ModuleKnowledge, func(ctx context.Context, c *content, s *gallra.Staff) error {
			return c.svc.Knowledge.DeleteArticle(ctx, s, c.article)
		}},
		{"read topic fields", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.CustomFields.CustomFields(ctx, s, gallra.SubjectForumTopic, c.topic.ID)
			return err
		}},
		{"set conversation field", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			return c.svc.CustomFields.SetCustomField(ctx, s, gallra.SubjectMailConversation, c.conv, "ärende", "K-1")
		}},
		{"set chat field", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			return c.svc.CustomFields.SetCustomField(ctx, s, gallra.SubjectChatConversation, c.chat, "ärende", "K-1")
		}},
		{"read person fields", false, "", func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.CustomFields.CustomFields(ctx, s, gallra.SubjectPerson, c.person)
			return err
		}},
		{"search forum", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Search.Search(ctx, s, c.channelOf[gallra.ModuleForum], "gör", 10)
			return err
		}},
		{"search chat", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Search.Search(ctx, s, c.channelOf[gallra.ModuleChat], "hej", 10)
			return err
		}},
		{"hold topic", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Holds.PlaceHold(ctx, s, gallra.SubjectForumTopic, c.topic.ID, "Tvist")
			return err
		}},
		{"hold mail conversation", true, gallra.ModuleMail, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Holds.PlaceHold(ctx, s, gallra.SubjectMailConversation, c.conv, "Tvist")
			return err
		}},
		{"hold chat", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			_, err := c.svc.Holds.PlaceHold(ctx, s, gallra.SubjectChatConversation, c.chat, "Tvist")
			return err
		}},
		{"release topic hold", true, gallra.ModuleForum, func(ctx context.Context, c *content, s *gallra.Staff) error {
			// Their own hold: someone else's needs an admin and a reason
			// (TestReleaseSomeoneElsesHold).
			if _, err := c.db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: s.ID}, c.fx.Org.ID, gallra.SubjectForumTopic, c.heldTopic, "Tvist"); err != nil {
				return err
			}
			return c.svc.Holds.ReleaseHold(ctx, s, gallra.SubjectForumTopic, c.heldTopic)
		}},
		{"release chat hold", false, gallra.ModuleChat, func(ctx context.Context, c *content, s *gallra.Staff) error {
			// Their own hold: someone else's needs an admin and a reason
			// (TestReleaseSomeoneElsesHold).
			if _, err := c.db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: s.ID}, c.fx.Org.ID, gallra.SubjectChatConversation, c.heldChat, "Tvist"); err != nil {
				return err
			}
			return c.svc.Holds.ReleaseHold(ctx, s, gallra.SubjectChatConversation, c.heldChat)
		}},
	}
	roles := []struct {
		name  string
		staff func(c *content) *gallra.Staff
		want  func(o op) string // expected error code, "" for success
	}{
		// Refusals first: they change nothing, so the successes after them
		// act on the seeded objects.
		{"other organisation", func(c *content) *gallra.Staff { return c.other.Admin }, func(op) string { return gallra.ENOTFOUND }},
		{"editor", func(c *content) *gallra.Staff { return c.fx.Editor }, func(o op) string {
			if o.member {
				return ""
			}
			return gallra.EFORBIDDEN
		}},
		{"admin", func(c *content) *gallra.Staff { return c.fx.Admin }, func(op) string { return "" }},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		c := mustSeed(t, db, clock)
		for _, o := range ops {
			t.Run(o.name, func(t *testing.T) {
				for _, r := range roles {
					err := o.run(context.Background(), c, r.staff(c))
					want := r.want(o)
					if got := gallra.ErrorCode(err); got != want && !(want == "" && err == nil) {
						t.Fatalf("%s: got %v (code %q), want code %q", r.name, err, got, want)
					}
					if want == gallra.EFORBIDDEN && o.channel != "" {
						if msg, ch := gallra.ErrorMessage(err), c.channelOf[o.channel]; !strings.Contains(msg, "channel "+strconv.FormatInt(ch, 10)) {
							t.Errorf("%s: refusal %q does not name channel %d", r.name, msg, ch)
						}
					}
				}
			})
		}
	})
}
