package takeout_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func social(t *testing.T, db *store.DB, f *storetest.Fixture, ext, parent, email string) {
	t.Helper()
	_, err := db.UpsertSocialItem(context.Background(), f.Org.ID, f.Channels[gallra.ModuleSocial].ID, gallra.SocialInput{ExternalID: ext,
		ParentExternalID: parent, AuthorID: "u-" + ext, AuthorName: ext, AuthorEmail: email, Body: "text " + ext})
	mustDo(t, err)
}

func socialExists(t *testing.T, db *store.DB, f *storetest.Fixture, ext string) bool {
	t.Helper()
	var n int
	mustDo(t, db.View(context.Background(), func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(context.Background(), `SELECT COUNT(*) FROM social_items WHERE org_id = ? AND external_id = ?`, f.Org.ID, ext).Scan(&n)
	}))
	return n > 0
}

// Nested social replies (a reply to a comment, and deeper) go with the
// person's item, deepest first, without a foreign-key failure; commenters
// keep their person record when they have custom fields of their own.
func TestEraseNestedSocialReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Nested")
		seed(t, db, f)                                     // Eva's post fb-1, Olle's post fb-2
		social(t, db, f, "c1", "fb-1", otherEmail)         // Olle comments on Eva's post
		social(t, db, f, "r1", "c1", "kalle@example.se")   // Kalle replies to Olle's comment
		social(t, db, f, "e2", "r1", subjectEmail)         // Eva replies to Kalle
		social(t, db, f, "n1", "e2", "nisse@example.se")   // Nisse replies to Eva's reply
		social(t, db, f, "ec", "fb-2", subjectEmail)       // Eva comments on Olle's post
		social(t, db, f, "or1", "ec", otherEmail)          // Olle replies to Eva's comment
		social(t, db, f, "kr2", "or1", "kalle@example.se") // Kalle replies to that
		kalle, err := db.FindPerson(ctx, f.Org.ID, "kalle@example.se")
		mustDo(t, err)
		mustDo(t, db.SetCustomField(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, f.Org.ID, gallra.SubjectPerson, kalle.ID, "kundnummer", "K-1"))

		r, err := newService(t, db).Submit(ctx, f.Admin, newRequest(gallra.RequestErase, gallra.ModuleSocial))
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("erase: %+v %v", r, err)
		}
		checkCounts(t, r.Counts, map[string]int64{"social_items_deleted": 3, "social_platform_deletions_queued": 3,
			"social_comments_of_others_removed": 5, "social_comment_authors_deleted": 1})
		for _, ext := range []string{"fb-1", "c1", "r1", "e2", "n1", "ec", "or1", "kr2"} {
			if socialExists(t, db, f, ext) {
				t.Errorf("%s is still mirrored", ext)
			}
		}
		if !socialExists(t, db, f, "fb-2") {
			t.Error("Olle's own post went")
		}
		out, err := db.ListSocialDeletions(ctx, f.Org.ID, "pending", 10)
		mustDo(t, err)
		var queued []string
		for _, d := range out {
			queued = append(queued, d.ExternalID)
		}
		slices.Sort(queued)
		if !slices.Equal(queued, []string{"e2", "ec", "fb-1"}) {
			t.Errorf("queued platform deletions %v", queued)
		}
		// Kalle has CRM data of his own: he stays, with it. Nisse had nothing
		// else: gone. Olle has other content: stays.
		if _, err := db.FindPerson(ctx, f.Org.ID, "kalle@example.se"); err != nil {
			t.Errorf("commenter with custom fields of his own deleted: %v", err)
		}
		if fields, err := db.ListCustomFields(ctx, f.Org.ID, gallra.SubjectPerson, kalle.ID); err != nil || len(fields) != 1 {
			t.Errorf("commenter's custom fields: %v %v", fields, err)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, "nisse@example.se"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("commenter with nothing else left: %v", err)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, otherEmail); err != nil {
			t.Errorf("commenter with other content deleted: %v", err)
		}
	})
}

