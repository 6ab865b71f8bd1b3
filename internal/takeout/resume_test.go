package takeout_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// fullErase is what erasing everything seed created counts.
var fullErase = map[string]int64{"forum_posts_deleted": 2, "forum_placeholders": 1, "forum_topics_deleted": 1, "mail_conversations_deleted": 1,
	"mail_messages_deleted": 3, "mail_attachments_deleted": 1, "chat_conversations_deleted": 1, "chat_messages_deleted": 2,
	"social_items_deleted": 1, "social_platform_deletions_queued": 1, "person_deleted": 1, "custom_fields_deleted": 2}

func checkCounts(t *testing.T, got map[string]int64, want map[string]int64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("count %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

// An erasure cancelled after two batches (a client that went away) is failed
// with a retry time, and the job completes it with exact counts.
func TestInterruptedEraseIsCompletedByTheJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Resume")
		seed(t, db, f)
		batches := 0
		svc := newService(t, db)
		cut := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				if batches++; batches == 2 {
					return context.Canceled
				}
			}
			return nil
		})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cut.Process(ctx, f.Org.ID, r.ID); !errors.Is(err, context.Canceled) {
			t.Fatalf("first run: %v", err)
		}
		half, _ := svc.Get(ctx, f.Admin, r.ID)
		if half.Status != gallra.StatusFailed || half.RetryAt == nil || len(half.Counts) == 0 {
			t.Fatalf("after interruption: %+v", half)
		}
		if n, err := svc.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("job: %d %v", n, err)
		}
		done, _ := svc.Get(ctx, f.Admin, r.ID)
		if done.Status != gallra.StatusCompleted || done.MentionsStatus != store.MentionsComplete {
			t.Fatalf("after the job: %+v", done)
		}
		checkCounts(t, done.Counts, fullErase)
	})
}

// A worker killed half-way leaves the request processing; once its heartbeat
// is stale the job takes it over and completes it with exact counts, and the
// dead worker's claim can no longer commit a batch.
func TestAbandonedProcessingIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Crash")
		seed(t, db, f)
		svc := newService(t, db)
		batches := 0
		crash := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				if batches++; batches == 3 {
					runtime.Goexit() // kill -9: nothing after this runs
				}
			}
			return nil
		})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			crash.Process(ctx, f.Org.ID, r.ID)
		}()
		<-done
		got, _ := svc.Get(ctx, f.Admin, r.ID)
		if got.Status != gallra.StatusProcessing {
			t.Fatalf("after the crash: %s", got.Status)
		}
		// Fresh heartbeat: the job leaves it alone, a re-run is refused.
		if n, err := svc.ProcessPending(ctx); err != nil || n != 0 {
			t.Fatalf("job took a live request: %d %v", n, err)
		}
		if _, err := svc.Rerun(ctx, f.Admin, r.ID); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("rerun of a live request: %v", err)
		}
		clock.Advance(takeout.DefaultStaleAfter + time.Minute)
		if n, err := svc.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("job: %d %v", n, err)
		}
		got, _ = svc.Get(ctx, f.Admin, r.ID)
		if got.Status != gallra.StatusCompleted || got.Attempts != 2 {
			t.Fatalf("after takeover: %+v", got)
		}
		checkCounts(t, got.Counts, fullErase)
	})
}

// files lists the names in the organisation's artefact folder.
func files(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Name())
	}
	return out
}

func TestArtefactSweepAndConcurrentCompletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Sweep")
		seed(t, db, f)
		dir := t.TempDir()
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: dir})
		orgDir := filepath.Join(dir, "org-"+strconv.FormatInt(f.Org.ID, 10))

		// Worker A stalls at the end of its export; B takes over the stale
		// request and completes it; A then loses the compare-and-set.
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		stalled, release := make(chan struct{}), make(chan struct{})
		a := svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "export" && p.Total > 0 {
				close(stalled)
				<-release
			}
			return nil
		})
		type result struct {
			r   *gallra.SubjectRequest
			err error
		}
		resA := make(chan result, 1)
		go func() {
			r, err := a.Process(ctx, f.Org.ID, r.ID)
			resA <- result{r, err}
		}()
		<-stalled
		clock.Advance(takeout.DefaultStaleAfter + time.Minute)
		b, err := svc.Process(ctx, f.Org.ID, r.ID)
		if err != nil || b.Status != gallra.StatusCompleted {
			t.Fatalf("worker B: %+v %v", b, err)
		}
		close(release)
		ra := <-resA
		if ra.err != nil || ra.r.Status != gallra.StatusCompleted || ra.r.Artefact.SHA256 != b.Artefact.SHA256 {
			t.Fatalf("worker A: %+v %v", ra.r, ra.err)
		}
		want := "request-" + strconv.FormatInt(r.ID, 10) + ".zip"
		if got := files(t, orgDir); !slices.Equal(got, []string{want}) {
			t.Fatalf("files after concurrent completion: %v, want [%s]", got, want)
		}
		fh, _ := os.Open(svc.ArtefactFile(b))
		h := sha256.New()
		io.Copy(h, fh)
		fh.Close()
		if hex.EncodeToString(h.Sum(nil)) != b.Artefact.SHA256 {
			t.Fatal("the file on disk is not the one recorded")
		}

		// Sweep: an orphaned ZIP and a stale part go; the live artefact and a
		// fresh part (an export running now) stay.
		orphan := filepath.Join(orgDir, "request-987654.zip")
		old := filepath.Join(orgDir, "request-"+strconv.FormatInt(r.ID, 10)+".zip.dead.part")
		fresh := filepath.Join(orgDir, "request-987655.zip.live.part")
		for _, p := range []string{orphan, old, fresh} {
			if err := os.WriteFile(p, []byte("personal data"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		past := time.Now().Add(-2 * time.Hour)
		os.Chtimes(old, past, past)
		if n, err := svc.SweepArtefacts(ctx); err != nil || n != 2 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		got := files(t, orgDir)
		slices.Sort(got)
		if !slices.Equal(got, []string{want, filepath.Base(fresh)}) {
			t.Fatalf("after sweep: %v", got)
		}
		// A cancelled export's file is no longer accounted for either.
		r2, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport, gallra.ModuleForum))
		if err != nil {
			t.Fatal(err)
		}
		leftover := filepath.Join(orgDir, "request-"+strconv.FormatInt(r2.ID, 10)+".zip")
		os.WriteFile(leftover, []byte("x"), 0o600)
		if n, err := svc.SweepArtefacts(ctx); err != nil || n != 1 {
			t.Fatalf("sweep of a file of an unstarted request: %d %v", n, err)
		}
	})
}

// Editors page through the requests on their channels: pages are full and
// the cursor reaches every one, however many requests they may not see.
func TestEditorPagesThroughRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Paging")
		svc := newService(t, db)
		var mine []int64
		for i := range 12 {
			mod := gallra.ModuleForum
			if i%3 != 0 {
				mod = gallra.ModuleChat // not the editor's
			}
			r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport, mod))
			if err != nil {
				t.Fatal(err)
			}
			if mod == gallra.ModuleForum {
				mine = append([]int64{r.ID}, mine...)
			}
		}
		var seen []int64
		page := gallra.Page{Limit: 2}
		for range 10 {
			list, err := svc.List(ctx, f.Editor, gallra.RequestFilter{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range list {
				seen = append(seen, r.ID)
			}
			if len(list) < page.Limit {
				break
			}
			page.BeforeID = list[len(list)-1].ID
		}
		if !slices.Equal(seen, mine) {
			t.Fatalf("editor paged %v, want %v", seen, mine)
		}
	})
}

// Others' comments under the person's social post go with it, and so do
// their person rows when nothing else refers to them.
func TestSocialEraseRemovesOrphanedCommenters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Social")
		seed(t, db, f)
		social := f.Channels[gallra.ModuleSocial].ID
		for _, c := range []struct{ ext, email string }{{"fb-c1", "kalle@example.se"}, {"fb-c2", otherEmail}} {
			if _, err := db.UpsertSocialItem(ctx, f.Org.ID, social, gallra.SocialInput{ExternalID: c.ext, ParentExternalID: "fb-1",
				AuthorID: c.ext, AuthorEmail: c.email, Body: "kommentar"}); err != nil {
				t.Fatal(err)
			}
		}
		r, err := newService(t, db).Submit(ctx, f.Admin, newRequest(gallra.RequestErase, gallra.ModuleSocial))
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("erase: %+v %v", r, err)
		}
		if r.Counts["social_comments_of_others_removed"] != 2 || r.Counts["social_comment_authors_deleted"] != 1 {
			t.Fatalf("counts: %v", r.Counts)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, "kalle@example.se"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("commenter with nothing else left behind: %v", err)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, otherEmail); err != nil {
			t.Fatalf("commenter with other content was deleted: %v", err)
		}
	})
}

