package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Every service that returns a person's data to staff records the read
// (person page with its reason, mail conversation, chat, forum topic in
// the API and in the staff site); lists and searches do not. Admins read
// the log per person and per staff user; editors may not.
func TestAccessLogRecordsReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		other := storetest.MustFixture(t, db, "Beta")
		svc := service.New(service.Deps{DB: db, Clock: clock})
		site := service.NewSite(service.Deps{DB: db, Clock: clock}, nil)
		org := f.Org.ID
		kund := gallra.Author{Name: "Kund Kundsson", Email: "kund@example.se"}
		topic, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Fråga", Body: "Hur gör man?", Author: kund})
		if err != nil {
			t.Fatal(err)
		}
		person := *topic.PersonID
		mail, err := db.IngestMail(ctx, org, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: kund.Email, Subject: "Bygglov", Body: "Hej", MessageID: "<k1@x>",
			Attachments: []gallra.Attachment{{Filename: "ritning.txt", ContentType: "text/plain", Content: []byte("x")}}})
		if err != nil {
			t.Fatal(err)
		}
		chat, _, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: kund.Name, Email: kund.Email, Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		if *mail.PersonID != person || chat.PersonID == nil || *chat.PersonID != person {
			t.Fatalf("fixture: the mail and chat are not the topic author's (%v, %v, %d)", mail.PersonID, chat.PersonID, person)
		}

		count := func() int {
			t.Helper()
			p, err := svc.AccessLog.List(ctx, f.Admin, gallra.AccessLogFilter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Items)
		}
		// Lists and searches are not reads of one person's data.
		if _, err := svc.Workspace.ListInbox(ctx, f.Admin, gallra.InboxFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Chat.ListChats(ctx, f.Admin, f.Channels[gallra.ModuleChat].ID, "", gallra.Page{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Forum.ListTopics(ctx, f.Admin, f.Channels[gallra.ModuleForum].ID, gallra.Page{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Persons.SearchPersons(ctx, f.Admin, kund.Email); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Fatalf("lists and searches recorded %d reads", n)
		}

		reads := []struct {
			name   string
			read   func() error
			staff  *gallra.Staff
			st     gallra.SubjectType
			id     int64
			reason gallra.AccessReason
			action gallra.AccessAction
		}{
			{"person page with a reason", func() error {
				_, err := svc.Persons.PersonOverviewFor(ctx, f.Admin, person, gallra.ReasonRequest)
				return err
			},
				f.Admin, gallra.SubjectPerson, person, gallra.ReasonRequest, ""},
			{"person page (API without reason)", func() error { _, err := svc.Persons.PersonOverview(ctx, f.Editor, person); return err },
				f.Editor, gallra.SubjectPerson, person, "", ""},
			{"workspace conversation", func() error {
				_, err := svc.Workspace.Conversation(ctx, f.Editor, mail.ConversationID, gallra.ThreadPage{})
				return err
			}, f.Editor, gallra.SubjectMailConversation, mail.ConversationID, "", ""},
			{"chat", func() error { _, err := svc.Chat.Chat(ctx, f.Admin, chat.ID, gallra.ThreadPage{}); return err },
				f.Admin, gallra.SubjectChatConversation, chat.ID, "", ""},
			{"forum topic (API)", func() error { _, err := svc.Forum.Topic(ctx, f.Editor, topic.ID, gallra.ThreadPage{}); return err },
				f.Editor, gallra.SubjectForumTopic, topic.ID, "", ""},
			{"forum topic (staff site)", func() error { _, err := site.StaffThread(ctx, f.Admin, topic.ID, 0); return err },
				f.Admin, gallra.SubjectForumTopic, topic.ID, "", ""},
			{"mail attachment", func() error { _, err := svc.Mail.Attachment(ctx, f.Editor, mail.Attachments[0].ID); return err },
				f.Editor, gallra.SubjectMailConversation, mail.ConversationID, "", gallra.AccessDownload},
			{"chat-log export", func() error {
				day := clock.Now().Truncate(24 * time.Hour)
				return svc.ChatLive.(gallra.ChatLogExporter).ExportLog(ctx, f.Admin, gallra.ChatLogFilter{ChannelID: f.Channels[gallra.ModuleChat].ID,
					From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 2), Format: "json"}, func(gallra.ChatLogChat) error { return nil })
			}, f.Admin, gallra.SubjectChatConversation, chat.ID, "", gallra.AccessDownload},
		}
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) {
				before := count()
				if err := r.read(); err != nil {
					t.Fatal(err)
				}
				p, err := svc.AccessLog.List(ctx, f.Admin, gallra.AccessLogFilter{Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				if count() != before+1 || len(p.Items) != 1 {
					t.Fatalf("not one read recorded: %d → %d", before, count())
				}
				e := p.Items[0]
				if r.action == "" {
					r.action = gallra.AccessView
				}
				if e.Action != r.action {
					t.Errorf("action %q, want %q", e.Action, r.action)
				}
				if e.StaffID != r.staff.ID || e.SubjectType != r.st || e.SubjectID != r.id || e.Reason != r.reason || !e.At.Equal(clock.Now()) {
					t.Errorf("entry %+v, want staff %d %s %d reason %q at %v", e, r.staff.ID, r.st, r.id, r.reason, clock.Now())
				}
			})
		}

		// A refused read records nothing: a bad reason, a channel the editor
		// may not view.
		before := count()
		if _, err := svc.Persons.PersonOverviewFor(ctx, f.Admin, person, "curiosity"); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("bad reason: %v", err)
		}
		if _, err := svc.Chat.Chat(ctx, f.Editor, chat.ID, gallra.ThreadPage{}); err == nil {
			t.Error("editor read a chat of a channel they are not a member of")
		}
		if n := count(); n != before {
			t.Errorf("refused reads recorded %d entries", n-before)
		}

		byPerson, err := svc.AccessLog.List(ctx, f.Admin, gallra.AccessLogFilter{PersonID: person})
		if err != nil {
			t.Fatal(err)
		}
		if len(byPerson.Items) != len(reads) {
			t.Errorf("person's log holds %d entries, want all %d reads", len(byPerson.Items), len(reads))
		}
		byEditor, err := svc.AccessLog.List(ctx, f.Admin, gallra.AccessLogFilter{StaffID: f.Editor.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(byEditor.Items) != 4 {
			t.Errorf("editor's log holds %d entries, want 4", len(byEditor.Items))
		}

		refusals := []struct {
			name  string
			staff *gallra.Staff
			f     gallra.AccessLogFilter
			code  string
		}{
			{"editor", f.Editor, gallra.AccessLogFilter{}, gallra.EFORBIDDEN},
			{"both filters", f.Admin, gallra.AccessLogFilter{StaffID: f.Editor.ID, PersonID: person}, gallra.EINVALID},
			{"limit", f.Admin, gallra.AccessLogFilter{Limit: 201}, gallra.EINVALID},
			{"from after to", f.Admin, gallra.AccessLogFilter{From: clock.Now(), To: clock.Now().AddDate(0, 0, -1)}, gallra.EINVALID},
			{"another organisation's person", other.Admin, gallra.AccessLogFilter{PersonID: person}, gallra.ENOTFOUND},
		}
		for _, r := range refusals {
			if _, err := svc.AccessLog.List(ctx, r.staff, r.f); gallra.ErrorCode(err) != r.code {
				t.Errorf("%s: %v, want %s", r.name, err, r.code)
			}
		}
		if p, err := svc.AccessLog.List(ctx, other.Admin, gallra.AccessLogFilter{}); err != nil || len(p.Items) != 0 {
			t.Errorf("another organisation sees %v, %v", p, err)
		}
	})
}