// The platform removing an item removes its replies at any depth.
func TestRemoveSocialMirrorNestedReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Mirror")
		social(t, db, f, "p", "", "a@example.se")
		social(t, db, f, "c", "p", "b@example.se")
		social(t, db, f, "r", "c", "c@example.se")
		social(t, db, f, "rr", "r", "b@example.se")
		social(t, db, f, "q", "", "d@example.se")
		n, err := db.RemoveSocialMirror(ctx, gallra.Actor{Type: gallra.ActorSystem}, f.Org.ID, f.Channels[gallra.ModuleSocial].ID, "p", false)
		if err != nil || n != 4 {
			t.Fatalf("remove: %d %v", n, err)
		}
		for _, ext := range []string{"p", "c", "r", "rr"} {
			if socialExists(t, db, f, ext) {
				t.Errorf("%s still mirrored", ext)
			}
		}
		if !socialExists(t, db, f, "q") {
			t.Error("an unrelated item went")
		}
	})
}

// A foreign-key violation while erasing is an internal error, retried by the
// job — not bad input that leaves the request failed half-done for good.
func TestEraseForeignKeyViolationIsRetryable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "FK")
		seed(t, db, f)
		// Imported data: Olle's post replying to Eva's comment (the forum
		// never makes one, so the erasure does not expect it).
		mustDo(t, db.Update(ctx, func(tx *store.Tx) error {
			var comment, topic, channel, olle int64
			if err := tx.RawForTests().QueryRow(ctx, `SELECT p.id, p.topic_id, p.channel_id FROM forum_posts p JOIN persons s ON s.id = p.person_id
				WHERE s.email_key = ? AND p.kind = 'comment' AND p.org_id = ?`, subjectKey, f.Org.ID).Scan(&comment, &topic, &channel); err != nil {
				return err
			}
			if err := tx.RawForTests().QueryRow(ctx, `SELECT id FROM persons WHERE email_key = ? AND org_id = ?`, otherEmail, f.Org.ID).Scan(&olle); err != nil {
				return err
			}
			_, err := tx.RawForTests().Exec(ctx, `INSERT INTO forum_posts (org_id, channel_id, topic_id, parent_id, kind, person_id, author_name, author_email, author_ip, body, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'comment', ?, 'Olle', ?, '', 'svar', ?, ?)`, f.Org.ID, channel, topic, comment, olle, otherEmail, tx.Now.UnixMilli(), tx.Now.UnixMilli())
			return err
		}))
		svc := newService(t, db)
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase, gallra.ModuleForum))
		mustDo(t, err)
		if _, err := svc.Process(ctx, f.Org.ID, r.ID); err == nil {
			t.Fatal("erasure over an unexpected reply succeeded")
		}
		got, _ := svc.Get(ctx, f.Admin, r.ID)
		if got.Status != gallra.StatusFailed || got.RetryAt == nil || got.Error != "Internal error." {
			t.Fatalf("after a foreign-key violation: status %s retry %v error %q", got.Status, got.RetryAt, got.Error)
		}
	})
}