// Erasure folds what it deletes into the daily statistics, as purges do, so
// channel totals do not drop.
func TestEraseKeepsChannelTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Stats")
		seed(t, db, f)
		mods := []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat}
		before := map[gallra.Module]gallra.DayStats{}
		for _, m := range mods {
			before[m], _ = db.ChannelTotals(ctx, f.Org.ID, f.Channels[m].ID)
		}
		if _, err := newService(t, db).Submit(ctx, f.Admin, newRequest(gallra.RequestErase)); err != nil {
			t.Fatal(err)
		}
		for _, m := range mods {
			after, err := db.ChannelTotals(ctx, f.Org.ID, f.Channels[m].ID)
			if err != nil || after != before[m] {
				t.Errorf("%s totals: before %+v, after %+v (%v)", m, before[m], after, err)
			}
		}
	})
}

// The mention search reads items only while the identifier index is not
// complete, and that scan is bounded: with a row cap below what is in
// scope it reports partial. With the index complete the same cap does not
// apply: the lookup reads the index, and the result is complete and the
// same as an unbounded scan's.
func TestMentionSearchIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Bound")
		seed(t, db, f)
		svc := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir(), MentionScanLimit: 1})
		if err := db.RebuildIdentifierIndex(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		if r, err = svc.Process(ctx, f.Org.ID, r.ID); err != nil || r.MentionsStatus != store.MentionsPartial {
			t.Fatalf("bounded search: %+v %v", r, err)
		}
		unbounded := takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir()})
		scanned, err := unbounded.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		if scanned, err = unbounded.Process(ctx, f.Org.ID, scanned.ID); err != nil || scanned.MentionsStatus != store.MentionsComplete || len(scanned.Mentions) == 0 {
			t.Fatalf("unbounded scan: %+v %v", scanned, err)
		}
		if n, err := db.BackfillIdentifiers(ctx, 2); err != nil || n == 0 {
			t.Fatalf("backfill: %d rows, %v", n, err)
		}
		r, err = svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		if r, err = svc.Process(ctx, f.Org.ID, r.ID); err != nil || r.MentionsStatus != store.MentionsComplete {
			t.Fatalf("indexed search: %+v %v", r, err)
		}
		if !reflect.DeepEqual(r.Mentions, scanned.Mentions) {
			t.Errorf("indexed mentions %+v, scanned %+v", r.Mentions, scanned.Mentions)
		}
	})
}

// Mentions match the address whatever its case, non-ASCII letters included
// (normalised in Go on both engines).
func TestMentionsMatchUnicodeCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Unicode")
		forum := f.Channels[gallra.ModuleForum].ID
		if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Åsa", Body: "Åsas fråga",
			Author: gallra.Author{Name: "Åsa", Email: "åsa@example.se"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Olle", Body: "Skriv till ÅSA@EXAMPLE.SE",
			Author: gallra.Author{Name: "Olle", Email: otherEmail}}); err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		in := newRequest(gallra.RequestExport, gallra.ModuleForum)
		in.Email = "Åsa@Example.se"
		r, err := svc.Create(ctx, f.Admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = svc.Process(ctx, f.Org.ID, r.ID); err != nil || len(r.Mentions) != 1 || r.Mentions[0].Match != "email" {
			t.Fatalf("mentions: %+v %v", r, err)
		}
	})
}

// Due dates clamp to the month's end, leap years included.
func TestDueDatesClampToMonthEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Months")
		svc := newService(t, db)
		for _, c := range []struct {
			received, due, extended time.Time
		}{
			{time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)},
			{time.Date(2028, 1, 31, 9, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC), time.Date(2028, 3, 31, 9, 0, 0, 0, time.UTC)},
			{time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC), time.Date(2028, 3, 29, 9, 0, 0, 0, time.UTC), time.Date(2028, 4, 29, 9, 0, 0, 0, time.UTC)},
			{time.Date(2027, 12, 31, 9, 0, 0, 0, time.UTC), time.Date(2028, 1, 31, 9, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC)},
		} {
			clock.Set(c.received)
			r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
			if err != nil {
				t.Fatal(err)
			}
			if !r.DueAt.Equal(c.due) {
				t.Errorf("received %s: due %s, want %s", c.received, r.DueAt, c.due)
			}
			ext, err := svc.Extend(ctx, f.Admin, r.ID, 1, "many requests")
			if err != nil || !ext.DueAt.Equal(c.extended) {
				t.Errorf("received %s, extended by 1: due %v, want %s (%v)", c.received, ext, c.extended, err)
			}
		}
	})
}
