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

// roles are the three kinds of caller every permission-checked operation is
// tried with: an admin, an editor (member of the forum and mail channels)
// and a deactivated admin.
var roles = []string{"inactive", "editor", "admin"}

func caller(f *storetest.Fixture, role string) *gallra.Staff {
	switch role {
	case "admin":
		return f.Admin
	case "editor":
		return f.Editor
	}
	in := *f.Admin
	in.Active = false
	return &in
}

// orgCase is one operation of the organisation services and what each role
// gets: "" (allowed) or an error code.
type orgCase struct {
	name string
	want map[string]string // role → error code ("" = allowed)
	call func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error
}

const forbidden = gallra.EFORBIDDEN

var adminOnly = map[string]string{"inactive": forbidden, "editor": forbidden, "admin": ""}
var anyActive = map[string]string{"inactive": forbidden, "editor": "", "admin": ""}

func orgCases(db *store.DB) []orgCase {
	name := "Nytt namn"
	lang := "en"
	active := false
	return []orgCase{
		{"get organisation", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Organisations.GetOrganisation(ctx, who)
			return err
		}},
		{"update organisation", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Organisations.UpdateOrganisation(ctx, who, gallra.OrganisationUpdate{Name: &name, Language: &lang})
			return err
		}},
		{"list channel directory", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Channels.ListChannels(ctx, who, "", "")
			return err
		}},
		{"get a member channel", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Channels.GetChannel(ctx, who, f.Channels[gallra.ModuleForum].ID, gallra.ModuleForum, gallra.PermWorkChannel)
			return err
		}},
		{"get another channel to work in", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Channels.GetChannel(ctx, who, f.Channels[gallra.ModuleChat].ID, "", gallra.PermWorkChannel)
			return err
		}},
		{"create channel", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Channels.CreateChannel(ctx, who, gallra.NewChannel{Module: gallra.ModuleForum, Name: "Ny"})
			return err
		}},
		{"rename channel", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Channels.UpdateChannel(ctx, who, f.Channels[gallra.ModuleForum].ID, gallra.ChannelUpdate{Name: &name})
			return err
		}},
		{"delete channel", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			return svc.Channels.DeleteChannel(ctx, who, f.Channels[gallra.ModuleSocial].ID)
		}},
		{"add member", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			return svc.Channels.SetMembership(ctx, who, f.Channels[gallra.ModuleChat].ID, f.Editor.ID, true)
		}},
		{"set memberships", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			return svc.Channels.SetMemberships(ctx, who, f.Editor.ID, []int64{f.Channels[gallra.ModuleChat].ID})
		}},
		{"read detector patterns", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.PII.Patterns(ctx, who)
			return err
		}},
		{"set detector patterns", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.PII.SetPatterns(ctx, who, []gallra.PIIPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}})
			return err
		}},
		{"colleague's name", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.ColleagueName(ctx, who, f.Admin.ID)
			return err
		}},
		{"list staff", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.ListStaff(ctx, who)
			return err
		}},
		{"get staff", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.GetStaff(ctx, who, f.Editor.ID)
			return err
		}},
		{"create staff", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.CreateStaff(ctx, who, gallra.NewStaff{Name: "Ny", Email: "ny@example.se", Role: gallra.RoleEditor})
			return err
		}},
		{"deactivate staff", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.UpdateStaff(ctx, who, f.Editor.ID, gallra.StaffUpdate{Active: &active})
			return err
		}},
		{"delete staff", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			return svc.Staff.DeleteStaff(ctx, who, f.Editor.ID)
		}},
		{"read off-boarding period", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.StaffOffboarding(ctx, who)
			return err
		}},
		{"set off-boarding period", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.SetStaffOffboardDays(ctx, who, 60)
			return err
		}},
		{"create reset link", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.CreateLoginLink(ctx, who, f.Editor.ID, gallra.LinkReset, time.Hour)
			return err
		}},
		{"list tokens", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Staff.ListTokens(ctx, who)
			return err
		}},
		{"create own token", anyActive, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, _, err := svc.Staff.CreateToken(ctx, who, 0, "mine")
			return err
		}},
		{"create token for another", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			other := f.Admin.ID
			if who.ID == f.Admin.ID {
				other = f.Editor.ID
			}
			_, _, err := svc.Staff.CreateToken(ctx, who, other, "theirs")
			return err
		}},
		{"revoke another's token", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			// The admin's bootstrap token is the organisation's first.
			list, err := db.ListTokens(ctx, f.Org.ID, 0)
			if err != nil {
				return err
			}
			target := f.Admin.ID
			if who.ID == f.Admin.ID {
				target = f.Editor.ID
			}
			for _, t := range list {
				if t.StaffID == target {
					return svc.Staff.RevokeToken(ctx, who, t.ID)
				}
			}
			return gallra.Errorf(gallra.EINTERNAL, "no token found")
		}},
		{"list audit", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Audit.ListAudit(ctx, who, gallra.AuditFilter{})
			return err
		}},
		{"verify audit", adminOnly, func(ctx context.Context, svc *gallra.Services, f *storetest.Fixture, who *gallra.Staff) error {
			_, err := svc.Audit.VerifyAudit(ctx, who)
			return err
		}},
	}
}

