package takeout_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

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
			u := storetest.URL(t, d)
			db, err := store.Open(ctx, u, storetest.NewClock(storetest.Start()))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := storetest.MustFixture(t, db, "Disk")
			secrets := seedDisk(t, db, f)
			path := strings.TrimPrefix(u, "sqlite:")
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
			var vacuumed int
			err = db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_user_tables
					WHERE schemaname = current_schema() AND relname IN ('forum_posts', 'persons', 'chat_messages', 'mail_messages')
					AND last_vacuum IS NOT NULL`).Scan(&vacuumed)
			})
			if err != nil {
				t.Fatal(err)
			}
			if vacuumed != 4 {
				t.Errorf("%d of the 4 touched tables vacuumed after the erasure", vacuumed)
			}
		})
	}
}
