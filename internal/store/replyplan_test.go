package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gallra/gallra"
)

// TestReplyQueryPlans: the queries a staff reply makes in its thread read
// from one end of an index, so a reply costs the same at message 10 and at
// message 5,000 (issue 17): the last inbound message by the
// (conversation, direction, time) index (not a backward walk over every
// reply since), the References' ends in thread order with no sort. SQLite:
// no TEMP B-TREE and no scan without an index; PostgreSQL with sequential
// scans off: no Seq Scan and no Sort. The thread is real (one inbound mail,
// then 300 replies) and analyzed, as a planner in production sees it.
func TestReplyQueryPlans(t *testing.T) {
	ctx := context.Background()
	urls := map[Dialect]string{SQLite: "sqlite:" + filepath.Join(t.TempDir(), "plans.db")}
	if pg := os.Getenv("GALLRA_TEST_POSTGRES"); pg != "" {
		u, drop, err := CreateSchema(ctx, pg, "gallra_replyplans_")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { drop() })
		urls[Postgres] = u
	}
	queries := []struct {
		name, q, index string
		args           []any
	}{
		{"last sender", lastSenderQuery, "mail_messages_conversation_direction", []any{int64(1)}},
		{"message replied to", repliedToQuery, "mail_messages_conversation_direction", []any{int64(1)}},
		{"newest references", threadRefsQuery + `created_at DESC, id DESC LIMIT ?`, "", []any{int64(1), int64(2), 20}},
		{"first reference", threadRefsQuery + `created_at, id LIMIT ?`, "", []any{int64(1), int64(2), 1}},
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
			conv := replyPlanThread(t, db, 300)
			if err := db.Analyze(ctx); err != nil {
				t.Fatal(err)
			}
			for _, q := range queries {
				args := append([]any{conv}, q.args[1:]...)
				plan, err := explainPlan(ctx, db, d, q.q, args...)
				if err != nil {
					t.Fatalf("%s: explain: %v", q.name, err)
				}
				all := strings.Join(plan, "\n")
				for _, bad := range []string{"TEMP B-TREE", "Seq Scan", "Sort"} {
					if strings.Contains(all, bad) {
						t.Errorf("%s: plan has %q:\n%s", q.name, bad, all)
					}
				}
				if q.index != "" && !strings.Contains(all, q.index) {
					t.Errorf("%s: plan does not use %s:\n%s", q.name, q.index, all)
				}
				if d == SQLite {
					for _, l := range plan {
						if strings.Contains(l, "SCAN ") && !strings.Contains(l, "USING") {
							t.Errorf("%s: full scan:\n%s", q.name, all)
						}
					}
				}
			}
		})
	}
}

// replyPlanThread makes a mail conversation of one inbound mail and n
// replies and returns its id.
func replyPlanThread(t *testing.T, db *DB, n int) int64 {
	ctx := context.Background()
	org, admin, _, err := db.Bootstrap(ctx, "Plans", "Plan Admin", "admin@plans.example", "")
	if err != nil {
		t.Fatal(err)
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	inbox, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleMail, Name: "Inkorg", Address: "kontakt@plans.example"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.IngestMail(ctx, org.ID, inbox.ID, gallra.InboundMail{From: "kund@example.se", Subject: "Fråga", Body: "Hej", MessageID: "in@example.se"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := db.ReplyMail(ctx, actor, org.ID, in.ConversationID, admin, OutboundReply{Body: "Svar", FromAddr: inbox.Address, MessageID: fmt.Sprintf("r%d@plans.example", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return in.ConversationID
}

// explainPlan returns the lines of the engine's plan of q (PostgreSQL with
// sequential scans off, so an empty table does not hide a missing index).
func explainPlan(ctx context.Context, db *DB, d Dialect, q string, args ...any) ([]string, error) {
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
	return plan, err
}
