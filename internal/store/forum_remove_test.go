package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// removedRow is a forum post or topic after removal, with ids replaced by
// the fixture's names for them and times by what they say, so rows of
// different organisations compare field by field.
type removedRow struct {
	Kind, Parent, Person     string
	Name, Email, IP, Body    string
	Title                    string
	Removed                  bool
	Anonymized               string // "", or "removal" when set at the removal's time
	CreatedKept, UpdatedKept bool
}

// removalFixture is one organisation's forum: Anna's topic with her first
// post, an answer by Bo, Anna's comment on Bo's answer and a post of Anna's
// nobody answered, and a second topic of Anna's that nobody answered. Only
// Anna's content is older than the purge's cutoff.
type removalFixture struct {
	f       *storetest.Fixture
	anna    int64
	names   map[int64]string // post and topic ids → names
	persons map[int64]string
	created map[string]int64 // Unix ms, by name
	updated map[string]int64
}

const annasPhone = "070-123 45 67"

func newRemovalFixture(t *testing.T, db *store.DB, clock *storetest.Clock, name string) *removalFixture {
	t.Helper()
	ctx := context.Background()
	f := storetest.MustFixture(t, db, name)
	forum := f.Channels[gallra.ModuleForum].ID
	anna := gallra.Author{Name: "Anna Andersson", Email: "anna@example.se", IP: "192.0.2.7"}
	bo := gallra.Author{Name: "Bo Berg", Email: "bo@example.se", IP: "198.51.100.4"}
	rf := &removalFixture{f: f, names: map[int64]string{}, persons: map[int64]string{}}
	t1, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Ring Anna på " + annasPhone, Body: "Fråga, ring " + annasPhone, Author: anna})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	reply, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: t1.ID, Body: "Svar från Bo", Author: bo})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	comment, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: t1.ID, ParentID: &reply.ID, Body: "Tack, ring " + annasPhone, Author: anna})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	lone, err := db.CreatePost(ctx, f.Org.ID, gallra.NewPost{TopicID: t1.ID, Body: "Ingen svarade", Author: anna})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	t2, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Ensam", Body: "Ensam fråga", Author: anna})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	rf.anna = *t1.PersonID
	rf.names = map[int64]string{t1.Posts[0].ID: "question", reply.ID: "reply", comment.ID: "comment", lone.ID: "unanswered", t2.Posts[0].ID: "lone question"}
	rf.persons = map[int64]string{rf.anna: "anna", *reply.PersonID: "bo"}
	// Bo's answer is recent: only Anna's content is due.
	err = db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RawForTests().Exec(ctx, `UPDATE forum_posts SET created_at = ?, updated_at = ? WHERE id = ?`,
			clock.Now().Add(30*24*time.Hour).UnixMilli(), clock.Now().Add(30*24*time.Hour).UnixMilli(), reply.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rf.created, rf.updated = map[string]int64{}, map[string]int64{}
	rf.names[-t1.ID], rf.names[-t2.ID] = "topic", "lone topic" // topics by their negated id
	rf.snapshotTimes(t, db)
	return rf
}