// A long export pass that reports no progress keeps its claim: the heartbeat
// runs on a timer, so the job does not take the request over; and a worker
// whose claim is gone stops.
func TestExportHeartbeatIsTimerDriven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Beat")
		seed(t, db, f)
		dir := t.TempDir()
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: dir, HeartbeatEvery: 5 * time.Millisecond})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		mustDo(t, err)
		stalled, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		slow := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.File == "mail.csv" { // in the middle of the CSV passes
				once.Do(func() { close(stalled); <-release })
			}
			return nil
		})
		res := make(chan error, 1)
		go func() {
			_, err := slow.Process(ctx, f.Org.ID, r.ID)
			res <- err
		}()
		<-stalled
		clock.Advance(takeout.DefaultStaleAfter + time.Minute)
		waitHeartbeat(t, svc, f, r.ID, clock.Now())
		if n, err := svc.ProcessPending(ctx); err != nil || n != 0 {
			t.Fatalf("job took over a live export: %d %v", n, err)
		}
		if _, err := svc.Rerun(ctx, f.Admin, r.ID); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("re-run of a live export: %v", err)
		}
		close(release)
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Get(ctx, f.Admin, r.ID)
		if got.Status != gallra.StatusCompleted || got.Attempts != 1 {
			t.Fatalf("after the export: %s, attempts %d", got.Status, got.Attempts)
		}

		// The claim goes away under a running export (as after a takeover):
		// the next beat stops the run, which leaves no file of its own.
		r2, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		mustDo(t, err)
		stalled2, release2 := make(chan struct{}), make(chan struct{})
		var once2 sync.Once
		slow2 := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.File == "chat.csv" {
				once2.Do(func() { close(stalled2); <-release2 })
			}
			return nil
		})
		res2 := make(chan *gallra.SubjectRequest, 1)
		go func() {
			got, err := slow2.Process(ctx, f.Org.ID, r2.ID)
			if err != nil {
				t.Error(err)
			}
			res2 <- got
		}()
		<-stalled2
		mustDo(t, db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RawForTests().Exec(ctx, `UPDATE subject_requests SET claim = 'someone-else' WHERE id = ?`, r2.ID)
			return err
		}))
		time.Sleep(50 * time.Millisecond) // a few beats
		close(release2)
		got2 := <-res2
		if got2 == nil || got2.Status != gallra.StatusProcessing || got2.Artefact != nil {
			t.Fatalf("worker that lost its claim: %+v", got2)
		}
		for _, name := range files(t, filepath.Join(dir, "org-"+strconv.FormatInt(f.Org.ID, 10))) {
			if strings.Contains(name, "request-"+strconv.FormatInt(r2.ID, 10)) {
				t.Errorf("the stopped worker left %s", name)
			}
		}
	})
}

func waitHeartbeat(t *testing.T, svc *takeout.Service, f *storetest.Fixture, id int64, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got, err := svc.Get(context.Background(), f.Admin, id)
		mustDo(t, err)
		if !got.UpdatedAt.Before(at) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no heartbeat while the export ran")
}

// A request whose workers keep dying is taken over at most MaxAttempts
// times in all; then it is failed (no automatic retry) until staff re-run it.
func TestTakeoversAreCappedByMaxAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Cap")
		seed(t, db, f)
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir(), BatchSize: 2, MaxAttempts: 2})
		crash := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				runtime.Goexit()
			}
			return nil
		})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase))
		mustDo(t, err)
		inGoroutine(func() { crash.Process(ctx, f.Org.ID, r.ID) }) // attempt 1 dies
		clock.Advance(takeout.DefaultStaleAfter + time.Minute)     //
		inGoroutine(func() { crash.ProcessPending(ctx) })          // takeover: attempt 2 dies
		if got, _ := svc.Get(ctx, f.Admin, r.ID); got.Status != gallra.StatusProcessing || got.Attempts != 2 {
			t.Fatalf("after the second death: %s, attempts %d", got.Status, got.Attempts)
		}
		clock.Advance(takeout.DefaultStaleAfter + time.Minute)
		svc.ProcessPending(ctx)
		got, _ := svc.Get(ctx, f.Admin, r.ID)
		if got.Status != gallra.StatusFailed || got.RetryAt != nil || got.Attempts != 2 || !strings.Contains(got.Error, "abandoned") {
			t.Fatalf("after attempts ran out: %s, attempts %d, retry %v, %q", got.Status, got.Attempts, got.RetryAt, got.Error)
		}
		if n, err := svc.ProcessPending(ctx); err != nil || n != 0 {
			t.Fatalf("job picked up a request out of attempts: %d %v", n, err)
		}
		done, err := svc.Rerun(ctx, f.Admin, r.ID)
		if err != nil || done.Status != gallra.StatusCompleted {
			t.Fatalf("staff re-run: %+v %v", done, err)
		}
		checkCounts(t, done.Counts, fullErase)
	})
}

