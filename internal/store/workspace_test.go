package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func mustInbound(t *testing.T, db *store.DB, f *storetest.Fixture, channel int64, from, subject, msgID, inReplyTo string) *gallra.MailMessage {
	t.Helper()
	m, err := db.IngestMail(context.Background(), f.Org.ID, channel, gallra.InboundMail{From: from, FromName: "Namn " + from, Subject: subject, Body: "Hej från " + from, MessageID: msgID, InReplyTo: inReplyTo})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func noteBodies(t *testing.T, db *store.DB, f *storetest.Fixture, conv int64) []string {
	t.Helper()
	ns, err := db.ConversationNotes(context.Background(), f.Org.ID, gallra.SubjectMailConversation, conv)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, n := range ns {
		out = append(out, n.Body)
	}
	return out
}

// Erasing a person deletes the notes of a conversation that goes with
// them, and takes their address out of the notes of one that stays
// (others wrote in it), as it is taken out of its recipients.
func TestEraseMailNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		inbox := f.Channels[gallra.ModuleMail].ID
		act := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		alone := mustInbound(t, db, f, inbox, "anna@example.se", "Min fråga", "a1@x", "")
		shared := mustInbound(t, db, f, inbox, "anna@example.se", "Vår fråga", "a2@x", "")
		// Bo joins through the conversation's plus address (Anna copied
		// him); quoting a Message-ID alone would start a new conversation.
		key, err := db.ConversationReplyKey(ctx, f.Org.ID, shared.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := db.IngestMail(ctx, f.Org.ID, inbox, gallra.InboundMail{From: "bo@example.se", Subject: "Re: Vår fråga", Body: "Hej", MessageID: "b1@x", InReplyTo: "a2@x", ReplyKey: key}); err != nil || m.ConversationID != shared.ConversationID {
			t.Fatalf("Bo's answer: %v", err)
		}
		for conv, body := range map[int64]string{alone.ConversationID: "Anna <anna@example.se> ringde", shared.ConversationID: "Svara ANNA@example.se och bo@example.se"} {
			if _, err := db.AddConversationNote(ctx, act, f.Org.ID, gallra.SubjectMailConversation, conv, f.Admin, body); err != nil {
				t.Fatal(err)
			}
		}
		p, err := db.FindPerson(ctx, f.Org.ID, "anna@example.se")
		if err != nil {
			t.Fatal(err)
		}
		s := store.ErasureScope{OrgID: f.Org.ID, PersonID: p.ID, ChannelIDs: []int64{inbox}}
		for i := 0; i < 3; i++ { // re-run: nothing left to do, nothing breaks
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, _, err := tx.EraseMail(ctx, s, "anna@example.se", 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if got := noteBodies(t, db, f, alone.ConversationID); len(got) != 0 {
			t.Errorf("notes of the erased conversation left: %q", got)
		}
		got := noteBodies(t, db, f, shared.ConversationID)
		if len(got) != 1 || strings.Contains(strings.ToLower(got[0]), "anna@example.se") || !strings.Contains(got[0], "bo@example.se") {
			t.Errorf("note of the kept conversation: %q", got)
		}
	})
}

// The inbox lists conversations by last activity across channels, filters
// by channel, status, assignee and text, and pages by cursor without
// repeating or skipping a conversation.
func TestListInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Kommunen")
		act := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		inbox := f.Channels[gallra.ModuleMail].ID
		other, err := db.CreateChannel(ctx, act, &gallra.Channel{OrgID: f.Org.ID, Module: gallra.ModuleMail, Name: "Bygglov", Address: "bygglov@kommunen.example"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 7 {
			ch := inbox
			if i%3 == 0 {
				ch = other.ID
			}
			m := mustInbound(t, db, f, ch, fmt.Sprintf("p%d@example.se", i), fmt.Sprintf("Ärende %d", i), fmt.Sprintf("m%d@x", i), "")
			ids = append(ids, m.ConversationID)
		}
		// Conversations 0..6 arrived in order; all have the same time
		// (the clock stands still): the id breaks the tie.
		var seen []int64
		cursor := ""
		for range 10 {
			pg, err := db.ListInbox(ctx, f.Org.ID, store.InboxQuery{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range pg.Items {
				seen = append(seen, it.ID)
			}
			if cursor = pg.Next; cursor == "" {
				break
			}
		}
		if fmt.Sprint(seen) != fmt.Sprint([]int64{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}) {
			t.Errorf("pages: %v, want newest first %v", seen, ids)
		}
		count := func(q store.InboxQuery) int {
			t.Helper()
			pg, err := db.ListInbox(ctx, f.Org.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(pg.Items)
		}
		if n := count(store.InboxQuery{ChannelIDs: []int64{other.ID}}); n != 3 {
			t.Errorf("channel filter: %d, want 3", n)
		}
		if n := count(store.InboxQuery{ChannelIDs: []int64{}}); n != 0 {
			t.Errorf("no channels: %d", n)
		}
		if _, err := db.SetConversationStatus(ctx, act, f.Org.ID, gallra.SubjectMailConversation, ids[1], gallra.StatusClosed); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignConversation(ctx, act, f.Org.ID, gallra.SubjectMailConversation, ids[2], &f.Editor.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(store.InboxQuery{Status: gallra.StatusClosed}); n != 1 {
			t.Errorf("closed: %d", n)
		}
		if n := count(store.InboxQuery{Status: gallra.StatusOpen}); n != 6 {
			t.Errorf("open: %d", n)
		}
		if n := count(store.InboxQuery{AssigneeID: f.Editor.ID}); n != 1 {
			t.Errorf("assigned to the editor: %d", n)
		}
		if n := count(store.InboxQuery{AssigneeID: -1}); n != 6 {
			t.Errorf("unassigned: %d", n)
		}
		for q, want := range map[string]int{"ärende 4": 1, "P5@EXAMPLE": 1, "hej från": 7, "100%": 0, "_": 0} {
			if n := count(store.InboxQuery{Q: q}); n != want {
				t.Errorf("search %q: %d, want %d", q, n, want)
			}
		}
		// A customer's new message reopens a closed conversation; a
		// staff reply leaves it waiting.
		mustInbound(t, db, f, inbox, "p1@example.se", "Re: Ärende 1", "m1b@x", "m1@x")
		c, err := db.GetMailConversation(ctx, f.Org.ID, ids[1])
		if err != nil || c.Status != gallra.StatusOpen {
			t.Errorf("after a new message: %v %v", c.Status, err)
		}
		if _, err := db.ReplyMail(ctx, act, f.Org.ID, ids[1], f.Admin, store.OutboundReply{Body: "Svar", FromAddr: "support@kommunen.example"}); err != nil {
			t.Fatal(err)
		}
		if c, _ = db.GetMailConversation(ctx, f.Org.ID, ids[1]); c.Status != gallra.StatusWaiting {
			t.Errorf("after a reply: %v", c.Status)
		}
		if _, err := db.ListInbox(ctx, f.Org.ID, store.InboxQuery{Cursor: "x-1"}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}
	})
}