// snapshotTimes records each post's created_at and updated_at.
func (rf *removalFixture) snapshotTimes(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.RawForTests().Query(ctx, `SELECT id, created_at, updated_at FROM forum_posts WHERE org_id = ?`, rf.f.Org.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, c, u int64
			if err := rows.Scan(&id, &c, &u); err != nil {
				return err
			}
			rf.created[rf.names[id]], rf.updated[rf.names[id]] = c, u
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rows reads the organisation's forum posts and topics by name.
func (rf *removalFixture) rows(t *testing.T, db *store.DB, removal time.Time) (map[string]removedRow, error) {
	t.Helper()
	ctx := context.Background()
	out := map[string]removedRow{}
	person := func(p sql.NullInt64) string {
		if !p.Valid {
			return ""
		}
		if n, ok := rf.persons[p.Int64]; ok {
			return n
		}
		return fmt.Sprint("person ", p.Int64)
	}
	err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.RawForTests().Query(ctx, `SELECT id, kind, parent_id, person_id, author_name, author_email, author_ip, body, removed, anonymized_at, created_at, updated_at
			FROM forum_posts WHERE org_id = ? ORDER BY id`, rf.f.Org.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, created, updated int64
			var parent, pid, anon sql.NullInt64
			var r removedRow
			if err := rows.Scan(&id, &r.Kind, &parent, &pid, &r.Name, &r.Email, &r.IP, &r.Body, &r.Removed, &anon, &created, &updated); err != nil {
				return err
			}
			if parent.Valid {
				r.Parent = rf.names[parent.Int64]
			}
			r.Person = person(pid)
			switch {
			case !anon.Valid:
			case anon.Int64 == removal.UnixMilli():
				r.Anonymized = "removal"
			default:
				r.Anonymized = fmt.Sprint(anon.Int64)
			}
			name := rf.names[id]
			r.CreatedKept, r.UpdatedKept = created == rf.created[name], updated == rf.updated[name]
			out[name] = r
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		trows, err := tx.RawForTests().Query(ctx, `SELECT id, person_id, title FROM forum_topics WHERE org_id = ?`, rf.f.Org.ID)
		if err != nil {
			return err
		}
		defer trows.Close()
		for trows.Next() {
			var id int64
			var pid sql.NullInt64
			var r removedRow
			if err := trows.Scan(&id, &pid, &r.Title); err != nil {
				return err
			}
			r.Kind, r.Person = "topic", person(pid)
			out[rf.names[-id]] = r
		}
		return trows.Err()
	})
	return out, err
}

// The retention purge and an erasure remove forum content by the same rule:
// over the same fixture, purge-anonymize and erase-anonymize leave the same
// rows, field by field, and so do purge-delete and erase-delete.
func TestPurgeAndErasureRemoveForumContentAlike(t *testing.T) {
	redact := func(s string) string { return strings.ReplaceAll(s, annasPhone, "[phone]") }
	kept := func(r removedRow) removedRow { r.CreatedKept, r.UpdatedKept = true, true; return r }
	bo := kept(removedRow{Kind: "post", Person: "bo", Name: "Bo Berg", Email: "bo@example.se", IP: "198.51.100.4", Body: "Svar från Bo"})
	anonymized := func(kind, parent, body string) removedRow {
		return kept(removedRow{Kind: kind, Parent: parent, Body: body, Anonymized: "removal"})
	}
	want := map[string]map[string]removedRow{
		"anonymize": {
			"question":      anonymized("post", "", "Fråga, ring [phone]"),
			"reply":         bo,
			"comment":       anonymized("comment", "reply", "Tack, ring [phone]"),
			"unanswered":    anonymized("post", "", "Ingen svarade"),
			"lone question": anonymized("post", "", "Ensam fråga"),
			"topic":         {Kind: "topic", Title: "Ring Anna på [phone]"},
			"lone topic":    {Kind: "topic", Title: "Ensam"},
		},
		"delete": {
			// A placeholder: content-free, anonymized_at when its personal
			// data went, updated_at as it was (nobody edited it).
			"question": kept(removedRow{Kind: "post", Removed: true, Anonymized: "removal"}),
			"reply":    bo,
			"topic":    {Kind: "topic", Title: store.RemovedTopicTitle},
		},
	}
	for _, action := range []string{"anonymize", "delete"} {
		t.Run(action, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				ctx := context.Background()
				purged := newRemovalFixture(t, db, clock, "Purge "+action)
				erased := newRemovalFixture(t, db, clock, "Erase "+action)
				clock.Advance(24 * time.Hour)
				removal := clock.Now()
				// The purge, in batches of two due posts.
				tg := store.PurgeTarget{OrgID: purged.f.Org.ID, ChannelID: purged.f.Channels[gallra.ModuleForum].ID, Module: gallra.ModuleForum,
					Delete: action == "delete", Cutoff: removal}
				for after, more := store.StartCursor(), true; more; {
					if err := db.Update(ctx, func(tx *store.Tx) error {
						b, err := tx.PurgeDue(ctx, tg, after, 2, redact)
						after, more = b.Next, b.More
						return err
					}); err != nil {
						t.Fatalf("purge: %v", err)
					}
				}
				// The erasure's steps, as internal/takeout runs them, in
				// batches of two.
				s := store.ErasureScope{OrgID: erased.f.Org.ID, PersonID: erased.anna, ChannelIDs: []int64{erased.f.Channels[gallra.ModuleForum].ID}}
				var total store.Erased
				steps := []func(tx *store.Tx) (int, store.Erased, error){
					func(tx *store.Tx) (int, store.Erased, error) {
						return tx.EraseForumPosts(ctx, s, gallra.PostKindComment, action == "anonymize", redact, 2)
					},
					func(tx *store.Tx) (int, store.Erased, error) {
						return tx.EraseForumPosts(ctx, s, gallra.PostKindPost, action == "anonymize", redact, 2)
					},
					func(tx *store.Tx) (int, store.Erased, error) {
						return tx.EraseForumTopics(ctx, s, action == "anonymize", redact, 2)
					},
				}
				for _, step := range steps {
					for n := 1; n > 0; {
						if err := db.Update(ctx, func(tx *store.Tx) error {
							var e store.Erased
							var err error
							n, e, err = step(tx)
							total.Anonymized += e.Anonymized
							total.Deleted += e.Deleted
							total.Placeholders += e.Placeholders
							total.TopicsDeleted += e.TopicsDeleted
							return err
						}); err != nil {
							t.Fatalf("erase: %v", err)
						}
					}
				}
				wantCounts := store.ForumRemoved{Anonymized: 4}
				if action == "delete" {
					wantCounts = store.ForumRemoved{Deleted: 3, Placeholders: 1, TopicsDeleted: 1}
				}
				if got := total.ForumRemoved; got.Anonymized != wantCounts.Anonymized || got.Deleted != wantCounts.Deleted ||
					got.Placeholders != wantCounts.Placeholders || got.TopicsDeleted != wantCounts.TopicsDeleted {
					t.Errorf("erasure counts %+v, want %+v", got, wantCounts)
				}
				for _, rf := range []*removalFixture{purged, erased} {
					got, err := rf.rows(t, db, removal)
					if err != nil {
						t.Fatal(err)
					}
					w := want[action]
					for _, name := range slices.Sorted(maps.Keys(w)) {
						if got[name] != w[name] {
							t.Errorf("%s: %s:\n got %+v\nwant %+v", rf.f.Org.Name, name, got[name], w[name])
						}
					}
					for name := range got {
						if _, ok := w[name]; !ok {
							t.Errorf("%s: %s left: %+v", rf.f.Org.Name, name, got[name])
						}
					}
				}
			})
		})
	}
}