func inGoroutine(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// Person-level data lies in no channel: a request without channels is for
// admins only, and editors' requests leave the person record and the
// person's own custom fields alone.
func TestPersonLevelDataNeedsAnAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		// An organisation without channels: every scope is empty.
		org, admin, _, err := db.Bootstrap(ctx, "Tom", "Admin Tom", "admin@tom.example", "")
		mustDo(t, err)
		ed, err := db.CreateStaff(ctx, gallra.Actor{Type: gallra.ActorSystem}, &gallra.Staff{OrgID: org.ID, Name: "Ed", Email: "ed@tom.example", Role: gallra.RoleEditor, Active: true})
		mustDo(t, err)
		mustDo(t, db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.UpsertPerson(ctx, org.ID, subjectEmail, "Eva")
			return err
		}))
		svc := newService(t, db)
		if _, err := svc.Submit(ctx, ed, newRequest(gallra.RequestExport)); gallra.ErrorCode(err) != gallra.EFORBIDDEN ||
			!strings.Contains(gallra.ErrorMessage(err), "person-level data") {
			t.Fatalf("editor request without channels: %v", err)
		}
		if _, err := svc.Submit(ctx, ed, newRequest(gallra.RequestErase)); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("editor erasure without channels: %v", err)
		}
		r, err := svc.Submit(ctx, admin, newRequest(gallra.RequestExport))
		if err != nil || r.Status != gallra.StatusCompleted || len(r.ChannelIDs) != 0 {
			t.Fatalf("admin request without channels: %+v %v", r, err)
		}
		if _, err := svc.Get(ctx, ed, r.ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor reads it: %v", err)
		}
		if _, err := svc.Rerun(ctx, ed, r.ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor re-runs it: %v", err)
		}
		if _, _, err := svc.OpenArtefact(ctx, ed, r.ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor downloads it: %v", err)
		}
		if _, err := svc.Receipt(ctx, ed, r.ID, "en"); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor gets its receipt: %v", err)
		}
		if _, err := svc.Cancel(ctx, ed, r.ID, "Personen drog tillbaka begäran"); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor cancels it: %v", err)
		}
		if list, err := svc.List(ctx, ed, gallra.RequestFilter{}); err != nil || len(list) != 0 {
			t.Errorf("editor lists it: %v %v", list, err)
		}
		if list, err := svc.List(ctx, admin, gallra.RequestFilter{}); err != nil || len(list) != 1 {
			t.Errorf("admin list: %v %v", list, err)
		}

		// In an organisation with channels: the editor's export has no person
		// record and no person fields; the admin's export does, and only
		// admins may download it; the editor's erasure keeps the person.
		f := storetest.MustFixture(t, db, "Scope")
		s := seed(t, db, f)
		er, err := svc.Submit(ctx, f.Editor, newRequest(gallra.RequestExport, gallra.ModuleForum, gallra.ModuleMail))
		if err != nil || er.Status != gallra.StatusCompleted || er.PersonData {
			t.Fatalf("editor export: %+v %v", er, err)
		}
		data := bundleFile(t, svc.ArtefactFile(er), "data.json")
		var doc struct {
			Person any `json:"person"`
			Fields []struct {
				SubjectType string `json:"subject_type"`
			} `json:"custom_fields"`
		}
		mustDo(t, json.Unmarshal(data, &doc))
		if doc.Person != nil || strings.Contains(string(data), "telefon") {
			t.Errorf("editor export holds person-level data: person %v, fields %v", doc.Person, doc.Fields)
		}
		ar, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport, gallra.ModuleForum))
		if err != nil || !ar.PersonData {
			t.Fatalf("admin export: %+v %v", ar, err)
		}
		if !strings.Contains(string(bundleFile(t, svc.ArtefactFile(ar), "data.json")), "telefon") {
			t.Error("admin export lacks the person's custom fields")
		}
		if _, _, err := svc.OpenArtefact(ctx, f.Editor, ar.ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor downloads an export with person-level data: %v", err)
		}
		if fh, _, err := svc.OpenArtefact(ctx, f.Editor, er.ID); err != nil {
			t.Errorf("editor downloads their own export: %v", err)
		} else {
			fh.Close()
		}
		// Editor erasure of forum and mail; the person also has chat and
		// social items, so remove those first (as an admin would, per channel).
		del, err := svc.Submit(ctx, f.Editor, newRequest(gallra.RequestErase, gallra.ModuleForum, gallra.ModuleMail))
		if err != nil || del.Status != gallra.StatusCompleted {
			t.Fatalf("editor erase: %+v %v", del, err)
		}
		mustDo(t, db.Update(ctx, func(tx *store.Tx) error {
			for _, q := range []string{`DELETE FROM chat_messages WHERE conversation_id IN (SELECT id FROM chat_conversations WHERE person_id = ?)`,
				`DELETE FROM custom_fields WHERE subject_type = 'chat_conversation' AND person_id = ?`,
				`DELETE FROM chat_conversations WHERE person_id = ?`, `DELETE FROM social_items WHERE person_id = ?`} {
				if _, err := tx.RawForTests().Exec(ctx, q, s.personID); err != nil {
					return err
				}
			}
			return nil
		}))
		del2, err := svc.Submit(ctx, f.Editor, newRequest(gallra.RequestErase, gallra.ModuleForum))
		if err != nil || del2.Counts["person_deleted"] != 0 {
			t.Fatalf("editor erase with nothing else left: %+v %v", del2, err)
		}
		if fields, err := db.ListCustomFields(ctx, f.Org.ID, gallra.SubjectPerson, s.personID); err != nil || len(fields) != 1 {
			t.Errorf("the person's own fields after an editor's erasure: %v %v", fields, err)
		}
		if _, err := db.GetPerson(ctx, f.Org.ID, s.personID); err != nil {
			t.Errorf("editor's erasure deleted the person record: %v", err)
		}
	})
}

