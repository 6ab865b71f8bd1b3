package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallra/gallra"
)

// TestListQueryPlans: every channel list, paged by pageQuery (newest id
// first), is served by an index in that order on both engines: no full scan
// of the table and no sort of the channel's rows (SQLite: no "SCAN" of the
// table without an index, no "TEMP B-TREE"; PostgreSQL with sequential
// scans disabled, so that an empty test table does not hide a missing
// index: no "Seq Scan" and no "Sort").
func TestListQueryPlans(t *testing.T) {
	ctx := context.Background()
	urls := map[Dialect]string{SQLite: "sqlite:" + filepath.Join(t.TempDir(), "plans.db")}
	if pg := os.Getenv("GALLRA_TEST_POSTGRES"); pg != "" {
		u, drop, err := CreateSchema(ctx, pg, "gallra_plans_")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { drop() })
		urls[Postgres] = u
	}
	lists := map[string]string{
		"forum topics":       `SELECT ` + topicCols + ` FROM forum_topics WHERE org_id = ? AND channel_id = ?`,
		"mail conversations": `SELECT ` + mailConvCols + ` FROM mail_conversations WHERE org_id = ? AND channel_id = ?`,
		"chats":              `SELECT ` + chatCols + ` FROM chat_conversations WHERE org_id = ? AND channel_id = ?`,
		"open chats":         `SELECT ` + chatCols + ` FROM chat_conversations WHERE org_id = ? AND channel_id = ? AND closed_at IS NULL`,
		"social items":       `SELECT ` + socialCols + ` FROM social_items WHERE org_id = ? AND channel_id = ?`,
		"knowledge articles": `SELECT id FROM knowledge_articles WHERE org_id = ? AND channel_id = ?`,
		"identifier lookup":  `SELECT i.entity, i.row_id FROM identifiers i WHERE i.org_id = ? AND ((i.kind = ? AND i.hash = ?)) AND 1 = ?`,
	}
	for d, url := range urls {
		t.Run(string(d), func(t *testing.T) {
			db, err := Open(ctx, url, gallra.SystemClock{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for name, base := range lists {
				for _, p := range []gallra.Page{{}, {BeforeID: 100}} {
					q, args := pageQuery(base, []any{int64(1), int64(2)}, p)
					if name == "identifier lookup" {
						q, args = base+` ORDER BY i.entity, i.row_id LIMIT ?`, []any{int64(1), "email", "x", 1, 10}
					}
					var plan []string
					err := db.Update(ctx, func(tx *Tx) error {
						explain := `EXPLAIN QUERY PLAN `
						if d == Postgres {
							explain = `EXPLAIN `
							if _, err := tx.exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
								return err
							}
						}
						rows, err := tx.query(ctx, explain+q, args...)
						if err != nil {
							return err
						}
						defer rows.Close()
						cols, _ := rows.Columns()
						for rows.Next() {
							vals := make([]any, len(cols))
							ptrs := make([]any, len(cols))
							for i := range vals {
								ptrs[i] = &vals[i]
							}
							if err := rows.Scan(ptrs...); err != nil {
								return err
							}
							line := ""
							for _, v := range vals {
								if s, ok := v.(string); ok {
									line += s + " "
								} else if b, ok := v.([]byte); ok {
									line += string(b) + " "
								}
							}
							plan = append(plan, line)
						}
						return rows.Err()
					})
					if err != nil {
						t.Fatalf("%s: explain: %v", name, err)
					}
					all := strings.Join(plan, "\n")
					bad := []string{"TEMP B-TREE", "Seq Scan", "Sort"}
					for _, b := range bad {
						if strings.Contains(all, b) {
							t.Errorf("%s (%+v): plan has %q:\n%s", name, p, b, all)
						}
					}
					if d == SQLite {
						for _, l := range plan {
							if strings.Contains(l, "SCAN ") && !strings.Contains(l, "USING") {
								t.Errorf("%s (%+v): full scan:\n%s", name, p, all)
							}
						}
					}
				}
			}
		})
	}
}

// TestSocialTreePlan: SQLite reads the reply tree by index lookups per tree
// row, never scanning social_items.
func TestSocialTreePlan(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "tree.db"), gallra.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var plan []string
	err = db.Update(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `EXPLAIN QUERY PLAN WITH RECURSIVE tree(id, depth) AS (
			SELECT id, 0 FROM social_items WHERE id = ? AND org_id = ?
			UNION ALL
			SELECT s.id, t.depth + 1 FROM tree t CROSS JOIN social_items s WHERE s.parent_id = t.id AND t.depth < ?
		)
		SELECT s.id, s.channel_id, s.external_id, s.person_id, t.depth FROM tree t CROSS JOIN social_items s WHERE s.id = t.id
		ORDER BY t.depth DESC, s.id`, 1, 1, maxSocialDepth)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range plan {
		if strings.HasPrefix(l, "SCAN s") {
			t.Errorf("social_items scanned: %q in\n%s", l, strings.Join(plan, "\n"))
		}
	}
}
