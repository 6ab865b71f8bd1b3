package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

var ctx = context.Background()

const day = 24 * time.Hour

func mustEngine(db *store.DB, caps gallra.Caps) *Engine {
	return New(db, orgpii.New(db), Config{Caps: caps, BatchSize: 3})
}

// inTurn is mustEngine writing one batch after the other on PostgreSQL
// too, for tests that act between two given batches.
func inTurn(db *store.DB) *Engine {
	return New(db, orgpii.New(db), Config{BatchSize: 3, Writers: 1})
}

func staff(f *storetest.Fixture) gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
}

func mustRun(t *testing.T, e *Engine) *RunResult {
	t.Helper()
	res, err := e.Run(ctx, RunOptions{Trigger: "cli"})
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	return res
}

func mustTopic(t *testing.T, db *store.DB, f *storetest.Fixture, title, body, email string) *gallra.ForumTopic {
	t.Helper()
	tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: title, Body: body,
		Author: gallra.Author{Name: "Namn " + email, Email: email, IP: "192.0.2.7"}})
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func mustPost(t *testing.T, db *store.DB, f *storetest.Fixture, topicID int64, parent *int64, body, email string) *gallra.ForumPost {
	t.Helper()
	p, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topicID, ParentID: parent, Body: body, Author: gallra.Author{Name: "Namn " + email, Email: email, IP: "198.51.100.4"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func personExists(t *testing.T, db *store.DB, f *storetest.Fixture, email string) bool {
	t.Helper()
	_, err := db.FindPerson(ctx, f.Org.ID, email)
	if err != nil && gallra.ErrorCode(err) != gallra.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

func TestDefaultsChannelPoliciesAndCaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, gallra.Caps{gallra.ModuleChat: {N: 1, Unit: gallra.Months}})
		defs, err := e.Defaults(ctx, f.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[gallra.Module]string{gallra.ModuleForum: "anonymize after 3y", gallra.ModuleMail: "delete after 2y", gallra.ModuleChat: "delete after 30d"}
		for _, d := range defs {
			if d.Policy.String() != want[d.Module] || d.Source != "shipped" {
				t.Errorf("shipped default %s = %s (%s)", d.Module, d.Policy, d.Source)
			}
		}
		forum := f.Channels[gallra.ModuleForum].ID
		r, err := e.ChannelPolicy(ctx, f.Org.ID, forum)
		if err != nil || r.String() != "anonymize after 3y" || r.Source != "shipped" {
			t.Fatalf("forum policy = %+v, %v", r, err)
		}
		// The organisation changes the forum default: channels follow.
		if _, err := e.ChangeDefault(ctx, f.Admin, gallra.ModuleForum, &gallra.Policy{Period: gallra.Period{N: 5, Unit: gallra.Years}, Action: gallra.ActionDelete}, "Längre lagring prövas"); err != nil {
			t.Fatal(err)
		}
		if r, _ = e.ChannelPolicy(ctx, f.Org.ID, forum); r.String() != "delete after 5y" || r.Source != "organisation" {
			t.Fatalf("after default change: %+v", r)
		}
		// The channel gets its own; then follows the default again.
		if r, err = e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionAnonymize}); err != nil || r.Source != "channel" || r.String() != "anonymize after 1y" {
			t.Fatalf("own policy: %+v %v", r, err)
		}
		if r, err = e.ChangeChannelPolicy(ctx, f.Admin, forum, nil, "Följer standarden igen"); err != nil || r.Source != "organisation" {
			t.Fatalf("cleared: %+v %v", r, err)
		}
		// Refusals name the rule.
		refusals := []struct {
			name    string
			module  gallra.Module
			p       gallra.Policy
			code    string
			mention string
		}{
			{"chat over cap", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Months}, Action: gallra.ActionDelete}, gallra.EUNPROCESS, "caps chat retention at 1m"},
			{"chat never under cap", gallra.ModuleChat, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete}, gallra.EUNPROCESS, "never"},
			{"mail anonymize", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionAnonymize}, gallra.EUNPROCESS, "only the action delete"},
			{"social", gallra.ModuleSocial, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}, gallra.EUNPROCESS, "external platform"},
			{"knowledge", gallra.ModuleKnowledge, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}, gallra.EUNPROCESS, "no end-customer data"},
		}
		for _, tc := range refusals {
			_, err := e.SetChannelPolicy(ctx, f.Admin, f.Channels[tc.module].ID, &tc.p)
			if gallra.ErrorCode(err) != tc.code || !strings.Contains(gallra.ErrorMessage(err), tc.mention) {
				t.Errorf("%s: err %v, want %s mentioning %q", tc.name, err, tc.code, tc.mention)
			}
			if tc.module != gallra.ModuleSocial && tc.module != gallra.ModuleKnowledge {
				if _, err := e.SetDefault(ctx, f.Admin, tc.module, &tc.p); gallra.ErrorCode(err) != tc.code {
					t.Errorf("%s default: err %v", tc.name, err)
				}
			}
		}
		if _, err := e.ChannelPolicy(ctx, f.Org.ID, f.Channels[gallra.ModuleSocial].ID); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("social policy: %v", err)
		}
		other := storetest.MustFixture(t, db, "Annan")
		if _, err := e.ChannelPolicy(ctx, f.Org.ID, other.Channels[gallra.ModuleForum].ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("other org's channel: %v", err)
		}
		// A policy stored before a cap was lowered is clamped to the cap.
		loose := mustEngine(db, nil)
		if _, err := loose.ChangeChannelPolicy(ctx, f.Admin, f.Channels[gallra.ModuleChat].ID, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}, "Längre än taket"); err != nil {
			t.Fatal(err)
		}
		if r, _ = e.ChannelPolicy(ctx, f.Org.ID, f.Channels[gallra.ModuleChat].ID); !r.Capped || r.Period != (gallra.Period{N: 1, Unit: gallra.Months}) {
			t.Errorf("clamped: %+v", r)
		}
		// Every change is audited with old and new values.
		entries, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "retention."})
		if err != nil {
			t.Fatal(err)
		}
		var sets int
		for _, a := range entries {
			if a.Action == "retention.policy_set" || a.Action == "retention.default_set" {
				sets++
				if a.Details["old"] == nil || a.Details["new"] == nil {
					t.Errorf("audit %s without old/new: %v", a.Action, a.Details)
				}
			}
		}
		if sets != 4 {
			t.Errorf("audited %d policy changes, want 4", sets)
		}
	})
}

