package service_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The workspace's rule, for every caller: a conversation of a channel the
// caller may not view does not exist for them (ENOTFOUND), another
// organisation's neither; an inactive staff user may do nothing; an
// assignee must be able to work the channel.
func TestWorkspaceAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		b := storetest.MustFixture(t, db, "Beta")
		svc := service.New(service.Deps{DB: db, Clock: clock})
		act := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		other, err := db.CreateChannel(ctx, act, &gallra.Channel{OrgID: f.Org.ID, Module: gallra.ModuleMail, Name: "Bygglov", Address: "bygglov@alfa.example"})
		if err != nil {
			t.Fatal(err)
		}
		ingest := func(org, ch int64, id string) int64 {
			m, err := db.IngestMail(ctx, org, ch, gallra.InboundMail{From: "kund@example.se", Subject: "Fråga", Body: "Hej", MessageID: id})
			if err != nil {
				t.Fatal(err)
			}
			return m.ConversationID
		}
		mine := ingest(f.Org.ID, f.Channels[gallra.ModuleMail].ID, "a@x")
		theirs := ingest(f.Org.ID, other.ID, "b@x")
		foreign := ingest(b.Org.ID, b.Channels[gallra.ModuleMail].ID, "c@x")
		mc := gallra.SubjectMailConversation
		for _, c := range []struct {
			name string
			who  string
			conv int64
			want string
		}{
			{"editor, own inbox", "editor", mine, ""},
			{"editor, another inbox", "editor", theirs, gallra.ENOTFOUND},
			{"admin, any inbox", "admin", theirs, ""},
			{"admin, another organisation", "admin", foreign, gallra.ENOTFOUND},
			{"inactive", "inactive", mine, gallra.EFORBIDDEN},
		} {
			who := caller(f, c.who)
			calls := map[string]error{
				"note":   func() error { _, err := svc.Workspace.AddNote(ctx, who, mc, c.conv, "x"); return err }(),
				"status": svc.Workspace.SetStatus(ctx, who, mc, c.conv, gallra.StatusWaiting),
				"assign": svc.Workspace.Assign(ctx, who, mc, c.conv, 0),
				"read":   func() error { _, err := svc.Workspace.Conversation(ctx, who, c.conv, gallra.ThreadPage{}); return err }(),
				"access": svc.Workspace.RecordAccess(ctx, who, mc, c.conv),
			}
			for op, err := range calls {
				if got := gallra.ErrorCode(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
					t.Errorf("%s: %s = %v, want %q", c.name, op, err, c.want)
				}
			}
		}
		// Assignees: only who may work the channel.
		if err := svc.Workspace.Assign(ctx, f.Admin, mc, theirs, f.Editor.ID); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("assign to an editor of another inbox: %v", err)
		}
		if err := svc.Workspace.Assign(ctx, f.Admin, mc, mine, b.Admin.ID); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("assign to another organisation's admin: %v", err)
		}
		refs, err := svc.Workspace.Assignees(ctx, f.Admin, mc, theirs)
		if err != nil || len(refs) != 1 || refs[0].ID != f.Admin.ID {
			t.Errorf("assignees of the other inbox: %+v %v", refs, err)
		}
		// The list agrees.
		pg, err := svc.Workspace.ListInbox(ctx, f.Editor, gallra.InboxFilter{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != mine {
			t.Errorf("editor's inbox: %+v %v", pg, err)
		}
		if _, err := svc.Workspace.ListInbox(ctx, f.Editor, gallra.InboxFilter{ChannelID: other.ID}); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor filters by another inbox: %v", err)
		}
		if _, err := svc.Workspace.ListInbox(ctx, f.Editor, gallra.InboxFilter{Status: "done"}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("bad status: %v", err)
		}
		if err := svc.Workspace.SetStatus(ctx, f.Editor, gallra.SubjectChatConversation, mine, gallra.StatusClosed); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("status of a chat (not yet a workspace conversation): %v", err)
		}
	})
}