func bundleFile(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	mustDo(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			mustDo(t, err)
			b, _ := io.ReadAll(rc)
			rc.Close()
			return b
		}
	}
	t.Fatalf("%s not in the bundle", name)
	return nil
}

// The artefact directory is absolute and requests record names relative to
// it: a process configured with the directory elsewhere finds the file; one
// that cannot find it does not claim to have deleted it.
func TestArtefactPathsAreRelativeToTheDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Dirs")
		seed(t, db, f)
		cwd, _ := os.Getwd()
		first := t.TempDir()
		rel, err := filepath.Rel(cwd, first)
		mustDo(t, err)
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: rel})
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport, gallra.ModuleForum))
		mustDo(t, err)
		orgDir := "org-" + strconv.FormatInt(f.Org.ID, 10)
		if want := filepath.Join(orgDir, "request-"+strconv.FormatInt(r.ID, 10)+".zip"); r.Artefact == nil || r.Artefact.Path != want {
			t.Fatalf("recorded artefact %+v, want %s", r.Artefact, want)
		}
		if file := svc.ArtefactFile(r); !filepath.IsAbs(file) || !strings.HasPrefix(file, first) {
			t.Fatalf("artefact file %s is not under %s", file, first)
		}
		// The files move (another mount, another working directory).
		moved := t.TempDir()
		mustDo(t, os.Rename(filepath.Join(first, orgDir), filepath.Join(moved, orgDir)))
		there := takeout.New(db, nil, takeout.Config{ArtefactDir: moved})
		fh, _, err := there.OpenArtefact(ctx, f.Admin, r.ID)
		if err != nil {
			t.Fatalf("download with the directory configured elsewhere: %v", err)
		}
		fh.Close()

		// Expiry by a process that does not find the file: warning, nothing
		// claimed, the record stays for the next run.
		var logs bytes.Buffer
		blind := takeout.New(db, slog.New(slog.NewTextHandler(&logs, nil)), takeout.Config{ArtefactDir: first})
		clock.Advance(takeout.DefaultArtefactTTL + time.Minute)
		if n, err := blind.ExpireArtefacts(ctx); err != nil || n != 0 {
			t.Fatalf("expiry without the file: %d %v", n, err)
		}
		if !strings.Contains(logs.String(), "request_id="+strconv.FormatInt(r.ID, 10)) {
			t.Errorf("no warning naming the request: %s", logs.String())
		}
		got, _ := svc.Get(ctx, f.Admin, r.ID)
		if got.Artefact == nil || got.Artefact.Path == "" || got.Artefact.DeletedAt != nil {
			t.Fatalf("artefact claimed deleted: %+v", got.Artefact)
		}
		if n, err := there.ExpireArtefacts(ctx); err != nil || n != 1 {
			t.Fatalf("expiry where the file is: %d %v", n, err)
		}
		if _, err := os.Stat(filepath.Join(moved, r.Artefact.Path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("artefact still on disk: %v", err)
		}
		got, _ = svc.Get(ctx, f.Admin, r.ID)
		if got.Artefact.DeletedAt == nil || got.EmailRetained {
			t.Fatalf("after expiry: %+v", got)
		}
	})
}