func TestForumAnonymize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		t0 := clock.Now()
		tp := mustTopic(t, db, f, "Fråga om 811218-9876", "Mitt personnummer är 811218-9876, ring 070-123 45 67. Vi är 556016-0680.", "anna@example.se")
		q := tp.Posts[0]
		clock.Advance(400 * day)
		reply := mustPost(t, db, f, tp.ID, nil, "Svar utan personuppgifter", "bo@example.se")
		clock.Advance(365 * day)
		if _, err := db.EditPost(ctx, staff(f), f.Org.ID, q.ID, q.Body+" (redigerad)"); err != nil {
			t.Fatal(err)
		}
		// Editing does not restart the clock: due 3 years after creation.
		clock.Set(t0.AddDate(3, 0, 0).Add(-time.Minute))
		if res := mustRun(t, e); res.Anonymized != 0 {
			t.Fatalf("anonymized %d before the period passed", res.Anonymized)
		}
		clock.Set(t0.AddDate(3, 0, 0).Add(time.Minute))
		res := mustRun(t, e)
		if res.Anonymized != 1 || res.PersonsDeleted != 1 {
			t.Fatalf("run: %+v", res)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		p := got.Posts[0]
		if p.AuthorName != "" || p.AuthorEmail != "" || p.AuthorIP != "" || p.PersonID != nil || p.AnonymizedAt == nil {
			t.Errorf("not anonymized: %+v", p)
		}
		if !p.CreatedAt.Equal(q.CreatedAt) {
			t.Errorf("created_at changed: %v → %v", q.CreatedAt, p.CreatedAt)
		}
		wantBody := "Mitt personnummer är [personnummer], ring [phone]. Vi är 556016-0680. (redigerad)"
		if p.Body != wantBody {
			t.Errorf("body %q, want %q", p.Body, wantBody)
		}
		if got.Title != "Fråga om [personnummer]" || got.PersonID != nil {
			t.Errorf("topic not anonymized: %q %v", got.Title, got.PersonID)
		}
		if r := got.Posts[1]; r.ID != reply.ID || r.AuthorEmail != "bo@example.se" || r.AnonymizedAt != nil {
			t.Errorf("reply touched: %+v", r)
		}
		if personExists(t, db, f, "anna@example.se") || !personExists(t, db, f, "bo@example.se") {
			t.Error("person cleanup wrong")
		}
		// Re-running changes nothing.
		if res := mustRun(t, e); res.Anonymized != 0 {
			t.Errorf("second run anonymized %d", res.Anonymized)
		}
		clock.Set(t0.AddDate(4, 2, 0))
		if res := mustRun(t, e); res.Anonymized != 1 || res.PersonsDeleted != 1 {
			t.Errorf("reply run: %+v", res)
		}
	})
}

func TestForumDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		forum := f.Channels[gallra.ModuleForum].ID
		if _, err := e.SetChannelPolicy(ctx, f.Admin, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
			t.Fatal(err)
		}
		t0 := clock.Now()
		tp := mustTopic(t, db, f, "Fråga", "Frågan", "anna@example.se")
		other := mustPost(t, db, f, tp.ID, nil, "Ett svar utan kommentarer", "carl@example.se")
		clock.Advance(100 * day)
		comment := mustPost(t, db, f, tp.ID, &tp.Posts[0].ID, "En kommentar", "bo@example.se")
		clock.Set(t0.AddDate(1, 0, 1))
		res := mustRun(t, e)
		if res.Deleted != 2 || res.PersonsDeleted != 2 {
			t.Fatalf("first run: %+v", res)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Posts) != 2 {
			t.Fatalf("posts left: %+v", got.Posts)
		}
		ph := got.Posts[0]
		if ph.ID != tp.Posts[0].ID || !ph.Removed || ph.Body != "" || ph.AuthorName != "" || ph.AuthorEmail != "" || ph.AuthorIP != "" || ph.PersonID != nil {
			t.Errorf("placeholder: %+v", ph)
		}
		if got.Posts[1].ID != comment.ID || got.PersonID != nil {
			t.Errorf("comment or topic link: %+v %v", got.Posts[1], got.PersonID)
		}
		if _, err := db.GetPost(ctx, f.Org.ID, other.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("post without replies not deleted: %v", err)
		}
		// The comment comes due: it goes, the empty placeholder goes, the
		// empty topic goes.
		clock.Set(t0.Add(100*day).AddDate(1, 0, 1))
		if res := mustRun(t, e); res.Deleted != 1 || res.PersonsDeleted != 1 {
			t.Fatalf("second run: %+v", res)
		}
		if _, err := db.GetTopic(ctx, f.Org.ID, tp.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("empty topic kept: %v", err)
		}
		tot, err := db.ChannelTotals(ctx, f.Org.ID, forum)
		if err != nil || tot.Posts != 3 || tot.Conversations != 1 {
			t.Errorf("statistics after purge: %+v %v", tot, err)
		}
	})
}

