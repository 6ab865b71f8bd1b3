package retention

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// backendPID is the PostgreSQL backend of tx.
func backendPID(tx *store.Tx) (pid int64, err error) {
	err = tx.RawForTests().QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	return pid, err
}

// waitBlockedBy waits until some backend waits for a lock held by pid.
// (It runs on goroutines other than the test's: it returns its failure.)
func waitBlockedBy(db *store.DB, pid int64) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE CAST(? AS integer) = ANY(pg_blocking_pids(pid))`, pid).Scan(&n)
		})
		if err != nil || n > 0 {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("no backend waited for the transaction")
}

// A person who posts again while the person pass is deleting them (left
// without content by the purge) does not get an error: their new post
// waits for the pass and then gets a new person (PostgreSQL; SQLite's
// single writer serialises the two).
func TestPersonPostingWhileThePersonPassDeletesThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite has one writer: a post and the person pass cannot interleave")
		}
		f := storetest.MustFixture(t, db, "Kommunen")
		mustTopic(t, db, f, "Fråga", "Text", "anna@example.se")
		old, err := db.FindPerson(ctx, f.Org.ID, "anna@example.se")
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(4 * 365 * day)
		e := mustEngine(db, nil)
		type result struct {
			tp  *gallra.ForumTopic
			err error
		}
		done := make(chan result, 1)
		var once sync.Once
		e.drained = func(tx *store.Tx) error {
			// Inside the transaction that deleted Anna: she posts again,
			// and her post waits for it.
			var err error
			once.Do(func() {
				var pid int64
				if pid, err = backendPID(tx); err != nil {
					return
				}
				go func() {
					tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Igen", Body: "Ny fråga",
						Author: gallra.Author{Name: "Anna", Email: "anna@example.se"}})
					done <- result{tp, err}
				}()
				err = waitBlockedBy(db, pid)
			})
			return err
		}
		res := mustRun(t, e)
		if res.PersonsDeleted != 1 || res.Status != gallra.PurgeDone {
			t.Fatalf("run: %+v", res)
		}
		r := <-done
		if r.err != nil {
			t.Fatalf("new topic while the person was being deleted: %v", r.err)
		}
		got, err := db.GetTopic(ctx, f.Org.ID, r.tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PersonID == nil || *got.PersonID == old.ID || got.Posts[0].PersonID == nil || *got.Posts[0].PersonID != *got.PersonID {
			t.Errorf("new topic's person: %v (the deleted one was %d)", got.PersonID, old.ID)
		}
		now, err := db.FindPerson(ctx, f.Org.ID, "anna@example.se")
		if err != nil || now.ID == old.ID {
			t.Errorf("person now: %+v %v", now, err)
		}
	})
}

// Content that another connection makes refer to a person after the person
// pass found them unused, and before it deleted them, keeps the person:
// the delete is refused by the foreign key, and the pass tries its
// transaction again, which sees the content (PostgreSQL).
func TestPersonPassTriesAgainWhenNewContentRefersToThePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite has one writer: content and the person pass cannot interleave")
		}
		f := storetest.MustFixture(t, db, "Kommunen")
		mustTopic(t, db, f, "Gammal", "Text", "bo@example.se")
		clock.Advance(4 * 365 * day)
		other := mustTopic(t, db, f, "Ny", "Text", "carl@example.se")
		var logs bytes.Buffer
		e := New(db, orgpii.New(db), Config{BatchSize: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		// A transaction that takes Bo and writes a post for him, held open
		// until the person pass waits for it.
		pidc := make(chan int64, 1)
		release := make(chan struct{})
		held := make(chan error, 1)
		go func() {
			defer close(pidc) // unblocks the test if the writer fails first
			held <- db.Update(ctx, func(tx *store.Tx) error {
				pid, err := backendPID(tx)
				if err != nil {
					return err
				}
				bo, err := tx.UpsertPerson(ctx, f.Org.ID, "bo@example.se", "Bo")
				if err != nil {
					return err
				}
				if _, err := tx.RawForTests().Exec(ctx, `INSERT INTO forum_posts (org_id, channel_id, topic_id, kind, person_id, author_name, author_email, author_ip, body, created_at, updated_at)
					VALUES (?, ?, ?, 'post', ?, 'Bo', 'bo@example.se', '', 'Svar', ?, ?)`, f.Org.ID, other.ChannelID, other.ID, bo, tx.Now.UnixMilli(), tx.Now.UnixMilli()); err != nil {
					return err
				}
				pidc <- pid
				<-release
				return nil
			})
		}()
		pid, ok := <-pidc
		if !ok {
			t.Fatal(<-held)
		}
		// Let the writer commit once the person pass waits for it; the
		// result is read on the test's goroutine, and the writer is always
		// let go, also when the run fails.
		waited := make(chan error, 1)
		go func() {
			waited <- waitBlockedBy(db, pid)
			close(release)
		}()
		res, runErr := e.Run(ctx, RunOptions{Trigger: "cli"})
		if err := <-waited; err != nil {
			t.Error(err)
		}
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		if runErr != nil {
			t.Fatalf("purge: %v", runErr)
		}
		if res.Status != gallra.PurgeDone || res.Anonymized != 1 || res.PersonsDeleted != 0 {
			t.Errorf("run: %+v", res)
		}
		if !personExists(t, db, f, "bo@example.se") {
			t.Error("Bo deleted although a post refers to him")
		}
		if !strings.Contains(logs.String(), "person drain raced new content") {
			t.Errorf("the person pass did not try again: %s", logs.String())
		}
	})
}
