package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// threadLimit is the number of items a thread page asks for.
func threadLimit(p gallra.ThreadPage) int {
	return clampLimit(p.Limit, gallra.DefaultThreadPage, gallra.MaxThreadPage)
}

// threadQuery appends the keyset condition and order of a thread page to q
// (a SELECT whose WHERE clause is open): items after the cursor, oldest
// first by id, one more than the page so the reader knows whether a next
// page exists.
func threadQuery(q string, args []any, p gallra.ThreadPage) (string, []any) {
	if p.AfterID > 0 {
		q += ` AND id > ?`
		args = append(args, p.AfterID)
	}
	q += ` ORDER BY id LIMIT ?`
	return q, append(args, threadLimit(p)+1)
}

// readThread scans the rows of a threadQuery into a page: at most the
// page's limit, ending early once the bodies scanned reach
// gallra.ThreadPageBytes. It returns the page (never nil) and the cursor of
// the next page, nil when the rows ran out. Rows are scanned one at a time,
// so a long thread is never held in memory; rows is closed.
func readThread[T any](rows *sql.Rows, p gallra.ThreadPage, scan func(*sql.Rows) (T, error), size func(T) int, id func(T) int64) ([]T, *int64, error) {
	defer rows.Close()
	limit := threadLimit(p)
	out := []T{}
	bytes := 0
	for rows.Next() {
		if len(out) >= limit || bytes >= gallra.ThreadPageBytes {
			next := id(out[len(out)-1])
			return out, &next, rows.Close()
		}
		v, err := scan(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
		bytes += size(v)
	}
	return out, nil, rows.Err()
}

// MailConversationHead returns a conversation of the organisation without
// its messages or participants.
func (db *DB) MailConversationHead(ctx context.Context, orgID, id int64) (*gallra.MailConversation, error) {
	return db.mailConversation(ctx, orgID, id, nil)
}

// MailConversationPage returns a conversation of the organisation with one
// page of its messages (attachment metadata, no content), oldest first, the
// cursor of the next page (gallra.ThreadPage) and its participant person
// ids; ENOTFOUND when absent or another organisation's.
func (db *DB) MailConversationPage(ctx context.Context, orgID, id int64, p gallra.ThreadPage) (*gallra.MailConversation, error) {
	return db.mailConversation(ctx, orgID, id, &p)
}

func (db *DB) mailConversation(ctx context.Context, orgID, id int64, p *gallra.ThreadPage) (*gallra.MailConversation, error) {
	var c *gallra.MailConversation
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = scanMailConv(tx.queryRow(ctx, `SELECT `+mailConvCols+` FROM mail_conversations WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("conversation", id)
		} else if err != nil {
			return fmt.Errorf("get mail conversation: %w", err)
		}
		if p == nil {
			return nil
		}
		if c.Messages, c.NextAfterID, err = tx.mailMessagePage(ctx, orgID, id, *p); err != nil {
			return err
		}
		if err := tx.attachDelivery(ctx, c.Messages); err != nil {
			return err
		}
		c.PersonIDs, err = tx.mailParticipants(ctx, id)
		return err
	})
	return c, err
}

// maxMailParticipants bounds the participants listed with a conversation.
const maxMailParticipants = 1000

func (tx *Tx) mailParticipants(ctx context.Context, convID int64) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT person_id FROM mail_participants WHERE conversation_id = ? ORDER BY person_id LIMIT ?`, convID, maxMailParticipants)
	if err != nil {
		return nil, fmt.Errorf("list mail participants: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		out = append(out, pid)
	}
	return out, rows.Err()
}

// mailMessagePage reads a page of a conversation's messages with their
// attachments' metadata.
func (tx *Tx) mailMessagePage(ctx context.Context, orgID, convID int64, p gallra.ThreadPage) ([]gallra.MailMessage, *int64, error) {
	q, args := threadQuery(`SELECT `+mailMessageCols+` FROM mail_messages WHERE org_id = ? AND conversation_id = ?`, []any{orgID, convID}, p)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list mail messages: %w", err)
	}
	out, next, err := readThread(rows, p, func(rows *sql.Rows) (gallra.MailMessage, error) { return scanMailMessage(rows) },
		func(m gallra.MailMessage) int { return len(m.Body) }, func(m gallra.MailMessage) int64 { return m.ID })
	if err != nil || len(out) == 0 {
		return out, nil, err
	}
	idx := make(map[int64]int, len(out))
	for i, m := range out {
		idx[m.ID] = i
	}
	arows, err := tx.query(ctx, `SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.sha256 FROM mail_attachments a
		JOIN mail_messages m ON m.id = a.message_id WHERE m.org_id = ? AND m.conversation_id = ? AND m.id >= ? AND m.id <= ? ORDER BY a.id`,
		orgID, convID, out[0].ID, out[len(out)-1].ID)
	if err != nil {
		return nil, nil, fmt.Errorf("list attachments: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a gallra.MailAttachment
		if err := arows.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, nil, err
		}
		if i, ok := idx[a.MessageID]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, next, arows.Err()
}

// underCap answers EUNPROCESS naming what when countQuery (a SELECT
// COUNT(*)) counts max or more rows: the creation of one more is refused.
func (tx *Tx) underCap(ctx context.Context, what string, max int, countQuery string, args ...any) error {
	var n int
	if err := tx.queryRow(ctx, countQuery, args...).Scan(&n); err != nil {
		return fmt.Errorf("count %s: %w", what, err)
	}
	if n >= max {
		return gallra.Errorf(gallra.EUNPROCESS, "at most %d %s; remove one first", max, what)
	}
	return nil
}
