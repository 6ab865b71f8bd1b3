package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// notifyEnv is an organisation with a public site "n-<name>" and the site
// service with notifications under https://gallra.example.
type notifyEnv struct {
	db    *store.DB
	clock *storetest.Clock
	f     *storetest.Fixture
	svc   *service.Site
	site  *gallra.Site
}

func newNotifyEnv(t *testing.T, db *store.DB, clock *storetest.Clock, name string) *notifyEnv {
	t.Helper()
	ctx := context.Background()
	f := storetest.MustFixture(t, db, name)
	svc := service.NewSite(service.Deps{DB: db, Clock: clock}, nil).WithNotify(service.NotifyConfig{BaseURL: "https://gallra.example"})
	slug := "n-" + strings.ToLower(name)
	if _, err := svc.SaveSettings(ctx, f.Admin, gallra.SiteSettings{Slug: slug, IPStorage: gallra.IPNone}); err != nil {
		t.Fatal(err)
	}
	s, err := svc.SiteBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return &notifyEnv{db: db, clock: clock, f: f, svc: svc, site: s}
}

func (e *notifyEnv) ask(t *testing.T, email string, notify bool) *gallra.SiteWritten {
	t.Helper()
	w, err := e.svc.Write(context.Background(), e.site, gallra.SiteWrite{ChannelID: e.f.Channels[gallra.ModuleForum].ID, Title: "Bygglov", Body: "Behöver jag bygglov för ett plank?",
		Author: gallra.Author{Name: "Fia", Email: email}, Elapsed: time.Minute, Notify: notify})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (e *notifyEnv) answer(t *testing.T, topicID int64) bool {
	t.Helper()
	w, err := e.svc.Answer(context.Background(), e.f.Admin, topicID, "Ja, över 1,8 meter.", false)
	if err != nil {
		t.Fatal(err)
	}
	return w.Notified
}

func (e *notifyEnv) queued(t *testing.T, topicID int64) []store.AnswerNotification {
	t.Helper()
	rows, err := e.db.AnswerNotifications(context.Background(), e.f.Org.ID, topicID)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (e *notifyEnv) personOf(t *testing.T, postID int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := e.db.View(ctx, func(tx *store.Tx) error {
		return tx.RawForTests().QueryRow(ctx, `SELECT person_id FROM forum_posts WHERE id = ?`, postID).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// Who gets a notification and when, on both databases: only an asker who
// opted in and has not unsubscribed; one per question per window; the
// row goes with erasure of the asker (anonymized or deleted), and a row
// whose asker unsubscribed after it was queued is cancelled unsent.
func TestAnswerNotificationQueue(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, e *notifyEnv)
	}{
		{"opted in: one row, no address in it", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			if !e.answer(t, q.TopicID) {
				t.Fatal("not notified")
			}
			rows := e.queued(t, q.TopicID)
			if len(rows) != 1 || rows[0].PostID != q.PostID || !strings.Contains(rows[0].Body, "https://gallra.example/p/") {
				t.Fatalf("rows = %+v", rows)
			}
			ctx := context.Background()
			var n int
			if err := e.db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM site_notify_outbox WHERE subject LIKE ? OR body LIKE ? OR unsubscribe_url LIKE ?`,
					"%fia@%", "%fia@%", "%fia@%").Scan(&n)
			}); err != nil || n != 0 {
				t.Fatalf("rows holding the address: %d %v", n, err)
			}
		}},
		{"not opted in: none", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", false)
			if e.answer(t, q.TopicID) || len(e.queued(t, q.TopicID)) != 0 {
				t.Fatal("notified an asker who did not opt in")
			}
		}},
		{"unsubscribed: none", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			if _, err := e.db.UnsubscribePost(context.Background(), e.f.Org.ID, q.PostID); err != nil {
				t.Fatal(err)
			}
			if e.answer(t, q.TopicID) || len(e.queued(t, q.TopicID)) != 0 {
				t.Fatal("notified an asker who unsubscribed")
			}
		}},
		{"window: one a day", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			if !e.answer(t, q.TopicID) {
				t.Fatal("first answer not notified")
			}
			e.clock.Advance(23 * time.Hour)
			if e.answer(t, q.TopicID) {
				t.Fatal("second answer within the window notified")
			}
			e.clock.Advance(2 * time.Hour)
			if !e.answer(t, q.TopicID) || len(e.queued(t, q.TopicID)) != 2 {
				t.Fatal("an answer after the window not notified")
			}
		}},
		{"concurrent answers: one row", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			var wg sync.WaitGroup
			var mu sync.Mutex
			notified := 0
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w, err := e.svc.Answer(context.Background(), e.f.Admin, q.TopicID, "Svar", false)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if w.Notified {
						notified++
					}
					mu.Unlock()
				}()
			}
			wg.Wait()
			if notified != 1 || len(e.queued(t, q.TopicID)) != 1 {
				t.Fatalf("notified %d, rows %d; want 1", notified, len(e.queued(t, q.TopicID)))
			}
		}},
		{"erasure by anonymization removes the row", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			e.answer(t, q.TopicID)
			erase(t, e, q.PostID, true)
			if rows := e.queued(t, q.TopicID); len(rows) != 0 {
				t.Fatalf("rows after erasure: %+v", rows)
			}
		}},
		{"erasure by deletion removes the row", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			e.answer(t, q.TopicID)
			erase(t, e, q.PostID, false)
			ctx := context.Background()
			var n int
			if err := e.db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM site_notify_outbox WHERE post_id = ?`, q.PostID).Scan(&n)
			}); err != nil || n != 0 {
				t.Fatalf("rows after erasure: %d %v", n, err)
			}
		}},
		{"unsubscribed after queuing: cancelled unsent", func(t *testing.T, e *notifyEnv) {
			q := e.ask(t, "fia@example.org", true)
			e.answer(t, q.TopicID)
			if _, err := e.db.UnsubscribePost(context.Background(), e.f.Org.ID, q.PostID); err != nil {
				t.Fatal(err)
			}
			// Other cases' rows share the database: claim until none is
			// due; this one must never be handed out.
			for {
				it, err := e.db.ClaimNotify(context.Background(), "test", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if it == nil {
					break
				}
				if it.PostID == q.PostID {
					t.Fatalf("claimed the row of an asker who unsubscribed")
				}
			}
			if rows := e.queued(t, q.TopicID); len(rows) != 0 {
				t.Fatalf("rows after cancel: %+v", rows)
			}
		}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.run(t, newNotifyEnv(t, db, clock, "Notis"+string(rune('A'+i))))
			})
		}
	})
}

// erase runs the erasure step of the asker's forum posts (anonymize or
// delete), as a data-subject erasure does.
func erase(t *testing.T, e *notifyEnv, postID int64, anonymize bool) {
	t.Helper()
	ctx := context.Background()
	person := e.personOf(t, postID)
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		_, _, err := tx.EraseForumPosts(ctx, store.ErasureScope{OrgID: e.f.Org.ID, PersonID: person, ChannelIDs: []int64{e.f.Channels[gallra.ModuleForum].ID}},
			gallra.PostKindPost, anonymize, nil, 100)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