// The export reads one snapshot: a post written while it runs is in none
// of its files, so data.json and the CSV files agree (PostgreSQL runs the
// passes in one REPEATABLE READ transaction).
func TestExportFilesAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Snap")
		seed(t, db, f)
		svc := newService(t, db)
		topics, err := db.ListTopics(ctx, f.Org.ID, f.Channels[gallra.ModuleForum].ID, gallra.Page{})
		mustDo(t, err)
		var wrote error
		once := sync.Once{}
		mid := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.File == "forum.csv" {
				once.Do(func() {
					_, wrote = db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: topics[0].ID, Body: "skrivet under exporten",
						Author: gallra.Author{Name: "Eva", Email: subjectEmail}})
				})
			}
			return nil
		})
		r, err := mid.Submit(ctx, f.Admin, newRequest(gallra.RequestExport, gallra.ModuleForum))
		mustDo(t, err)
		mustDo(t, wrote)
		data := bundleFile(t, svc.ArtefactFile(r), "data.json")
		csvRows := strings.Count(string(bundleFile(t, svc.ArtefactFile(r), "forum.csv")), "\n") - 1
		if r.Counts["forum_posts"] != 3 || csvRows != 3 || strings.Contains(string(data), "skrivet under exporten") {
			t.Fatalf("data.json has %d posts, forum.csv %d rows", r.Counts["forum_posts"], csvRows)
		}
	})
}

// A read error that ends a row loop early fails the step (retryable): the
// erasure is not completed with data left behind and the address dropped.
func TestRowReadErrorsFailTheRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Rows")
		seed(t, db, f)
		social(t, db, f, "fb-3", "", subjectEmail)
		cfg := takeout.Config{ArtefactDir: t.TempDir(), BatchSize: 2}
		svc := takeout.New(db, nil, cfg)
		for _, c := range []struct {
			loop string
			kind gallra.RequestKind
			mod  gallra.Module
		}{{"social items", gallra.RequestErase, gallra.ModuleSocial}, {"attachments", gallra.RequestExport, gallra.ModuleMail}} {
			fault := func(loop string) error {
				if loop == c.loop {
					return errors.New("injected read error")
				}
				return nil
			}
			faulty := cfg
			faulty.RowsFault = fault
			r, err := svc.Create(ctx, f.Admin, newRequest(c.kind, c.mod))
			mustDo(t, err)
			_, err = takeout.New(db, nil, faulty).Process(ctx, f.Org.ID, r.ID)
			if err == nil || !strings.Contains(err.Error(), "injected read error") {
				t.Fatalf("%s: %v", c.loop, err)
			}
			got, _ := svc.Get(ctx, f.Admin, r.ID)
			if got.Status != gallra.StatusFailed || got.RetryAt == nil || !got.EmailRetained || got.Counts["retained_legal_hold"] != 0 || got.Artefact != nil {
				t.Fatalf("%s: after the read error: %+v", c.loop, got)
			}
			done, err := svc.Process(ctx, f.Org.ID, r.ID)
			if err != nil || done.Status != gallra.StatusCompleted {
				t.Fatalf("%s: resumed: %+v %v", c.loop, done, err)
			}
			if c.kind == gallra.RequestErase && done.Counts["social_items_deleted"] != 2 {
				t.Fatalf("resumed erase counts: %v", done.Counts)
			}
		}
	})
}

