package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/demo"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// Personal data only the organisation to delete holds.
const (
	doomedName  = "Quintilia Zorobabel Ferrandini"
	doomedEmail = "quintilia.zorobabel@doomed-subject.example"
	doomedBody  = "Obstreperous lanthanum ledger 60613 of the doomed"
)

// populate fills an organisation the way a customer's is after a while:
// the demo content of every module, the subject's own posts, chat and mail,
// a legal hold, a session, a sign-in link, an own PII pattern, a channel
// policy, a purge run and an export (with its ZIP in artefactDir).
func populate(t *testing.T, db *store.DB, f *storetest.Fixture, artefactDir string, subject bool) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(demo.Seed(ctx, db, f.Org, f.Admin))
	org := f.Org.ID
	name, email := "Kept Person", "someone@kept-subject.example"
	if subject {
		name, email = doomedName, doomedEmail
	}
	who := gallra.Author{Name: name, Email: email, IP: "192.0.2.98"}
	tp, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Topic", Body: strings.Repeat(doomedBody+". ", 200), Author: who})
	must(err)
	p, err := db.CreatePost(ctx, org, gallra.NewPost{TopicID: tp.ID, Body: "First: " + doomedBody, Author: who})
	must(err)
	_, err = db.CreatePost(ctx, org, gallra.NewPost{TopicID: tp.ID, ParentID: &p.ID, Body: "Reply: " + doomedBody, Author: who})
	must(err)
	_, _, err = db.StartChat(ctx, org, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: name, Email: email, Message: "Chat: " + doomedBody})
	must(err)
	_, err = db.IngestMail(ctx, org, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: email, FromName: name,
		To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Mail", Body: "Mail: " + doomedBody, MessageID: "m1@" + strings.ToLower(strings.ReplaceAll(f.Org.Name, " ", "")) + ".example",
		Attachments: []gallra.Attachment{{Filename: "a.txt", ContentType: "text/plain", Content: []byte("Attachment: " + doomedBody)}}})
	must(err)
	admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
	_, err = db.SetHold(ctx, admin, org, gallra.SubjectForumTopic, tp.ID, "court case 12")
	must(err)
	must(db.SetCustomField(ctx, admin, org, gallra.SubjectForumTopic, tp.ID, "kundnummer", "KN-123456"))
	_, err = db.CreateSession(ctx, f.Admin)
	must(err)
	_, err = db.CreateLoginLink(ctx, admin, org, f.Editor.ID, gallra.LinkInvite, gallra.SetupLinkTTL)
	must(err)
	must(db.SetPIIPatterns(ctx, admin, org, []gallra.PIIPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}}))
	eng := retention.New(db, nil, retention.Config{})
	period, err := gallra.ParsePeriod("30d")
	must(err)
	_, err = eng.SetChannelPolicyAsSystem(ctx, org, f.Channels[gallra.ModuleChat].ID, &gallra.Policy{Period: period, Action: gallra.ActionDelete})
	must(err)
	_, err = eng.Run(ctx, retention.RunOptions{Trigger: "cli", OrgID: org})
	must(err)
	tk := takeout.New(db, nil, takeout.Config{ArtefactDir: artefactDir})
	r, err := tk.Submit(ctx, f.Admin, takeout.NewRequest{Kind: gallra.RequestExport, Email: email,
		Attestation: takeout.Statements()[0], VerificationMethod: takeout.MethodPhoneCall})
	must(err)
	if r.Status != gallra.StatusCompleted {
		t.Fatalf("export: %+v", r)
	}
}

func TestDeleteOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		artefacts := t.TempDir()
		doomed := storetest.MustFixture(t, db, "Doomed")
		kept := storetest.MustFixture(t, db, "Kept")
		populate(t, db, doomed, artefacts, true)
		populate(t, db, kept, artefacts, false)
		// A table a later feature adds without adding it to the deletion:
		// the catch-all step must empty it all the same.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			raw := tx.RawForTests()
			if _, err := raw.Exec(ctx, `CREATE TABLE future_feature (org_id BIGINT NOT NULL, note TEXT NOT NULL)`); err != nil {
				return err
			}
			for i := 0; i < 20; i++ {
				if _, err := raw.Exec(ctx, `INSERT INTO future_feature (org_id, note) VALUES (?, ?), (?, ?)`, doomed.Org.ID, doomedEmail, kept.Org.ID, "kept"); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		before, err := db.OrgRowCounts(ctx, doomed.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"persons", "forum_posts", "mail_attachments", "chat_messages", "social_items", "knowledge_articles",
			"custom_fields", "subject_requests", "purge_runs", "web_sessions", "login_links", "api_tokens", "audit_log", "pii_patterns", "retention_policies", "future_feature"} {
			if before[table] == 0 {
				t.Fatalf("fixture holds no %s of the organisation: %v", table, before)
			}
		}
		keptBefore, err := db.OrgRowCounts(ctx, kept.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(artefacts, "org-"+itoa(doomed.Org.ID))); err != nil {
			t.Fatalf("no export folder: %v", err)
		}

		// Interrupted after a few batches, as by a crash: the batch the
		// fault hits rolls back, the organisation stays "deleting".
		batches := 0
		errCrash := errors.New("crash")
		op := service.New(service.Deps{DB: db, Clock: clock, Operator: service.OperatorConfig{ArtefactDir: artefacts, BatchSize: 7,
			TxHook: func(string) error {
				if batches++; batches == 6 {
					return errCrash
				}
				return nil
			}}}).Operator
		id := doomed.Org.ID
		del := gallra.OrganisationDeletion{Confirm: "Doomed", Wait: true}
		if _, err := op.DeleteOrganisation(ctx, id, del); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("delete of an active organisation: %v", err)
		}
		if _, err := op.DisableOrganisation(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := op.DeleteOrganisation(ctx, id, gallra.OrganisationDeletion{Confirm: "Kept", Wait: true}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Fatalf("wrong confirmation: %v", err)
		}
		if _, err := op.DeleteOrganisation(ctx, id, del); gallra.ErrorCode(err) != gallra.ECONFLICT || !strings.Contains(gallra.ErrorMessage(err), "legal hold") {
			t.Fatalf("delete with a legal hold: %v", err)
		}
		del.OverrideHolds = true
		if _, err := op.DeleteOrganisation(ctx, id, del); !errors.Is(err, errCrash) {
			t.Fatalf("interrupted deletion: %v", err)
		}
		sum, err := op.GetOrganisation(ctx, id)
		if err != nil || sum.Status != gallra.OrgDeleting {
			t.Fatalf("after the interruption: %+v %v", sum, err)
		}
		if _, err := op.EnableOrganisation(ctx, id); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("enable while deleting: %v", err)
		}
		mid, _ := db.OrgRowCounts(ctx, id)
		if len(mid) == 0 {
			t.Fatal("the interruption came too late: nothing left to resume")
		}

		// The job resumes and finishes it.
		op = service.New(service.Deps{DB: db, Clock: clock, Operator: service.OperatorConfig{ArtefactDir: artefacts, BatchSize: 50}}).Operator
		if n, err := op.ResumeDeletions(ctx); err != nil || n != 1 {
			t.Fatalf("resume: %d %v", n, err)
		}
		if left, err := db.OrgRowCounts(ctx, id); err != nil || len(left) != 0 {
			t.Fatalf("rows left of the deleted organisation: %v %v", left, err)
		}
		if _, err := op.GetOrganisation(ctx, id); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("deleted organisation: %v", err)
		}
		if _, err := os.Stat(filepath.Join(artefacts, "org-"+itoa(id))); !os.IsNotExist(err) {
			t.Errorf("export folder of the deleted organisation: %v", err)
		}
		if _, err := os.Stat(filepath.Join(artefacts, "org-"+itoa(kept.Org.ID))); err != nil {
			t.Errorf("export folder of the other organisation: %v", err)
		}
		keptAfter, err := db.OrgRowCounts(ctx, kept.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !equalCounts(keptBefore, keptAfter) {
			t.Errorf("other organisation changed:\nbefore %v\nafter  %v", keptBefore, keptAfter)
		}
		if res, err := db.VerifyAudit(ctx, kept.Org.ID); err != nil || !res.OK {
			t.Errorf("other organisation's audit chain: %+v %v", res, err)
		}

		// Deleting again is a no-op; the operator audit records it once,
		// with counts and no personal data, and its chain verifies.
		if _, err := op.DeleteOrganisation(ctx, id, del); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		entries, err := op.OperatorAudit(ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		var deleted *gallra.OperatorAuditEntry
		for i := range entries {
			e := &entries[i]
			if e.OrgID != id {
				continue
			}
			actions = append(actions, e.Action)
			if e.Action == "organisation.deleted" {
				deleted = e
			}
			if b, _ := jsonString(e.Details); strings.Contains(b, "@") || strings.Contains(b, doomedName) {
				t.Errorf("personal data in operator audit: %s", b)
			}
		}
		if got := strings.Join(actions, " "); got != "organisation.deleted organisation.deletion_started organisation.disabled" {
			t.Errorf("operator audit of the organisation: %s", got)
		}
		var total int64
		for table, n := range before {
			if table != "audit_log" && table != "web_sessions" && deleted.Details[table] != float64(n) {
				t.Errorf("operator audit: %s deleted %v, organisation had %d", table, deleted.Details[table], n)
			}
			total += n
		}
		if deleted.Details["total_rows"].(float64) < float64(total) {
			t.Errorf("total %v < %d rows before", deleted.Details["total_rows"], total)
		}
		if res, err := op.VerifyOperatorAudit(ctx); err != nil || !res.OK {
			t.Errorf("operator audit chain: %+v %v", res, err)
		}

		if db.Dialect() == store.SQLite {
			assertGoneFromFiles(t, db, doomedEmail, doomedName)
		}
	})
}

