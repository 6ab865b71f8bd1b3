package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// leaver is a staff user who wrote in every place that keeps a copy of
// their name or refers to them: staff answers on the public site, mail
// replies, an internal note.
type leaver struct {
	staff   *gallra.Staff
	posts   []int64
	convID  int64
	replies int
}

func mustLeaver(t *testing.T, db *store.DB, f *storetest.Fixture, name, email string, answers, replies int) *leaver {
	t.Helper()
	ctx := context.Background()
	admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
	s, err := db.CreateStaff(ctx, admin, &gallra.Staff{OrgID: f.Org.ID, Name: name, Email: email, Role: gallra.RoleEditor, Active: true,
		AvatarURL: "https://avatars.example/" + strings.Split(email, "@")[0] + ".png"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetMembership(ctx, admin, f.Org.ID, f.Channels[gallra.ModuleForum].ID, s.ID, true); err != nil {
		t.Fatal(err)
	}
	l := &leaver{staff: s}
	topic, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Fråga till " + name, Body: "Hej!",
		Author: gallra.Author{Name: "Invånare", Email: "invanare@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range answers {
		w, err := db.CreateStaffAnswer(ctx, s, topic.ID, fmt.Sprintf("Svar %d", i), false)
		if err != nil {
			t.Fatal(err)
		}
		l.posts = append(l.posts, w.PostID)
	}
	m, err := db.IngestMail(ctx, f.Org.ID, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "kund@example.se", FromName: "Kund",
		To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Ärende " + name, Body: "Hej!", MessageID: "<" + email + "@example.se>"})
	if err != nil {
		t.Fatal(err)
	}
	l.convID, l.replies = m.ConversationID, replies
	for i := range replies {
		if _, err := db.ReplyMail(ctx, admin, f.Org.ID, m.ConversationID, s, store.OutboundReply{Body: fmt.Sprintf("Svar %d", i), FromAddr: f.Channels[gallra.ModuleMail].Address}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AddConversationNote(ctx, admin, f.Org.ID, gallra.SubjectMailConversation, m.ConversationID, s, "Intern anteckning"); err != nil {
		t.Fatal(err)
	}
	return l
}

// names returns the names every place shows for what l wrote: the author of
// each staff answer, the sender of each reply and the author of the note.
func (l *leaver) names(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, id := range l.posts {
		p, err := db.GetPost(ctx, l.staff.OrgID, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.AuthorName)
	}
	conv, err := db.GetMailConversation(ctx, l.staff.OrgID, l.convID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range conv.Messages {
		if m.StaffID != nil && *m.StaffID == l.staff.ID {
			out = append(out, m.FromName)
		}
	}
	notes, err := db.ConversationNotes(ctx, l.staff.OrgID, gallra.SubjectMailConversation, l.convID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		if n.StaffID == l.staff.ID {
			out = append(out, n.StaffName)
		}
	}
	return out
}

func allEqual(names []string, want string) bool {
	for _, n := range names {
		if n != want {
			return false
		}
	}
	return len(names) > 0
}

func pseudonymOf(t *testing.T, db *store.DB, orgID, staffID int64) string {
	t.Helper()
	var code string
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(context.Background(), `SELECT pseudonym FROM staff WHERE id = ? AND org_id = ?`, staffID, orgID).Scan(&code)
	}); err != nil {
		t.Fatal(err)
	}
	return code
}

// TestStaffOffboarding: a staff user deactivated longer than the
// organisation's period loses name, e-mail and avatar to the purge; what
// they wrote is then attributed to one stable pseudonym everywhere; the
// run survives a failure in the middle of a batch; the user cannot be
// reactivated; the preview counts them first.
func TestStaffOffboarding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := New(db, orgpii.New(db), Config{})
		e.offboardSize = 2
		f := storetest.MustFixture(t, db, "Avgång")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		gone := mustLeaver(t, db, f, "Lämna Lindqvist", "lamna@avgang.example", 3, 2)
		stays := mustLeaver(t, db, f, "Stanna Ström", "stanna@avgang.example", 1, 1)
		off := false
		for _, s := range []*gallra.Staff{gone.staff, stays.staff} {
			if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, s.ID, gallra.StaffUpdate{Active: &off}); err != nil {
				t.Fatal(err)
			}
		}
		if s, _ := db.GetStaff(ctx, f.Org.ID, gone.staff.ID); s.DeactivatedAt == nil || !s.DeactivatedAt.Equal(clock.Now()) {
			t.Fatalf("deactivated_at not recorded: %+v", s.DeactivatedAt)
		}

		// Day 89: nobody is due; both are due within 30 days.
		clock.Advance(89 * 24 * time.Hour)
		if now, soon, err := e.StaffOffboardingDue(ctx, f.Org.ID); err != nil || now != 0 || soon != 2 {
			t.Fatalf("day 89 preview: now %d soon %d %v", now, soon, err)
		}
		res, err := e.Run(ctx, RunOptions{Trigger: "cli"})
		if err != nil || res.StaffOffboarded != 0 {
			t.Fatalf("day 89 run: %v %+v", err, res)
		}
		// "Stanna" is reactivated on day 89 and deactivated again: the
		// period starts anew.
		on := true
		if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, stays.staff.ID, gallra.StaffUpdate{Active: &on}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, stays.staff.ID, gallra.StaffUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * 24 * time.Hour)
		if now, _, err := e.StaffOffboardingDue(ctx, f.Org.ID); err != nil || now != 1 {
			t.Fatalf("day 91 preview: now %d %v", now, err)
		}
		dry, err := e.Run(ctx, RunOptions{DryRun: true})
		if err != nil || dry.StaffOffboarded != 1 {
			t.Fatalf("dry run: %v %+v", err, dry)
		}

		// The second renaming batch fails: the first stays done, the
		// second is rolled back whole, the staff row keeps its data.
		boom := errors.New("simulated failure")
		batches := 0
		e.offboardHook = func(tx *store.Tx) error {
			if batches++; batches == 2 {
				return boom
			}
			return nil
		}
		if _, err := e.Run(ctx, RunOptions{Trigger: "cli"}); !errors.Is(err, boom) {
			t.Fatalf("run with a failing batch: %v", err)
		}
		code := pseudonymOf(t, db, f.Org.ID, gone.staff.ID)
		pseudo := gallra.FormerStaffName("sv", code)
		if len(code) != 4 || strings.ToUpper(code) != code {
			t.Fatalf("pseudonym %q", code)
		}
		names := gone.names(t, db)
		renamed := 0
		for _, n := range names {
			if n == pseudo {
				renamed++
			}
		}
		if renamed != 2 {
			t.Fatalf("after the failed batch %d of %v renamed, want 2 (the first batch)", renamed, names)
		}
		if s, _ := db.GetStaff(ctx, f.Org.ID, gone.staff.ID); s.Name != "Lämna Lindqvist" || s.Email != "lamna@avgang.example" || s.OffboardedAt != nil {
			t.Fatalf("staff row changed by an unfinished off-boarding: %+v", s)
		}

		// Run again: finished, with the pseudonym given the first time.
		e.offboardHook = nil
		res, err = e.Run(ctx, RunOptions{Trigger: "cli"})
		if err != nil || res.StaffOffboarded != 1 {
			t.Fatalf("re-run: %v %+v", err, res)
		}
		if got := pseudonymOf(t, db, f.Org.ID, gone.staff.ID); got != code {
			t.Fatalf("pseudonym changed from %s to %s", code, got)
		}
		if names := gone.names(t, db); !allEqual(names, pseudo) || len(names) != 3+2+1 {
			t.Fatalf("what they wrote is attributed to %v, want %q", names, pseudo)
		}
		s, err := db.GetStaff(ctx, f.Org.ID, gone.staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != pseudo || strings.Contains(s.Email, "lamna") || s.AvatarURL != "" || !s.Deleted || s.OffboardedAt == nil || s.Active || len(s.ChannelIDs) != 0 {
			t.Fatalf("off-boarded row: %+v", s)
		}
		if names := stays.names(t, db); !allEqual(names, "Stanna Ström") {
			t.Fatalf("a user deactivated anew was off-boarded: %v", names)
		}

		// Reactivating is refused with a message that says why and what to do.
		_, err = db.UpdateStaff(ctx, admin, f.Org.ID, gone.staff.ID, gallra.StaffUpdate{Active: &on})
		if gallra.ErrorCode(err) != gallra.EUNPROCESS || !strings.Contains(gallra.ErrorMessage(err), "off-boarded") || !strings.Contains(gallra.ErrorMessage(err), "new staff user") {
			t.Fatalf("reactivation: %v", err)
		}
		if err := db.SetMembership(ctx, admin, f.Org.ID, f.Channels[gallra.ModuleMail].ID, gone.staff.ID, true); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Fatalf("membership for an off-boarded user: %v", err)
		}

		// Audited once, ids and the period only.
		entries, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "staff.offboarded"})
		if err != nil || len(entries) != 1 || entries[0].SubjectID != gone.staff.ID || entries[0].ActorType != "system" {
			t.Fatalf("audit: %v %+v", err, entries)
		}
		if d := fmt.Sprint(entries[0].Details); strings.Contains(d, "Lindqvist") || strings.Contains(d, "lamna") || strings.Contains(d, code) || !strings.Contains(d, "90") {
			t.Fatalf("audit details: %s", d)
		}

		// Nothing left to do: a further run changes nothing.
		res, err = e.Run(ctx, RunOptions{Trigger: "cli"})
		if err != nil || res.StaffOffboarded != 0 {
			t.Fatalf("third run: %v %+v", err, res)
		}
		if entries, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "staff.offboarded"}); len(entries) != 1 {
			t.Fatalf("off-boarded twice: %d entries", len(entries))
		}

		// A shorter period, set by the organisation, makes "Stanna" due.
		if err := db.SetStaffOffboardDays(ctx, admin, f.Org.ID, 1); err != nil {
			t.Fatal(err)
		}
		if res, err := e.Run(ctx, RunOptions{Trigger: "cli"}); err != nil || res.StaffOffboarded != 1 {
			t.Fatalf("run after a shorter period: %v %+v", err, res)
		}
		if names := stays.names(t, db); allEqual(names, "Stanna Ström") || !strings.HasPrefix(names[0], "Tidigare medarbetare ") || names[0] == pseudo {
			t.Fatalf("second leaver: %v (first %q)", names, pseudo)
		}
	})
}