// TestOrgServicesAuthorize runs every permission-checked operation of the
// organisation services as an inactive admin, an editor and an admin (in
// that order, on one fixture per operation): refusals are EFORBIDDEN and
// write nothing to the audit log.
func TestOrgServicesAuthorize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		for i, tc := range orgCases(db) {
			t.Run(tc.name, func(t *testing.T) {
				f := storetest.MustFixture(t, db, "Org"+string(rune('A'+i)))
				for _, role := range roles {
					before := auditLen(t, db, f.Org.ID)
					err := tc.call(ctx, svc, f, caller(f, role))
					if got, want := code(err), tc.want[role]; got != want {
						t.Errorf("%s: error %v (code %q), want code %q", role, err, got, want)
					}
					if err != nil {
						if after := auditLen(t, db, f.Org.ID); after != before {
							t.Errorf("%s: refused operation wrote %d audit entries", role, after-before)
						}
					}
				}
			})
		}
	})
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return gallra.ErrorCode(err)
}

func auditLen(t *testing.T, db *store.DB, orgID int64) int {
	t.Helper()
	list, err := db.ListAudit(context.Background(), orgID, gallra.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// TestChannelVisibility: the channels a staff user may work in are the same
// from ListChannels and GetChannel (the rule the API and the UI share).
func TestChannelVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		f := storetest.MustFixture(t, db, "Synlig")
		other := storetest.MustFixture(t, db, "Annan")
		tests := []struct {
			name string
			who  *gallra.Staff
			want []gallra.Module
		}{
			{"admin works in every channel", f.Admin, gallra.Modules()},
			{"editor works in their channels", f.Editor, []gallra.Module{gallra.ModuleForum, gallra.ModuleMail}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				list, err := svc.Channels.ListChannels(ctx, tc.who, "", gallra.PermWorkChannel)
				if err != nil {
					t.Fatal(err)
				}
				var got []gallra.Module
				for _, c := range list {
					got = append(got, c.Module)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("channels %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("channels %v, want %v", got, tc.want)
					}
				}
				for _, m := range gallra.Modules() {
					_, err := svc.Channels.GetChannel(ctx, tc.who, f.Channels[m].ID, "", gallra.PermWorkChannel)
					if allowed := tc.who.Allowed(gallra.PermWorkChannel, f.Channels[m].ID); (err == nil) != allowed {
						t.Errorf("GetChannel(%s): %v, allowed by the rule: %v", m, err, allowed)
					}
				}
				// Another organisation's channel does not exist for them,
				// and a channel of another module is not found either.
				if _, err := svc.Channels.GetChannel(ctx, tc.who, other.Channels[gallra.ModuleForum].ID, "", gallra.PermWorkChannel); code(err) != gallra.ENOTFOUND {
					t.Errorf("other organisation's channel: %v, want not found", err)
				}
				if _, err := svc.Channels.GetChannel(ctx, tc.who, f.Channels[gallra.ModuleForum].ID, gallra.ModuleChat, gallra.PermWorkChannel); code(err) != gallra.ENOTFOUND {
					t.Errorf("forum channel asked for as chat: %v, want not found", err)
				}
			})
		}
	})
}

