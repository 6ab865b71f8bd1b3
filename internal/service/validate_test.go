package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestContentValidation checks that the services refuse bad input for every
// transport alike (the store no longer checks it), and the public
// operations' own rules: another module's channel is not found, a wrong
// chat token is not found.
func TestContentValidation(t *testing.T) {
	long := strings.Repeat("x", gallra.MaxBodyLen+1)
	cases := []struct {
		name string
		want string // error code
		msg  string // part of the message
		run  func(ctx context.Context, c *content) error
	}{
		{"topic without title", gallra.EINVALID, "title is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleForum], Title: "  ", Body: "b", Author: gallra.Author{Name: "A", Email: "a@example.se"}})
			return err
		}},
		{"topic with bad e-mail", gallra.EINVALID, "author_email", func(ctx context.Context, c *content) error {
			_, err := c.svc.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleForum], Title: "t", Body: "b", Author: gallra.Author{Name: "A", Email: "a"}})
			return err
		}},
		{"topic in a chat channel", gallra.ENOTFOUND, "", func(ctx context.Context, c *content) error {
			_, err := c.svc.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleChat], Title: "t", Body: "b", Author: gallra.Author{Name: "A", Email: "a@example.se"}})
			return err
		}},
		{"post with body too long", gallra.EINVALID, "body", func(ctx context.Context, c *content) error {
			_, err := c.svc.Forum.AddPublicPost(ctx, gallra.NewPost{TopicID: c.topic.ID, Body: long, Author: gallra.Author{Name: "A", Email: "a@example.se"}})
			return err
		}},
		{"comment on parent 0", gallra.EINVALID, "parent_id", func(ctx context.Context, c *content) error {
			zero := int64(0)
			_, err := c.svc.Forum.AddPublicPost(ctx, gallra.NewPost{TopicID: c.topic.ID, ParentID: &zero, Body: "b", Author: gallra.Author{Name: "A", Email: "a@example.se"}})
			return err
		}},
		{"edit post to empty", gallra.EINVALID, "body is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Forum.EditPost(ctx, c.fx.Admin, c.topic.Posts[0].ID, "")
			return err
		}},
		{"ingest mail from a bad address", gallra.EINVALID, "from is not a valid e-mail", func(ctx context.Context, c *content) error {
			_, err := c.svc.Mail.Ingest(ctx, c.fx.Admin, c.channelOf[gallra.ModuleMail], gallra.InboundMail{From: "not-an-address", Body: "x"})
			return err
		}},
		{"ingest mail into a forum", gallra.ENOTFOUND, "not a mail channel", func(ctx context.Context, c *content) error {
			_, err := c.svc.Mail.Ingest(ctx, c.fx.Admin, c.channelOf[gallra.ModuleForum], gallra.InboundMail{From: "a@example.se", Body: "x"})
			return err
		}},
		{"empty reply", gallra.EINVALID, "body is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Mail.Reply(ctx, c.fx.Admin, c.conv, gallra.MailReply{})
			return err
		}},
		{"chat with bad e-mail", gallra.EINVALID, "author_email", func(ctx context.Context, c *content) error {
			_, _, err := c.svc.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleChat], Email: "x", Message: "hej"})
			return err
		}},
		{"chat without message", gallra.EINVALID, "message is required", func(ctx context.Context, c *content) error {
			_, _, err := c.svc.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleChat]})
			return err
		}},
		{"chat in a forum", gallra.ENOTFOUND, "", func(ctx context.Context, c *content) error {
			_, _, err := c.svc.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleForum], Message: "hej"})
			return err
		}},
		{"chat message with a wrong token", gallra.ENOTFOUND, "", func(ctx context.Context, c *content) error {
			_, err := c.svc.Chat.PublicMessage(ctx, c.chat, "gal_wrong", "hej")
			return err
		}},
		{"empty customer chat message", gallra.EINVALID, "message is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Chat.PublicMessage(ctx, c.chat, c.chatToken, "")
			return err
		}},
		{"empty staff chat message", gallra.EINVALID, "body is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Chat.StaffMessage(ctx, c.fx.Admin, c.chat, "")
			return err
		}},
		{"chats with a bad status", gallra.EINVALID, "status", func(ctx context.Context, c *content) error {
			_, err := c.svc.Chat.ListChats(ctx, c.fx.Admin, c.channelOf[gallra.ModuleChat], "pending", gallra.Page{})
			return err
		}},
		{"social item without author", gallra.EINVALID, "author_id is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Social.Mirror(ctx, c.fx.Admin, c.channelOf[gallra.ModuleSocial], gallra.SocialInput{ExternalID: "p9"})
			return err
		}},
		{"social item with bad e-mail", gallra.EINVALID, "author_email", func(ctx context.Context, c *content) error {
			_, err := c.svc.Social.Mirror(ctx, c.fx.Admin, c.channelOf[gallra.ModuleSocial], gallra.SocialInput{ExternalID: "p9", AuthorID: "u9", AuthorEmail: "x"})
			return err
		}},
		{"article without title", gallra.EINVALID, "title is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Knowledge.CreateArticle(ctx, c.fx.Admin, c.channelOf[gallra.ModuleKnowledge], " ", "b")
			return err
		}},
		{"article update without body", gallra.EINVALID, "body is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Knowledge.UpdateArticle(ctx, c.fx.Admin, c.article, "t", "")
			return err
		}},
		{"custom field key too long", gallra.EINVALID, "key is longer than", func(ctx context.Context, c *content) error {
			return c.svc.CustomFields.SetCustomField(ctx, c.fx.Admin, gallra.SubjectForumTopic, c.topic.ID, strings.Repeat("k", gallra.MaxKeyLen+1), "v")
		}},
		{"custom field of a car", gallra.EINVALID, "subject_type must be one of", func(ctx context.Context, c *content) error {
			_, err := c.svc.CustomFields.CustomFields(ctx, c.fx.Admin, "car", 1)
			return err
		}},
		{"custom field of subject 0", gallra.EINVALID, "subject_id", func(ctx context.Context, c *content) error {
			_, err := c.svc.CustomFields.CustomFields(ctx, c.fx.Admin, gallra.SubjectPerson, 0)
			return err
		}},
		{"empty search", gallra.EINVALID, "q is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Search.Search(ctx, c.fx.Admin, c.channelOf[gallra.ModuleForum], "  ", 10)
			return err
		}},
		{"hold without reason", gallra.EINVALID, "reason is required", func(ctx context.Context, c *content) error {
			_, err := c.svc.Holds.PlaceHold(ctx, c.fx.Admin, gallra.SubjectForumTopic, c.topic.ID, " ")
			return err
		}},
		{"hold on a person", gallra.EINVALID, "subject_type", func(ctx context.Context, c *content) error {
			_, err := c.svc.Holds.PlaceHold(ctx, c.fx.Admin, gallra.SubjectPerson, c.person, "Tvist")
			return err
		}},
		{"release what is not held", gallra.ENOTFOUND, "not on hold", func(ctx context.Context, c *content) error {
			return c.svc.Holds.ReleaseHold(ctx, c.fx.Admin, gallra.SubjectMailConversation, c.conv)
		}},
		{"inactive staff", gallra.EFORBIDDEN, "not active", func(ctx context.Context, c *content) error {
			s := *c.fx.Admin
			s.Active = false
			_, err := c.svc.Forum.Topic(ctx, &s, c.topic.ID, gallra.ThreadPage{})
			return err
		}},
		{"no staff", gallra.EFORBIDDEN, "", func(ctx context.Context, c *content) error {
			_, err := c.svc.Mail.Conversation(ctx, nil, c.conv, gallra.ThreadPage{})
			return err
		}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		c := mustSeed(t, db, clock)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.run(context.Background(), c)
				if got := gallra.ErrorCode(err); got != tc.want || !strings.Contains(gallra.ErrorMessage(err), tc.msg) {
					t.Errorf("got %v (code %q), want code %q with %q", err, got, tc.want, tc.msg)
				}
			})
		}
	})
}