func mustMail(t *testing.T, db *store.DB, f *storetest.Fixture, from, msgID, inReplyTo string) *gallra.MailMessage {
	t.Helper()
	m, err := db.IngestMail(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: from, Subject: "Ärende", Body: "Hej, mitt nummer är 070-123 45 67",
		MessageID: msgID, InReplyTo: inReplyTo, Attachments: []gallra.Attachment{{Filename: "a.txt", ContentType: "text/plain", Content: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMailDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		inbox := f.Channels[gallra.ModuleMail].ID
		t0 := clock.Now()
		old := mustMail(t, db, f, "anna@example.se", "m1@x", "")
		if _, err := db.ReplyMail(ctx, staff(f), f.Org.ID, old.ConversationID, f.Admin, store.OutboundReply{Body: "Svar", FromAddr: "support@kommunen.example"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCustomField(ctx, staff(f), f.Org.ID, gallra.SubjectMailConversation, old.ConversationID, "kundnummer", "KN-1"); err != nil {
			t.Fatal(err)
		}
		live := mustMail(t, db, f, "bo@example.se", "m2@x", "")
		clock.Advance(365 * day)
		mustMail(t, db, f, "bo@example.se", "m3@x", "m2@x") // new activity: the clock moves
		clock.Set(t0.AddDate(2, 0, 1))
		res := mustRun(t, e)
		if res.Deleted != 1 || res.PersonsDeleted != 1 {
			t.Fatalf("run: %+v", res)
		}
		if _, err := db.GetMailConversation(ctx, f.Org.ID, old.ConversationID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("old conversation kept: %v", err)
		}
		if _, err := db.GetAttachment(ctx, f.Org.ID, old.Attachments[0].ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("attachment kept: %v", err)
		}
		var n int
		db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM custom_fields WHERE subject_id = ? AND subject_type = 'mail_conversation') + (SELECT COUNT(*) FROM mail_participants WHERE conversation_id = ?)`,
				old.ConversationID, old.ConversationID).Scan(&n)
		})
		if n != 0 {
			t.Errorf("%d fields/participants left", n)
		}
		if c, err := db.GetMailConversation(ctx, f.Org.ID, live.ConversationID); err != nil || len(c.Messages) != 2 {
			t.Errorf("live conversation: %v %v", c, err)
		}
		if personExists(t, db, f, "anna@example.se") || !personExists(t, db, f, "bo@example.se") {
			t.Error("person cleanup wrong")
		}
		tot, _ := db.ChannelTotals(ctx, f.Org.ID, inbox)
		if tot.Conversations != 2 || tot.Messages != 4 {
			t.Errorf("totals: %+v", tot)
		}
	})
}

func TestChatDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		flow := f.Channels[gallra.ModuleChat].ID
		open, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: flow, Message: "Hej, anonym här"})
		if err != nil {
			t.Fatal(err)
		}
		closed, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: flow, Name: "Anna", Email: "anna@example.se", Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.StaffChatMessage(ctx, f.Org.ID, closed.ID, f.Admin.ID, "Hej Anna"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Minute)
		if _, err := db.CloseChat(ctx, staff(f), f.Org.ID, closed.ID); err != nil {
			t.Fatal(err)
		}
		closedAt := clock.Now()
		// Three years on, the open chat has not been closed: never purged.
		// 30 days after close minus a minute: not yet.
		clock.Set(closedAt.AddDate(0, 0, 30).Add(-time.Minute))
		if res := mustRun(t, e); res.Deleted != 0 {
			t.Fatalf("deleted %d before the period", res.Deleted)
		}
		clock.Set(closedAt.AddDate(3, 0, 0))
		res := mustRun(t, e)
		if res.Deleted != 1 || res.PersonsDeleted != 1 {
			t.Fatalf("run: %+v", res)
		}
		if _, err := db.GetChat(ctx, f.Org.ID, closed.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("closed chat kept: %v", err)
		}
		if _, err := db.GetChat(ctx, f.Org.ID, open.ID); err != nil {
			t.Errorf("open chat purged: %v", err)
		}
		tot, _ := db.ChannelTotals(ctx, f.Org.ID, flow)
		if tot.Conversations != 2 || tot.Messages != 3 || tot.ChatSeconds != 600 {
			t.Errorf("totals: %+v", tot)
		}
		// Closing the idle chat starts its clock; it goes 30 days later.
		if n, err := db.CloseIdleChats(ctx, 24*time.Hour, 100); err != nil || n != 1 {
			t.Fatalf("close idle: %d %v", n, err)
		}
		if res := mustRun(t, e); res.Deleted != 1 {
			t.Errorf("idle-closed chat (closed long ago by its last message) not purged: %+v", res)
		}
	})
}

func TestLegalHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		tp := mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		mustPost(t, db, f, tp.ID, nil, "Svar", "bo@example.se")
		m := mustMail(t, db, f, "carl@example.se", "h1@x", "")
		c, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CloseChat(ctx, staff(f), f.Org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		holds := []struct {
			st gallra.SubjectType
			id int64
		}{{gallra.SubjectForumTopic, tp.ID}, {gallra.SubjectMailConversation, m.ConversationID}, {gallra.SubjectChatConversation, c.ID}}
		for _, h := range holds {
			if _, err := db.SetHold(ctx, staff(f), f.Org.ID, h.st, h.id, "Tvist om ärende 2026-14"); err != nil {
				t.Fatal(err)
			}
		}
		other := storetest.MustFixture(t, db, "Annan")
		if _, err := db.SetHold(ctx, staff(other), other.Org.ID, gallra.SubjectForumTopic, tp.ID, "x"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("hold on other org's topic: %v", err)
		}
		if list, err := db.ListHolds(ctx, f.Org.ID); err != nil || len(list) != 3 {
			t.Fatalf("holds: %+v %v", list, err)
		}
		clock.Advance(10 * 365 * day)
		res := mustRun(t, e)
		if res.Anonymized != 0 || res.Deleted != 0 || res.SkippedHold != 4 {
			t.Fatalf("held run: %+v", res)
		}
		pv, err := e.Preview(ctx, f.Org.ID, f.Channels[gallra.ModuleForum].ID, nil)
		if err != nil || pv.Held.Count != 2 || pv.DueNow.Count != 0 {
			t.Fatalf("preview of held: %+v %v", pv, err)
		}
		for _, h := range holds {
			if err := db.ReleaseHold(ctx, staff(f), f.Org.ID, h.st, h.id); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ReleaseHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, tp.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("release twice: %v", err)
		}
		res = mustRun(t, e)
		if res.Anonymized != 2 || res.Deleted != 2 || res.SkippedHold != 0 {
			t.Fatalf("released run: %+v", res)
		}
		entries, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "retention."})
		n := 0
		for _, a := range entries {
			if strings.HasPrefix(a.Action, "retention.hold_") {
				n++
			}
		}
		if n != 6 {
			t.Errorf("hold audit entries: %d, want 6", n)
		}
	})
}

func TestPreviewThenPurgeSameIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		forum := f.Channels[gallra.ModuleForum].ID
		t0 := clock.Now()
		var ids []int64
		for i := range 8 {
			tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Text", fmt.Sprintf("p%d@example.se", i))
			ids = append(ids, tp.Posts[0].ID)
			clock.Advance(5 * day)
		}
		// Posts were written 5 days apart: the first 4 are due, the 5th
		// within 7 days and the 5th to 8th within 30.
		clock.Set(t0.AddDate(3, 0, 0).Add(16 * day))
		pv, err := e.Preview(ctx, f.Org.ID, forum, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pv.DueNow.IDs, ids[:4]) || !slices.Equal(pv.Next7Days.IDs, ids[4:5]) || !slices.Equal(pv.Next30Days.IDs, ids[4:8]) {
			t.Fatalf("preview due %v, 7d %v, 30d %v; ids %v", pv.DueNow.IDs, pv.Next7Days.IDs, pv.Next30Days.IDs, ids)
		}
		// A proposed policy is previewed without saving.
		prop, err := e.Preview(ctx, f.Org.ID, forum, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete})
		if err != nil || prop.DueNow.Count != 8 || !prop.Proposed {
			t.Fatalf("proposed preview: %+v %v", prop, err)
		}
		if r, _ := e.ChannelPolicy(ctx, f.Org.ID, forum); r.Source != "shipped" {
			t.Fatal("preview saved the policy")
		}
		dry, err := e.Run(ctx, RunOptions{DryRun: true})
		if err != nil || dry.Anonymized != 4 {
			t.Fatalf("dry run: %+v %v", dry, err)
		}
		res := mustRun(t, e)
		if res.Anonymized != 4 {
			t.Fatalf("purge: %+v", res)
		}
		var done []int64
		db.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.RawForTests().Query(ctx, `SELECT id FROM forum_posts WHERE anonymized_at IS NOT NULL ORDER BY created_at, id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				done = append(done, id)
			}
			return nil
		})
		if !slices.Equal(done, pv.DueNow.IDs) {
			t.Errorf("purged %v, previewed %v", done, pv.DueNow.IDs)
		}
	})
}

