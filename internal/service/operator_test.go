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

		before, err := db.OrgRowCounts(ctx, doomed.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"persons", "forum_posts", "mail_attachments", "chat_messages", "social_items", "knowledge_articles",
			"custom_fields", "subject_requests", "purge_runs", "web_sessions", "login_links", "api_tokens", "audit_log", "pii_patterns", "retention_policies"} {
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