// TestStaffSelfProtection: nobody deactivates, demotes or deletes
// themselves.
func TestStaffSelfProtection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		f := storetest.MustFixture(t, db, "Själv")
		off, editor := false, gallra.RoleEditor
		tests := []struct {
			name string
			call func() error
		}{
			{"deactivate", func() error {
				_, err := svc.Staff.UpdateStaff(ctx, f.Admin, f.Admin.ID, gallra.StaffUpdate{Active: &off})
				return err
			}},
			{"demote", func() error {
				_, err := svc.Staff.UpdateStaff(ctx, f.Admin, f.Admin.ID, gallra.StaffUpdate{Role: &editor})
				return err
			}},
			{"delete", func() error { return svc.Staff.DeleteStaff(ctx, f.Admin, f.Admin.ID) }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.call(); code(err) != gallra.EUNPROCESS {
					t.Errorf("got %v, want %s", err, gallra.EUNPROCESS)
				}
			})
		}
	})
}

// TestSignInLifecycle: a reset link sets a password and signs in; sign-in,
// sign-out, and deactivation (which ends the sessions and revokes the
// tokens, whichever transport deactivates).
func TestSignInLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		f := storetest.MustFixture(t, db, "Inlogg")
		const pw = "en lång och bra lösenfras"

		if _, err := svc.Staff.CreateLoginLink(ctx, f.Admin, f.Editor.ID, gallra.LinkSetup, time.Hour); code(err) != gallra.EINVALID {
			t.Errorf("setup link from an admin: %v, want invalid (setup links are the operator's)", err)
		}
		secret, err := svc.Staff.CreateLoginLink(ctx, f.Admin, f.Editor.ID, gallra.LinkReset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := svc.Staff.LookupLoginLink(ctx, secret); err != nil || s.ID != f.Editor.ID {
			t.Fatalf("lookup link: %v, %+v", err, s)
		}
		s, sess1, err := svc.Staff.UseLoginLink(ctx, secret, pw)
		if err != nil || s.ID != f.Editor.ID {
			t.Fatalf("use link: %v", err)
		}
		if _, _, err := svc.Staff.UseLoginLink(ctx, secret, pw); code(err) != gallra.ENOTFOUND {
			t.Errorf("second use of a link: %v, want not found", err)
		}
		if _, _, err := svc.Staff.SignIn(ctx, f.Editor.Email, "fel lösenord här"); code(err) != gallra.EUNAUTHORIZED {
			t.Errorf("wrong password: %v", err)
		}
		_, sess2, err := svc.Staff.SignIn(ctx, f.Editor.Email, pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Staff.SignOut(ctx, sess2); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Staff.AuthenticateSession(ctx, sess2); code(err) != gallra.EUNAUTHORIZED {
			t.Errorf("signed-out session: %v", err)
		}
		if s, err := svc.Staff.AuthenticateSession(ctx, sess1); err != nil || s.ID != f.Editor.ID {
			t.Fatalf("session of the link: %v", err)
		}
		if s, _, err := svc.Staff.AuthenticateToken(ctx, f.EditorToken); err != nil || s.ID != f.Editor.ID {
			t.Fatalf("editor token: %v", err)
		}
		off := false
		if _, err := svc.Staff.UpdateStaff(ctx, f.Admin, f.Editor.ID, gallra.StaffUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		on := true
		if _, err := svc.Staff.UpdateStaff(ctx, f.Admin, f.Editor.ID, gallra.StaffUpdate{Active: &on}); err != nil {
			t.Fatal(err)
		}
		// Reactivated, yet the old session and token stay dead.
		if _, err := svc.Staff.AuthenticateSession(ctx, sess1); code(err) != gallra.EUNAUTHORIZED {
			t.Errorf("session after deactivation: %v, want unauthorized", err)
		}
		if _, _, err := svc.Staff.AuthenticateToken(ctx, f.EditorToken); code(err) != gallra.EUNAUTHORIZED {
			t.Errorf("token after deactivation: %v, want unauthorized", err)
		}
	})
}

// TestSetMemberships: the editor's memberships become exactly the given
// channels; ids of another organisation are ignored.
func TestSetMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		f := storetest.MustFixture(t, db, "Medlem")
		other := storetest.MustFixture(t, db, "Främmande")
		want := []int64{f.Channels[gallra.ModuleMail].ID, f.Channels[gallra.ModuleChat].ID}
		if err := svc.Channels.SetMemberships(ctx, f.Admin, f.Editor.ID, append(want, other.Channels[gallra.ModuleForum].ID)); err != nil {
			t.Fatal(err)
		}
		s, err := svc.Staff.GetStaff(ctx, f.Admin, f.Editor.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.ChannelIDs) != 2 || s.ChannelIDs[0] != want[0] || s.ChannelIDs[1] != want[1] {
			t.Errorf("memberships %v, want %v", s.ChannelIDs, want)
		}
	})
}
