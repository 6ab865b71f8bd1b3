package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// holdsReleased is the condition (on a row of subject_requests) that at
// least one topic or conversation the request waits for is no longer held
// (released, or gone altogether). Served by the primary keys of
// subject_request_holds and of the three tables.
const holdsReleased = `EXISTS (SELECT 1 FROM subject_request_holds w WHERE w.request_id = subject_requests.id AND (
	(w.subject_type = 'forum_topic' AND NOT EXISTS (SELECT 1 FROM forum_topics t WHERE t.id = w.subject_id AND t.held_at IS NOT NULL))
	OR (w.subject_type = 'mail_conversation' AND NOT EXISTS (SELECT 1 FROM mail_conversations c WHERE c.id = w.subject_id AND c.held_at IS NOT NULL))
	OR (w.subject_type = 'chat_conversation' AND NOT EXISTS (SELECT 1 FROM chat_conversations c WHERE c.id = w.subject_id AND c.held_at IS NOT NULL))))`

func decodeHoldWait(r *gallra.SubjectRequest, s string) error {
	if s == "" {
		return nil
	}
	var w gallra.HoldWait
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return fmt.Errorf("decode request %d hold wait: %w", r.ID, err)
	}
	if w.Items == nil {
		w.Items = []gallra.HeldItem{}
	}
	r.HoldWait = &w
	return nil
}

func encodeHoldWait(r *gallra.SubjectRequest) string {
	if r.HoldWait == nil {
		return ""
	}
	b, err := json.Marshal(r.HoldWait)
	if err != nil {
		return "" // plain struct of ids, counts and times: cannot fail
	}
	return string(b)
}

// HeldSubjectsOf returns the topics and conversations under a legal hold in
// the scope's channels that the person takes part in (forum topics they
// posted in, mail conversations they are a participant of, their chats):
// what an erasure had to leave. Ids only, by type and id.
func (tx *Tx) HeldSubjectsOf(ctx context.Context, s SubjectScope) ([]gallra.HeldItem, error) {
	out := []gallra.HeldItem{}
	for _, q := range []struct {
		st gallra.SubjectType
		m  gallra.Module
		q  string
	}{
		{gallra.SubjectForumTopic, gallra.ModuleForum, `SELECT DISTINCT t.id, t.channel_id FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id
			WHERE p.person_id = ? AND +p.org_id = ? AND +p.channel_id IN (…) AND t.held_at IS NOT NULL ORDER BY t.id`},
		{gallra.SubjectMailConversation, gallra.ModuleMail, `SELECT c.id, c.channel_id FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
			WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…) AND c.held_at IS NOT NULL ORDER BY c.id`},
		{gallra.SubjectChatConversation, gallra.ModuleChat, `SELECT id, channel_id FROM chat_conversations
			WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) AND held_at IS NOT NULL ORDER BY id`},
	} {
		list, args, ok := s.personIn(q.m)
		if !ok {
			continue
		}
		rows, err := tx.query(ctx, strings.ReplaceAll(q.q, "(…)", "("+list+")"), args...)
		if err != nil {
			return nil, fmt.Errorf("list held %s: %w", q.st, err)
		}
		for rows.Next() {
			it := gallra.HeldItem{Type: q.st}
			if err := rows.Scan(&it.ID, &it.ChannelID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list held %s: %w", q.st, err)
			}
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list held %s: %w", q.st, err)
		}
	}
	return out, nil
}

// StillHeld returns those of items that exist in the organisation and are
// still under a legal hold.
func (tx *Tx) StillHeld(ctx context.Context, orgID int64, items []gallra.HeldItem) ([]gallra.HeldItem, error) {
	out := []gallra.HeldItem{}
	for _, it := range items {
		table, err := holdTable(it.Type)
		if err != nil {
			return nil, err
		}
		var one int
		err = tx.queryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ? AND org_id = ? AND held_at IS NOT NULL`, it.ID, orgID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("check hold of %s %d: %w", it.Type, it.ID, err)
		}
		out = append(out, it)
	}
	return out, nil
}

// SetRequestHolds records the topics and conversations request r waits for
// (r.HoldWait.Items; none when r does not wait), replacing what was
// recorded before.
func (tx *Tx) SetRequestHolds(ctx context.Context, r *gallra.SubjectRequest) error {
	if _, err := tx.exec(ctx, `DELETE FROM subject_request_holds WHERE request_id = ? AND org_id = ?`, r.ID, r.OrgID); err != nil {
		return fmt.Errorf("clear request holds: %w", err)
	}
	if r.HoldWait == nil || r.Status != gallra.StatusWaitingOnHold {
		return nil
	}
	for _, it := range r.HoldWait.Items {
		if _, err := tx.exec(ctx, `INSERT INTO subject_request_holds (request_id, org_id, subject_type, subject_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.ID, r.OrgID, string(it.Type), it.ID); err != nil {
			return fmt.Errorf("record request hold: %w", err)
		}
	}
	return nil
}

// RequestsWaitingOn returns the ids of the organisation's requests waiting
// on the hold of one topic or conversation (by index).
func (db *DB) RequestsWaitingOn(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) ([]int64, error) {
	var out []int64
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = queryIDs(ctx, tx, `SELECT w.request_id FROM subject_request_holds w JOIN subject_requests r ON r.id = w.request_id
			WHERE w.org_id = ? AND w.subject_type = ? AND w.subject_id = ? AND r.status = 'waiting_on_hold' ORDER BY w.request_id`, orgID, string(st), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list requests waiting on %s %d: %w", st, id, err)
	}
	return out, nil
}
