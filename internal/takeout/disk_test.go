package takeout_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// Distinctive personal data whose bytes must not stay in the database
// files after an erasure.
const (
	diskName  = "Quirinus Zebediah Vasquez-Holmqvist"
	diskEmail = "quirinus.zebediah@erased-subject.example"
	diskBody  = "Xenoglossic marmalade tariff 77351 of the subject"
)

// seedDisk gives the subject a forum topic with a long body (on overflow
// pages), a reply, a chat and a mail, and returns the strings to look for.
func seedDisk(t *testing.T, db *store.DB, f *storetest.Fixture) []string {
	t.Helper()
	ctx := context.Background()
	org := f.Org.ID
	who := gallra.Author{Name: diskName, Email: diskEmail, IP: "192.0.2.99"}
	long := strings.Repeat(diskBody+". ", 300) // ~15 KB: overflow pages
	tp, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Topic by the subject", Body: long, Author: who})
	mustDo(t, err)
	_, err = db.CreatePost(ctx, org, gallra.NewPost{TopicID: tp.ID, Body: "Second post: " + diskBody, Author: who})
	mustDo(t, err)
	_, _, err = db.StartChat(ctx, org, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: diskName, Email: diskEmail, IP: "192.0.2.99", Message: "Chat: " + diskBody})
	mustDo(t, err)
	_, err = db.IngestMail(ctx, org, f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: diskEmail, FromName: diskName,
		To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Mail", Body: "Mail: " + diskBody, MessageID: "disk1@erased-subject.example"})
	mustDo(t, err)
	return []string{diskName, diskEmail, diskBody}
}

// assertNotOnDisk fails if any of the strings (compared without regard to
// ASCII case) is in the SQLite database file or its WAL.
func assertNotOnDisk(t *testing.T, path string, secrets ...string) {
	t.Helper()
	for _, file := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ToLower(b)
		for _, s := range secrets {
			if n := bytes.Count(b, []byte(strings.ToLower(s))); n > 0 {
				t.Errorf("%q found %d time(s) in %s (%d bytes)", s, n, file, len(b))
			}
		}
	}
}

// assertOnDisk fails if a string is missing from both files: the byte
// check would pass for the wrong reason.
func assertOnDisk(t *testing.T, path, s string) {
	t.Helper()
	var all []byte
	for _, file := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(file)
		all = append(all, bytes.ToLower(b)...)
	}
	if !bytes.Contains(all, []byte(strings.ToLower(s))) {
		t.Fatalf("%q not in the database files before the erasure", s)
	}
}

// TestErasedDataLeavesTheDatabaseFiles erases a data subject and checks, on
// SQLite, that no byte of their name, e-mail or text stays in the database
// file or the WAL; on PostgreSQL, that the touched tables were vacuumed.
func TestErasedDataLeavesTheDatabaseFiles(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, path, _ := openFile(t, d)
			f := storetest.MustFixture(t, db, "Disk")
			secrets := seedDisk(t, db, f)
			if d == store.SQLite {
				assertOnDisk(t, path, diskEmail)
			}
			svc := newService(t, db)
			r, err := svc.Submit(ctx, f.Admin, takeout.NewRequest{Kind: gallra.RequestErase, Email: diskEmail,
				Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != gallra.StatusCompleted || r.Counts["person_deleted"] != 1 {
				t.Fatalf("erase: %+v", r)
			}
			// The job that follows (the mention search) rewrites the request.
			if _, err := svc.ProcessPending(ctx); err != nil {
				t.Fatal(err)
			}
			if d == store.SQLite {
				assertNotOnDisk(t, path, secrets...)
				return
			}
			assertVacuumed(t, db, "forum_posts", "persons", "chat_messages", "mail_messages", "subject_requests")
		})
	}
}

// TestReducedRequestsLeaveTheDatabaseFiles checks that the address of an
// export request reduced to its keyed hash leaves the SQLite files (on
// PostgreSQL: that the requests table was vacuumed).
func TestReducedRequestsLeaveTheDatabaseFiles(t *testing.T) {
	const email = "ximena.reduced@reduced-subject.example"
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, path, clock := openFile(t, d)
			f := storetest.MustFixture(t, db, "Reduce")
			svc := newService(t, db)
			r, err := svc.Submit(ctx, f.Admin, takeout.NewRequest{Kind: gallra.RequestExport, Email: email,
				Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Process(ctx, f.Org.ID, r.ID); err != nil {
				t.Fatal(err)
			}
			if d == store.SQLite {
				assertOnDisk(t, path, email)
			}
			clock.Advance(takeout.DefaultArtefactTTL + time.Hour)
			if n, err := svc.ReduceFinishedRequests(ctx); err != nil || n != 1 {
				t.Fatalf("reduce: %d %v", n, err)
			}
			if d == store.SQLite {
				assertNotOnDisk(t, path, email)
				return
			}
			assertVacuumed(t, db, "subject_requests")
		})
	}
}

// openFile opens a fresh migrated database of dialect d with its own clock,
// and returns it with the path of its file (SQLite).
func openFile(t *testing.T, d store.Dialect) (*store.DB, string, *storetest.Clock) {
	t.Helper()
	u := storetest.URL(t, d)
	clock := storetest.NewClock(storetest.Start())
	db, err := store.Open(context.Background(), u, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, strings.TrimPrefix(u, "sqlite:"), clock
}

// assertVacuumed fails unless every table was vacuumed by hand (VACUUM,
// not autovacuum) in the test's PostgreSQL schema.
func assertVacuumed(t *testing.T, db *store.DB, tables ...string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range tables {
		var vacuumed bool
		err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables
				WHERE schemaname = current_schema() AND relname = ?`, table).Scan(&vacuumed)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !vacuumed {
			t.Errorf("table %s not vacuumed", table)
		}
	}
}