// TestPublicContent checks what the public operations store: a normalised
// client address (truncated to its /24 by default, the organisation's IP
// rule: IPStorageOf), an anonymous chat, and a chat read back only with its
// token.
func TestPublicContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		c := mustSeed(t, db, clock)
		topic, err := c.svc.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: c.channelOf[gallra.ModuleForum], Title: "  Sophämtning  ", Body: "När?",
			Author: gallra.Author{Name: " Eva ", Email: "eva@example.se", IP: "::ffff:192.0.2.7"}})
		if err != nil {
			t.Fatal(err)
		}
		if p := topic.Posts[0]; p.AuthorIP != "192.0.2.0" || p.AuthorName != "Eva" || topic.Title != "Sophämtning" {
			t.Errorf("stored author %q %q, title %q; want the IPv4 address truncated to its /24 and trimmed name and title", p.AuthorIP, p.AuthorName, topic.Title)
		}
		got, err := c.svc.Forum.PublicTopic(ctx, topic.ID, gallra.ThreadPage{})
		if err != nil || got.ID != topic.ID {
			t.Fatalf("public topic: %v", err)
		}
		chat, token, err := c.svc.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: c.channelOf[gallra.ModuleChat], Message: "Hallå?", IP: "198.51.100.4"})
		if err != nil {
			t.Fatal(err)
		}
		if chat.ParticipantName != "" {
			t.Errorf("anonymous chat has participant name %q", chat.ParticipantName)
		}
		if _, err := c.svc.Chat.PublicMessage(ctx, chat.ID, token, "Är någon där?"); err != nil {
			t.Fatal(err)
		}
		read, err := c.svc.Chat.PublicChat(ctx, chat.ID, token, gallra.ThreadPage{})
		if err != nil || len(read.Messages) != 2 {
			t.Fatalf("public chat: %v, %d messages", err, len(read.Messages))
		}
		if _, err := c.svc.Chat.PublicChat(ctx, chat.ID, c.chatToken, gallra.ThreadPage{}); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("another chat's token: %v, want not found", err)
		}
		if _, err := c.svc.Forum.PublicChannel(ctx, c.channelOf[gallra.ModuleMail], gallra.ModuleForum, gallra.ModuleChat); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("mail channel for the public: %v, want not found", err)
		}
	})
}

// TestHoldsListedByChannel checks that the hold list shows an editor only
// the holds of channels they may view, and another organisation none.
func TestHoldsListedByChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		c := mustSeed(t, db, clock)
		for _, tc := range []struct {
			name    string
			staff   *gallra.Staff
			channel int64
			want    []int64
		}{
			{"admin sees all", c.fx.Admin, 0, []int64{c.heldTopic, c.heldChat}},
			{"admin, one channel", c.fx.Admin, c.channelOf[gallra.ModuleChat], []int64{c.heldChat}},
			{"editor sees their forum's", c.fx.Editor, 0, []int64{c.heldTopic}},
			{"editor, a channel they are not in", c.fx.Editor, c.channelOf[gallra.ModuleChat], nil},
			{"other organisation sees none", c.other.Admin, 0, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				holds, err := c.svc.Holds.Holds(ctx, tc.staff, tc.channel)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, h := range holds {
					got = append(got, h.SubjectID)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("holds of subjects %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("holds of subjects %v, want %v", got, tc.want)
					}
				}
			})
		}
	})
}