// seedMixed fills a fixture with content of every module at spread times.
func seedMixed(t *testing.T, db *store.DB, clock *storetest.Clock) *storetest.Fixture {
	f := storetest.MustFixture(t, db, "Kommunen")
	e := New(db, nil, Config{})
	if _, err := e.SetChannelPolicy(ctx, f.Admin, f.Channels[gallra.ModuleForum].ID, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		email := fmt.Sprintf("k%d@example.se", i%5)
		tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Ring 070-123 45 67", email)
		p := mustPost(t, db, f, tp.ID, nil, "Svar", fmt.Sprintf("s%d@example.se", i%3))
		if i%2 == 0 {
			mustPost(t, db, f, tp.ID, &tp.Posts[0].ID, "Kommentar", email)
			mustPost(t, db, f, tp.ID, &p.ID, "Kommentar 2", "z@example.se")
		}
		mustMail(t, db, f, email, fmt.Sprintf("c%d@x", i), "")
		c, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Email: email, Message: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := db.CloseChat(ctx, staff(f), f.Org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(20 * day)
	}
	clock.Advance(3 * 365 * day)
	return f
}

// snapshot renders the purge-relevant state of a database.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	queries := []string{
		`SELECT id, topic_id, COALESCE(parent_id, 0), COALESCE(person_id, 0), author_name, author_email, author_ip, body, removed, created_at FROM forum_posts ORDER BY id`,
		`SELECT id, title, COALESCE(person_id, 0) FROM forum_topics ORDER BY id`,
		`SELECT id, last_message_at FROM mail_conversations ORDER BY id`,
		`SELECT id FROM mail_messages ORDER BY id`,
		`SELECT id FROM chat_conversations ORDER BY id`,
		`SELECT id, email FROM persons ORDER BY id`,
		`SELECT channel_id, day, posts, conversations, messages, chat_seconds FROM channel_daily_stats ORDER BY channel_id, day`,
	}
	err := db.View(ctx, func(tx *store.Tx) error {
		for _, q := range queries {
			rows, err := tx.RawForTests().Query(ctx, q)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				for _, v := range vals {
					if bs, ok := v.([]byte); ok {
						v = string(bs)
					}
					fmt.Fprintf(&b, "%v|", v)
				}
				b.WriteString("\n")
			}
			rows.Close()
			b.WriteString("--\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCrashAndRerunEqualsUninterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, ref *store.DB, clockA *storetest.Clock) {
		seedMixed(t, ref, clockA)
		if _, err := mustEngine(ref, nil).Run(ctx, RunOptions{}); err != nil {
			t.Fatal(err)
		}
		want := snapshot(t, ref)

		clockB := storetest.NewClock(storetest.Start())
		db := storetest.Open(t, ref.Dialect(), clockB)
		seedMixed(t, db, clockB)
		boom := errors.New("injected crash")
		// 1: a failure inside a batch transaction after 4 batches (rolled back).
		e := mustEngine(db, nil)
		e.pre = func(n int) error {
			if n == 5 {
				return boom
			}
			return nil
		}
		if res, _ := e.Run(ctx, RunOptions{}); res == nil || len(res.Errors) == 0 {
			t.Fatalf("injected failure not reported: %+v", res)
		}
		// 2: the process "dies" (context cancelled) after 3 more batches.
		e = mustEngine(db, nil)
		cctx, cancel := context.WithCancel(ctx)
		e.hook = func(n int) error {
			if n == 3 {
				cancel()
			}
			return nil
		}
		if _, err := e.Run(cctx, RunOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
		// 3: a crash that leaves the run record "running" and the lease held.
		if _, err := db.StartPurgeRun(ctx, "cli", 0, 0); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.AcquireLease(ctx, LeaseName, "dead-process", 5*time.Minute); !ok {
			t.Fatal("lease")
		}
		if _, err := mustEngine(db, nil).Run(ctx, RunOptions{}); !errors.Is(err, ErrPurgeRunning) {
			t.Fatalf("second purge while lease held: %v", err)
		}
		clockB.Advance(6 * time.Minute) // the dead process's lease expires
		if _, err := mustEngine(db, nil).Run(ctx, RunOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, db); got != want {
			t.Errorf("end state after interruptions differs from an uninterrupted purge:\n got:\n%s\nwant:\n%s", got, want)
		}
		runs, err := db.ListPurgeRuns(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]int{}
		for _, r := range runs {
			statuses[r.Status]++
		}
		if statuses[gallra.PurgeFailed] != 1 || statuses[gallra.PurgeInterrupted] != 2 || statuses[gallra.PurgeDone] != 1 {
			t.Errorf("run statuses: %v", statuses)
		}
	})
}

func TestRunsRecordedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := seedMixed(t, db, clock)
		g := storetest.MustFixture(t, db, "Annan")
		e := mustEngine(db, nil)
		res := mustRun(t, e)
		runs, err := e.Runs(ctx, f.Org.ID, 5)
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs: %v %v", runs, err)
		}
		r := runs[0]
		if r.Status != gallra.PurgeDone || r.FinishedAt == nil || r.Deleted != res.Deleted || r.Anonymized != res.Anonymized || len(r.Channels) != 3 {
			t.Errorf("run record %+v vs result %+v", r, res)
		}
		for _, org := range []int64{f.Org.ID, g.Org.ID} {
			a, _ := db.ListAudit(ctx, org, gallra.AuditFilter{Action: "retention.purge_run"})
			if len(a) != 1 || a[0].SubjectID != res.RunID {
				t.Errorf("org %d purge audit: %+v", org, a)
			}
		}
		if v, err := db.VerifyAudit(ctx, f.Org.ID); err != nil || !v.OK {
			t.Errorf("audit chain: %+v %v", v, err)
		}
		other, _ := e.Runs(ctx, g.Org.ID, 5)
		if len(other) != 1 || other[0].Deleted != 0 {
			t.Errorf("other org's view of the run: %+v", other)
		}
	})
}

func TestScheduleRunsPurgeJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		clock.Advance(4 * 365 * day)
		r := jobs.New(db, slog.New(slog.DiscardHandler))
		mustEngine(db, nil).Register(r, time.Hour)
		if _, err := db.EnqueueJob(ctx, JobName, 0, "schedule:"+JobName, "", db.Now()); err != nil {
			t.Fatal(err)
		}
		ran, err := r.RunOne(ctx)
		if err != nil || !ran {
			t.Fatalf("run one: %v %v", ran, err)
		}
		runs, _ := db.ListPurgeRuns(ctx, 0, 5)
		if len(runs) != 1 || runs[0].Trigger != "schedule" || runs[0].Anonymized != 1 {
			t.Fatalf("scheduled run: %+v", runs)
		}
		next, _ := db.ListJobs(ctx, JobName, 5)
		if len(next) != 2 || next[0].Status != store.JobPending || !next[0].RunAt.Equal(db.Now().Add(time.Hour)) {
			t.Errorf("next run not scheduled an hour later: %+v", next)
		}
	})
}

func TestChannelPolicyText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := mustEngine(db, nil)
		forum := f.Channels[gallra.ModuleForum]
		s, err := e.ChannelPolicyText(ctx, f.Org.ID, forum.ID, "")
		if err != nil || !strings.Contains(s, "Inlägg och kommentarer sparas i högst 3 år.") {
			t.Fatalf("sv text: %q %v", s, err)
		}
		if _, err := e.SetChannelPolicy(ctx, f.Admin, forum.ID, &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionAnonymize}); err != nil {
			t.Fatal(err)
		}
		s, err = e.ChannelPolicyText(ctx, f.Org.ID, forum.ID, "en")
		if err != nil || !strings.Contains(s, "for at most 1 year.") {
			t.Fatalf("en text follows setting: %q %v", s, err)
		}
		p, err := e.PublicPolicyText(ctx, f.Channels[gallra.ModuleChat])
		if err != nil || p == nil || !strings.Contains(*p, "30 dagar") {
			t.Fatalf("public chat text: %v %v", p, err)
		}
		if p, err := e.PublicPolicyText(ctx, f.Channels[gallra.ModuleKnowledge]); err != nil || p != nil {
			t.Fatalf("knowledge text: %v %v", p, err)
		}
	})
}