// The retention setting: 12 months by default, an admin sets 1 to 60, an
// editor may not; the preview counts what the purge removes.
func TestAccessLogSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		svc := service.New(service.Deps{DB: db, Clock: clock})
		t0 := clock.Now()
		for _, back := range []int{14, 13, 3} { // months ago
			clock.Set(t0.AddDate(0, -back, 0))
			if err := db.RecordRead(ctx, f.Org.ID, store.AccessRecord{StaffID: f.Admin.ID, SubjectType: gallra.SubjectPerson, SubjectID: int64(back)}); err != nil {
				t.Fatal(err)
			}
		}
		clock.Set(t0)
		s, err := svc.AccessLog.Settings(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if s.Months != 12 || !s.Default || s.Preview.DueNow != 2 || s.Preview.Next30Days != 0 {
			t.Errorf("default settings: %+v", s)
		}
		for _, m := range []int{0, 61, -1} {
			if _, err := svc.AccessLog.SetMonths(ctx, f.Admin, m); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("months %d: %v", m, err)
			}
		}
		if _, err := svc.AccessLog.SetMonths(ctx, f.Editor, 6); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor: %v", err)
		}
		if s, err = svc.AccessLog.SetMonths(ctx, f.Admin, 3); err != nil {
			t.Fatal(err)
		}
		if s.Months != 3 || s.Default || s.Preview.DueNow != 2 || s.Preview.Next7Days != 1 || s.Preview.Next30Days != 1 {
			t.Errorf("3 months: %+v", s)
		}
		entries, err := svc.Audit.ListAudit(ctx, f.Admin, gallra.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			found = found || e.Action == "access_log.retention_set"
		}
		if !found {
			t.Error("setting the period was not audited")
		}
	})
}