// The job pages by id: requests that stay workable never hide later ones.
func TestProcessPendingPagesPastStuckRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Pages")
		svc := newService(t, db)
		var last int64
		for range 101 {
			in := newRequest(gallra.RequestExport, gallra.ModuleForum)
			in.Email = "nobody@example.se"
			r, err := svc.Create(ctx, f.Admin, in)
			mustDo(t, err)
			last = r.ID
		}
		// Every request but the last fails at once and is due for a retry
		// straight away (first attempt): they stay workable.
		flaky := svc.WithProgress(func(r *gallra.SubjectRequest, _ takeout.Progress) error {
			if r.ID != last {
				return errors.New("transient")
			}
			return nil
		})
		if _, err := flaky.ProcessPending(ctx); err == nil {
			t.Fatal("failures not reported")
		}
		got, _ := svc.Get(ctx, f.Admin, last)
		if got.Status != gallra.StatusCompleted {
			t.Fatalf("request after 100 stuck ones: %s", got.Status)
		}
	})
}

// When the inline budget runs out the claim is released for the job: the
// request stays processing (no failure, no retry used, no cancel).
func TestInlineBudgetReleasesTheClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Budget")
		seed(t, db, f)
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir(), BatchSize: 2, InlineBudget: 300 * time.Millisecond})
		var once sync.Once
		slow := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				once.Do(func() { time.Sleep(500 * time.Millisecond) })
			}
			return nil
		})
		r, err := slow.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := db.GetSubjectRequest(ctx, f.Org.ID, r.ID)
		mustDo(t, err)
		if raw.Status != gallra.StatusProcessing || raw.Claim != "" || raw.RetryAt != nil || raw.Error != "" || raw.Attempts != 1 {
			t.Fatalf("after the budget: status %s claim %q retry %v error %q attempts %d", raw.Status, raw.Claim, raw.RetryAt, raw.Error, raw.Attempts)
		}
		if _, err := svc.Cancel(ctx, f.Admin, r.ID, "Personen drog tillbaka begäran"); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("cancel of a released request: %v", err)
		}
		if n, err := svc.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("job: %d %v", n, err)
		}
		done, _ := svc.Get(ctx, f.Admin, r.ID)
		if done.Status != gallra.StatusCompleted {
			t.Fatalf("after the job: %s", done.Status)
		}
		checkCounts(t, done.Counts, fullErase)
	})
}

// Finished requests are reduced to the keyed hash after the artefact TTL;
// the verification note goes as soon as a request is no longer open.
func TestFinishedRequestsAreReduced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Reduce")
		seed(t, db, f)
		svc := newService(t, db)
		withNote := func(kind gallra.RequestKind, mods ...gallra.Module) takeout.NewRequest {
			in := newRequest(kind, mods...)
			in.VerificationMethod, in.VerificationNote = takeout.MethodOther, "visade pass i receptionen"
			return in
		}
		bad := svc.WithProgress(func(*gallra.SubjectRequest, takeout.Progress) error {
			return gallra.Errorf(gallra.EUNPROCESS, "cannot be done")
		})
		failed, err := svc.Create(ctx, f.Admin, withNote(gallra.RequestExport, gallra.ModuleForum))
		mustDo(t, err)
		bad.Process(ctx, f.Org.ID, failed.ID)
		flaky := svc.WithProgress(func(*gallra.SubjectRequest, takeout.Progress) error { return context.Canceled })
		retrying, err := svc.Create(ctx, f.Admin, withNote(gallra.RequestExport, gallra.ModuleForum))
		mustDo(t, err)
		flaky.Process(ctx, f.Org.ID, retrying.ID)
		erased, err := svc.Submit(ctx, f.Admin, withNote(gallra.RequestErase, gallra.ModuleChat))
		mustDo(t, err)
		if erased.VerificationNote != "" {
			t.Errorf("completed request keeps the verification note")
		}
		got, _ := db.GetSubjectRequest(ctx, f.Org.ID, failed.ID)
		if got.Status != gallra.StatusFailed || got.RetryAt != nil || got.Email == "" || got.VerificationNote == "" || got.MentionKeys == "" {
			t.Fatalf("failed request before the TTL: %+v", got)
		}
		if n, err := svc.ReduceFinishedRequests(ctx); err != nil || n != 0 {
			t.Fatalf("reduced before the TTL: %d %v", n, err)
		}
		clock.Advance(takeout.DefaultArtefactTTL + time.Hour)
		if n, err := svc.ReduceFinishedRequests(ctx); err != nil || n != 1 {
			t.Fatalf("reduce: %d %v", n, err)
		}
		got, _ = db.GetSubjectRequest(ctx, f.Org.ID, failed.ID)
		if got.Email != "" || got.VerificationNote != "" || got.MentionKeys != "" || got.EmailHash == "" {
			t.Fatalf("failed request after the TTL: %+v", got)
		}
		if _, err := svc.Rerun(ctx, f.Admin, failed.ID); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Fatalf("re-run of a reduced request: %v", err)
		}
		open, _ := db.GetSubjectRequest(ctx, f.Org.ID, retrying.ID)
		if open.Email == "" || open.VerificationNote == "" {
			t.Fatalf("a request still to be retried was reduced: %+v", open)
		}
	})
}

