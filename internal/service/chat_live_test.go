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

// The console's rules: an editor who is not a member of the chat channel
// sees no chats and cannot accept one (not found); another organisation's
// admin neither; a chat one agent accepted is refused to another; the
// queue position counts the waiting chats opened before; availability
// comes from heartbeats that expire.
func TestChatConsoleRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		b := storetest.MustFixture(t, db, "Beta")
		svc := service.New(service.Deps{DB: db, Clock: clock})
		live := svc.ChatLive
		ch := f.Channels[gallra.ModuleChat].ID
		start := func(msg string) (int64, string) {
			c, tok, err := live.Start(ctx, gallra.NewChat{ChannelID: ch, Message: msg, IP: "192.0.2.1"})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID, tok
		}
		id1, tok1 := start("första")
		clock.Advance(time.Second)
		id2, tok2 := start("andra")

		st, _, err := live.VisitorEvents(ctx, gallra.ChatVisitorAccess{ChatID: id2, Token: tok2}, 0, 0)
		if err != nil || st.Position != 2 || st.Agents != 0 {
			t.Errorf("second chat's state = %+v, %v; want place 2, no agents", st, err)
		}
		if q, err := live.Queue(ctx, f.Editor); err != nil || len(q) != 0 {
			t.Errorf("editor without the chat channel sees %d chats (%v)", len(q), err)
		}
		if _, err := live.Accept(ctx, f.Editor, id1); gallra.ErrorCode(err) != gallra.EFORBIDDEN && gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("editor accepting: %v, want refused", err)
		}
		if _, err := live.Accept(ctx, b.Admin, id1); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("other organisation's admin accepting: %v, want not found", err)
		}
		if _, _, err := live.AgentEvents(ctx, b.Admin, id1, 0, 0); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("other organisation's admin reading: %v, want not found", err)
		}

		// Heartbeat: online for AgentHeartbeatTTL, then not.
		if err := live.Heartbeat(ctx, f.Admin, gallra.AgentOnline); err != nil {
			t.Fatal(err)
		}
		if info, _ := live.WidgetInfo(ctx, ch); info.Agents != 1 {
			t.Errorf("agents after a heartbeat = %d", info.Agents)
		}
		clock.Advance(gallra.AgentHeartbeatTTL + time.Second)
		if info, _ := live.WidgetInfo(ctx, ch); info.Agents != 0 {
			t.Errorf("agents after the heartbeat expired = %d", info.Agents)
		}
		if err := live.Heartbeat(ctx, f.Admin, "busy"); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("unknown status: %v", err)
		}

		// Accept; the second chat moves up; another agent cannot take it.
		second, err := db.CreateStaff(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, &gallra.Staff{OrgID: f.Org.ID, Name: "Andra Admin", Email: "admin2@alfa.example", Role: gallra.RoleAdmin, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := live.Accept(ctx, f.Admin, id1); err != nil {
			t.Fatal(err)
		}
		if _, err := live.Accept(ctx, f.Admin, id1); err != nil {
			t.Errorf("accepting one's own chat again: %v", err)
		}
		if _, err := live.Accept(ctx, second, id1); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("second agent accepting a taken chat: %v, want unprocessable", err)
		}
		if st, _, _ := live.VisitorEvents(ctx, gallra.ChatVisitorAccess{ChatID: id2, Token: tok2}, 0, 0); st.Position != 1 {
			t.Errorf("second chat's place after the first was accepted = %d, want 1", st.Position)
		}
		st, evs, err := live.VisitorEvents(ctx, gallra.ChatVisitorAccess{ChatID: id1, Token: tok1}, 0, 0)
		if err != nil || !st.Accepted || st.Position != 0 || len(evs) != 2 || evs[1].Kind != gallra.ChatEventJoined || evs[1].AgentName != f.Admin.Name {
			t.Errorf("accepted chat: %+v %+v %v", st, evs, err)
		}
		// Replying to a waiting chat accepts it for the agent.
		if _, err := live.AgentMessage(ctx, second, id2, "Hej"); err != nil {
			t.Fatal(err)
		}
		_, evs, _ = live.VisitorEvents(ctx, gallra.ChatVisitorAccess{ChatID: id2, Token: tok2}, 1, 0)
		if len(evs) != 2 || evs[0].Kind != gallra.ChatEventJoined || evs[1].Body != "Hej" || evs[0].Seq != 2 || evs[1].Seq != 3 {
			t.Errorf("reply to a waiting chat: %+v", evs)
		}
	})
}