// TestStaffOffboardingReactivatedMidway: a user reactivated between the
// steps of an off-boarding gets their name back on what was already
// renamed, and the remaining steps leave them alone; a deleted user is
// off-boarded at once, so the copies of their name kept with their writing
// go too.
func TestStaffOffboardingReactivatedMidway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := New(db, orgpii.New(db), Config{})
		f := storetest.MustFixture(t, db, "Tillbaka")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		back := mustLeaver(t, db, f, "Åter Åkesson", "ater@tillbaka.example", 2, 1)
		deleted := mustLeaver(t, db, f, "Borta Berg", "borta@tillbaka.example", 2, 1)
		off, on := false, true
		if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, back.staff.ID, gallra.StaffUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteStaff(ctx, admin, f.Org.ID, deleted.staff.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(91 * 24 * time.Hour)

		// The purge's first two steps for "back", then a reactivation.
		code, err := db.BeginStaffOffboard(ctx, f.Org.ID, back.staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		pseudo := gallra.FormerStaffName("sv", code)
		if n, err := db.RenameStaffWriting(ctx, f.Org.ID, back.staff.ID, pseudo, 2, nil); err != nil || n != 2 {
			t.Fatalf("rename: %d %v", n, err)
		}
		if _, err := db.UpdateStaff(ctx, admin, f.Org.ID, back.staff.ID, gallra.StaffUpdate{Active: &on}); err != nil {
			t.Fatal(err)
		}
		if names := back.names(t, db); !allEqual(names, "Åter Åkesson") {
			t.Fatalf("reactivated user's writing: %v", names)
		}
		if _, err := db.RenameStaffWriting(ctx, f.Org.ID, back.staff.ID, pseudo, 2, nil); !store.IsNoLongerDue(err) {
			t.Fatalf("rename after reactivation: %v", err)
		}
		if err := db.FinishStaffOffboard(ctx, gallra.Actor{Type: gallra.ActorSystem}, f.Org.ID, back.staff.ID, pseudo); !store.IsNoLongerDue(err) {
			t.Fatalf("finish after reactivation: %v", err)
		}

		res, err := e.Run(ctx, RunOptions{Trigger: "cli"})
		if err != nil || res.StaffOffboarded != 1 {
			t.Fatalf("run: %v %+v (want the deleted user only)", err, res)
		}
		s, _ := db.GetStaff(ctx, f.Org.ID, back.staff.ID)
		if s.Name != "Åter Åkesson" || s.Email != "ater@tillbaka.example" || s.OffboardedAt != nil || !s.Active {
			t.Fatalf("reactivated user was off-boarded: %+v", s)
		}
		dcode := pseudonymOf(t, db, f.Org.ID, deleted.staff.ID)
		if names := deleted.names(t, db); !allEqual(names, gallra.FormerStaffName("sv", dcode)) || dcode == code {
			t.Fatalf("deleted user's writing: %v (codes %s, %s)", names, dcode, code)
		}
	})
}

func TestStaffOffboardPeriodValidated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Period")
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		if d, err := db.StaffOffboardDays(ctx, f.Org.ID); err != nil || d != gallra.DefaultStaffOffboardDays {
			t.Fatalf("default period %d %v", d, err)
		}
		for _, tc := range []struct {
			days int
			ok   bool
		}{{0, false}, {-5, false}, {3651, false}, {1, true}, {3650, true}, {30, true}} {
			err := db.SetStaffOffboardDays(ctx, admin, f.Org.ID, tc.days)
			if (err == nil) != tc.ok || (!tc.ok && gallra.ErrorCode(err) != gallra.EINVALID) {
				t.Errorf("%d days: %v", tc.days, err)
			}
		}
		if d, _ := db.StaffOffboardDays(ctx, f.Org.ID); d != 30 {
			t.Fatalf("period %d, want 30", d)
		}
		entries, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "staff.offboard_period_set"})
		if len(entries) != 3 {
			t.Fatalf("%d audit entries, want 3", len(entries))
		}
	})
}