// Extending a deadline is no heartbeat: an abandoned request is still taken
// over on time.
func TestExtendDoesNotDelayTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Extend")
		seed(t, db, f)
		svc := newService(t, db)
		crash := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				runtime.Goexit()
			}
			return nil
		})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase))
		mustDo(t, err)
		inGoroutine(func() { crash.Process(ctx, f.Org.ID, r.ID) })
		before, _ := svc.Get(ctx, f.Admin, r.ID)
		clock.Advance(takeout.DefaultStaleAfter - time.Minute)
		if _, err := svc.Extend(ctx, f.Admin, r.ID, 1, "many requests"); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Get(ctx, f.Admin, r.ID); !got.UpdatedAt.Equal(before.UpdatedAt) || got.ExtendedMonths != 1 {
			t.Fatalf("extend touched the heartbeat: %v → %v", before.UpdatedAt, got.UpdatedAt)
		}
		clock.Advance(2 * time.Minute)
		if n, err := svc.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("takeover after an extension: %d %v", n, err)
		}
	})
}

// A forum topic others still post in is only detached from the person: it
// keeps its custom fields, no longer linked to the person; a deleted
// topic's fields go with it.
func TestDetachedTopicKeepsItsFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Topics")
		seed(t, db, f)
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		topics, err := db.ListTopics(ctx, f.Org.ID, f.Channels[gallra.ModuleForum].ID, gallra.Page{})
		mustDo(t, err)
		ids := map[string]int64{}
		for _, tp := range topics {
			ids[tp.Title] = tp.ID
		}
		shared, lonely := ids["Sophämtning <script>"], ids["Ensam fråga"]
		mustDo(t, db.SetCustomField(ctx, admin, f.Org.ID, gallra.SubjectForumTopic, shared, "ärende", "F-1"))
		mustDo(t, db.SetCustomField(ctx, admin, f.Org.ID, gallra.SubjectForumTopic, lonely, "ärende", "F-2"))
		if _, err := newService(t, db).Submit(ctx, f.Admin, newRequest(gallra.RequestErase, gallra.ModuleForum)); err != nil {
			t.Fatal(err)
		}
		kept, err := db.ListCustomFields(ctx, f.Org.ID, gallra.SubjectForumTopic, shared)
		if err != nil || len(kept) != 1 || kept[0].PersonID != nil {
			t.Fatalf("detached topic's fields: %+v %v", kept, err)
		}
		var left int
		mustDo(t, db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE subject_type = 'forum_topic' AND subject_id = ?`, lonely).Scan(&left)
		}))
		if left != 0 {
			t.Fatalf("deleted topic kept %d field(s)", left)
		}
	})
}