// assertGoneFromFiles fails when a secret is in the SQLite database file or
// its WAL (after the deletion's scrub); it first checks a control string of
// the other organisation is there, so the check cannot pass for a wrong
// path.
func assertGoneFromFiles(t *testing.T, db *store.DB, secrets ...string) {
	t.Helper()
	var path string
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(context.Background(), `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path)
	}); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		all = append(all, bytes.ToLower(b)...)
	}
	if !bytes.Contains(all, []byte("someone@kept-subject.example")) {
		t.Fatalf("control string not found in %s", path)
	}
	for _, s := range secrets {
		if n := bytes.Count(all, []byte(strings.ToLower(s))); n > 0 {
			t.Errorf("%q found %d time(s) in the database files", s, n)
		}
	}
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// TestDisabledOrganisation checks what disabling refuses and what it keeps:
// the organisation's tokens, sessions, passwords and sign-in links are
// refused with a clear 403, its public channels, topics, chats and inbox
// addresses are unknown, its retention purge still runs, and enabling it
// again restores everything but the sessions (ended by the disabling).
func TestDisabledOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock})
		f := storetest.MustFixture(t, db, "Paused")
		other := storetest.MustFixture(t, db, "Running")
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(svc.Staff.SetPasswordAsOperator(ctx, f.Org.ID, f.Admin.ID, "a long enough password 1"))
		_, session, err := svc.Staff.SignIn(ctx, f.Admin.Email, "a long enough password 1")
		must(err)
		link, err := svc.Staff.CreateLoginLinkAsOperator(ctx, f.Org.ID, f.Editor.ID, gallra.LinkReset, time.Hour)
		must(err)
		forum, chat, mail := f.Channels[gallra.ModuleForum], f.Channels[gallra.ModuleChat], f.Channels[gallra.ModuleMail]
		tp, err := svc.Forum.StartPublicTopic(ctx, gallra.NewTopic{ChannelID: forum.ID, Title: "T", Body: "B", Author: gallra.Author{Name: "Anna", Email: "anna@example.se"}})
		must(err)
		ch, chatToken, err := svc.Chat.StartPublicChat(ctx, gallra.NewChat{ChannelID: chat.ID, Message: "Hej"})
		must(err)

		checks := func(wantStaff, wantPublic string) {
			t.Helper()
			code := func(err error) string {
				if err == nil {
					return ""
				}
				return gallra.ErrorCode(err)
			}
			_, _, err := svc.Staff.AuthenticateToken(ctx, f.AdminToken)
			if code(err) != wantStaff {
				t.Errorf("token: %v, want %q", err, wantStaff)
			}
			if wantStaff != "" && !strings.Contains(gallra.ErrorMessage(err), "disabled") {
				t.Errorf("token refusal does not say why: %v", err)
			}
			if _, _, err := svc.Staff.SignIn(ctx, f.Admin.Email, "a long enough password 1"); code(err) != wantStaff {
				t.Errorf("sign-in: %v, want %q", err, wantStaff)
			}
			if _, err := svc.Staff.LookupLoginLink(ctx, link); code(err) != wantStaff {
				t.Errorf("login link: %v, want %q", err, wantStaff)
			}
			if _, err := svc.Forum.PublicChannel(ctx, forum.ID, gallra.ModuleForum); code(err) != wantPublic {
				t.Errorf("public channel: %v, want %q", err, wantPublic)
			}
			if _, err := svc.Forum.PublicTopic(ctx, tp.ID, gallra.ThreadPage{}); code(err) != wantPublic {
				t.Errorf("public topic: %v, want %q", err, wantPublic)
			}
			if _, err := svc.Chat.PublicChat(ctx, ch.ID, chatToken, gallra.ThreadPage{}); code(err) != wantPublic {
				t.Errorf("public chat: %v, want %q", err, wantPublic)
			}
			if _, err := db.FindMailChannel(ctx, mail.Address); code(err) != wantPublic {
				t.Errorf("inbox address: %v, want %q", err, wantPublic)
			}
			// The other organisation is never affected.
			if _, _, err := svc.Staff.AuthenticateToken(ctx, other.AdminToken); err != nil {
				t.Errorf("other organisation's token: %v", err)
			}
		}
		checks("", "")
		if _, err := svc.Staff.AuthenticateSession(ctx, session); err != nil {
			t.Fatal(err)
		}
		sum, err := svc.Operator.DisableOrganisation(ctx, f.Org.ID)
		must(err)
		if sum.Status != gallra.OrgDisabled || sum.StatusAt == nil {
			t.Fatalf("disabled: %+v", sum)
		}
		checks(gallra.EFORBIDDEN, gallra.ENOTFOUND)
		if _, err := svc.Staff.AuthenticateSession(ctx, session); err == nil {
			t.Error("session survived the disabling")
		}
		// Retention goes on for a disabled organisation.
		must(db.View(ctx, func(tx *store.Tx) error {
			ids, err := tx.OrganisationIDs(ctx)
			if len(ids) != 2 {
				t.Errorf("organisations the purge covers: %v", ids)
			}
			return err
		}))
		if _, err := svc.Operator.DisableOrganisation(ctx, f.Org.ID); err != nil {
			t.Errorf("disable twice: %v", err)
		}
		if _, err := svc.Operator.EnableOrganisation(ctx, f.Org.ID); err != nil {
			t.Fatal(err)
		}
		checks("", "")
		ops, err := svc.Operator.OperatorAudit(ctx, 10, 0)
		must(err)
		if len(ops) != 2 || ops[0].Action != "organisation.enabled" || ops[1].Action != "organisation.disabled" || ops[1].OrgName != "Paused" {
			t.Errorf("operator audit: %+v", ops)
		}
		if res, err := db.VerifyAudit(ctx, f.Org.ID); err != nil || !res.OK {
			t.Errorf("organisation's audit chain: %+v %v", res, err)
		}
	})
}

// TestCreateOrganisation onboards a customer: the organisation, its first
// admin and a one-time sign-in link from the base URL, audited on both
// levels; bad input names the field and creates nothing.
func TestCreateOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		svc := service.New(service.Deps{DB: db, Clock: clock, Operator: service.OperatorConfig{BaseURL: "https://gallra.example.se"}})
		for _, in := range []gallra.NewOrganisation{
			{Name: "", AdminName: "A", AdminEmail: "a@example.se"},
			{Name: "X", AdminName: "A", AdminEmail: "not an address"},
			{Name: "X", AdminName: "", AdminEmail: "a@example.se"},
			{Name: "X", Language: "de", AdminName: "A", AdminEmail: "a@example.se"},
		} {
			if _, err := svc.Operator.CreateOrganisation(ctx, in); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("%+v: %v", in, err)
			}
		}
		if orgs, _ := svc.Operator.ListOrganisations(ctx); len(orgs) != 0 {
			t.Fatalf("refused input created %d organisations", len(orgs))
		}
		c, err := svc.Operator.CreateOrganisation(ctx, gallra.NewOrganisation{Name: "Ny Kommun", Language: "en", AdminName: "Första Admin", AdminEmail: "admin@ny-kommun.example"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.SignInLink, "https://gallra.example.se/login/link/") || c.Admin.Role != gallra.RoleAdmin || c.Organisation.Staff != 1 || c.Organisation.Status != gallra.OrgActive {
			t.Fatalf("created: %+v", c)
		}
		if _, err := svc.Operator.CreateOrganisation(ctx, gallra.NewOrganisation{Name: "ny kommun", AdminName: "B", AdminEmail: "b@example.se"}); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Errorf("same name again: %v", err)
		}
		s, err := svc.Staff.LookupLoginLink(ctx, c.LinkSecret)
		if err != nil || s.ID != c.Admin.ID {
			t.Fatalf("sign-in link: %+v %v", s, err)
		}
		list, err := svc.Operator.ListOrganisations(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "Ny Kommun" || list[0].Language != "en" {
			t.Fatalf("list: %+v %v", list, err)
		}
		if res, err := db.VerifyAudit(ctx, c.Organisation.ID); err != nil || !res.OK || res.Entries < 3 {
			t.Errorf("organisation's audit: %+v %v", res, err)
		}
		ops, err := svc.Operator.OperatorAudit(ctx, 10, 0)
		if err != nil || len(ops) != 1 || ops[0].Action != "organisation.created" || ops[0].OrgID != c.Organisation.ID {
			t.Errorf("operator audit: %+v %v", ops, err)
		}
	})
}
