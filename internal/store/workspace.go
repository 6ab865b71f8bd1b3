package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gallra/gallra"
)

// The staff workspace: the inbox list across channels, a conversation's
// status and assignee, internal notes, the access log and the staff
// signature. Only mail conversations are workspace conversations today;
// another kind (chats, forum questions, social comments) plugs in by adding
// its table to workspaceTable and a SELECT of the same columns to ListInbox
// (UNION ALL, ordered together).

// workspaceTable is the table of a workspace conversation type.
func workspaceTable(st gallra.SubjectType) (string, error) {
	if st == gallra.SubjectMailConversation {
		return "mail_conversations", nil
	}
	return "", gallra.Errorf(gallra.EINVALID, "subject_type must be mail_conversation")
}

// InboxQuery is a validated inbox filter as the store runs it.
type InboxQuery struct {
	// ChannelIDs limits the list to these channels; nil means every channel
	// of the organisation, an empty list nothing.
	ChannelIDs []int64
	Status     gallra.ConversationStatus
	// AssigneeID: 0 any, -1 unassigned, else that staff user's.
	AssigneeID int64
	Q          string
	Cursor     string
	Limit      int
}

// inboxCursor is the keyset position of a list item: last activity, id.
func inboxCursor(at time.Time, id int64) string {
	return strconv.FormatInt(ms(at), 10) + "-" + strconv.FormatInt(id, 10)
}

// parseInboxCursor reads a cursor made by inboxCursor (EINVALID otherwise).
func parseInboxCursor(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, "-")
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || at < 0 || id <= 0 {
		return 0, 0, gallra.Errorf(gallra.EINVALID, "cursor is not valid")
	}
	return at, id, nil
}

// ListInbox returns a page of the organisation's workspace conversations,
// most recent activity first (keyset by last activity and id, backed by
// mail_conversations_inbox / _recent).
func (db *DB) ListInbox(ctx context.Context, orgID int64, q InboxQuery) (*gallra.InboxPage, error) {
	page := &gallra.InboxPage{Items: []gallra.InboxItem{}}
	if q.ChannelIDs != nil && len(q.ChannelIDs) == 0 {
		return page, nil
	}
	limit := clampLimit(q.Limit, 25, 100)
	where := []string{`c.org_id = ?`}
	args := []any{orgID}
	if q.ChannelIDs != nil {
		list, ids := inList(q.ChannelIDs)
		where = append(where, `c.channel_id IN (`+list+`)`)
		args = append(args, ids...)
	}
	if q.Status != "" {
		where = append(where, `c.status = ?`)
		args = append(args, string(q.Status))
	}
	switch {
	case q.AssigneeID < 0:
		where = append(where, `c.assignee_id IS NULL`)
	case q.AssigneeID > 0:
		where = append(where, `c.assignee_id = ?`)
		args = append(args, q.AssigneeID)
	}
	if s := strings.TrimSpace(q.Q); s != "" {
		// SQLite's LOWER folds ASCII letters only ("Ärende" stays
		// "Ärende"): the text is also matched with its other letters in
		// upper case, which finds words that start with Å, Ä or Ö.
		p1 := "%" + escapeLike(strings.ToLower(s)) + "%"
		p2 := "%" + escapeLike(upperNonASCII(s)) + "%"
		where = append(where, `(LOWER(c.subject) LIKE ? ESCAPE '\' OR LOWER(c.subject) LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM mail_messages m WHERE m.conversation_id = c.id
			AND (LOWER(m.body) LIKE ? ESCAPE '\' OR LOWER(m.body) LIKE ? ESCAPE '\' OR LOWER(m.from_addr) LIKE ? ESCAPE '\' OR LOWER(m.from_name) LIKE ? ESCAPE '\' OR LOWER(m.from_name) LIKE ? ESCAPE '\')))`)
		args = append(args, p1, p2, p1, p2, p1, p1, p2)
	}
	if q.Cursor != "" {
		at, id, err := parseInboxCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		where = append(where, `(c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))`)
		args = append(args, at, at, id)
	}
	sqlq := `SELECT c.id, c.channel_id, c.subject, c.status, c.assignee_id, c.last_message_at, c.held_at, c.sensitive_kinds,
			(SELECT COUNT(*) FROM mail_messages m WHERE m.conversation_id = c.id),
			COALESCE((SELECT CASE WHEN m.from_name <> '' THEN m.from_name ELSE m.from_addr END FROM mail_messages m
				WHERE m.conversation_id = c.id AND m.direction = 'in' ORDER BY m.created_at DESC, m.id DESC LIMIT 1), '')
		FROM mail_conversations c WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`
	args = append(args, limit+1)
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, sqlq, args...)
		if err != nil {
			return fmt.Errorf("list inbox: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			it := gallra.InboxItem{Type: gallra.SubjectMailConversation}
			var status, kinds string
			var assignee, heldAt sql.NullInt64
			var last int64
			if err := rows.Scan(&it.ID, &it.ChannelID, &it.Subject, &status, &assignee, &last, &heldAt, &kinds, &it.Messages, &it.LastSender); err != nil {
				return fmt.Errorf("list inbox: %w", err)
			}
			it.Status, it.AssigneeID, it.LastMessageAt = gallra.ConversationStatus(status), fromNullID(assignee), fromMS(last)
			it.Held, it.SensitiveKinds = heldAt.Valid, splitKinds(kinds)
			page.Items = append(page.Items, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.Next = inboxCursor(last.LastMessageAt, last.ID)
	}
	return page, nil
}

// upperNonASCII lower-cases the ASCII letters of s and upper-cases the
// others (what SQLite's LOWER leaves of a capitalised Swedish word).
func upperNonASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

// SetConversationStatus sets a workspace conversation's status; it reports
// whether anything changed, and audits only a change.
func (db *DB) SetConversationStatus(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64, status gallra.ConversationStatus) (bool, error) {
	table, err := workspaceTable(st)
	if err != nil {
		return false, err
	}
	var changed bool
	err = db.Update(ctx, func(tx *Tx) error {
		n, err := countChanged(tx.exec(ctx, `UPDATE `+table+` SET status = ? WHERE id = ? AND org_id = ? AND status <> ?`, string(status), id, orgID, string(status)))
		if err != nil {
			return fmt.Errorf("set conversation status: %w", err)
		}
		if n == 0 {
			return nil
		}
		changed = true
		return tx.Audit(ctx, orgID, actor, "workspace.status_set", string(st), id, map[string]any{"status": string(status)})
	})
	return changed, err
}

// AssignConversation sets a workspace conversation's assignee (nil:
// nobody); audited when it changed. The caller checks that the assignee
// may work the channel.
func (db *DB) AssignConversation(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64, assignee *int64) error {
	table, err := workspaceTable(st)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		var cur sql.NullInt64
		err := tx.queryRow(ctx, `SELECT assignee_id FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("conversation", id)
		} else if err != nil {
			return fmt.Errorf("read assignee: %w", err)
		}
		if (assignee == nil && !cur.Valid) || (assignee != nil && cur.Valid && cur.Int64 == *assignee) {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE `+table+` SET assignee_id = ? WHERE id = ? AND org_id = ?`, idArg(assignee), id, orgID); err != nil {
			return fmt.Errorf("assign conversation: %w", err)
		}
		details := map[string]any{"assignee_id": nil}
		if assignee != nil {
			details["assignee_id"] = *assignee
		}
		return tx.Audit(ctx, orgID, actor, "workspace.assigned", string(st), id, details)
	})
}

// ConversationNotes returns a conversation's internal notes, oldest first,
// with their authors' names.
func (db *DB) ConversationNotes(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) ([]gallra.Note, error) {
	var out []gallra.Note
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.ConversationNotes(ctx, orgID, st, id)
		return err
	})
	return out, err
}

// ConversationNotes is ConversationNotes inside a transaction (the
// data-subject export reads a conversation's notes with its thread).
func (tx *Tx) ConversationNotes(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) ([]gallra.Note, error) {
	out := []gallra.Note{}
	err := func() error {
		rows, err := tx.query(ctx, `SELECT n.id, n.staff_id, COALESCE(s.name, ''), n.body, n.created_at FROM conversation_notes n
			LEFT JOIN staff s ON s.id = n.staff_id WHERE n.subject_type = ? AND n.subject_id = ? AND n.org_id = ? ORDER BY n.created_at, n.id`, string(st), id, orgID)
		if err != nil {
			return fmt.Errorf("list notes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			n := gallra.Note{SubjectType: st, SubjectID: id}
			var created int64
			if err := rows.Scan(&n.ID, &n.StaffID, &n.StaffName, &n.Body, &created); err != nil {
				return fmt.Errorf("list notes: %w", err)
			}
			n.CreatedAt = fromMS(created)
			out = append(out, n)
		}
		return rows.Err()
	}()
	return out, err
}

// AddConversationNote writes an internal note on a conversation of the
// organisation (ENOTFOUND when there is none); audited without the text.
func (db *DB) AddConversationNote(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64, staff *gallra.Staff, body string) (*gallra.Note, error) {
	table, err := workspaceTable(st)
	if err != nil {
		return nil, err
	}
	n := &gallra.Note{SubjectType: st, SubjectID: id, StaffID: staff.ID, StaffName: staff.Name, Body: body}
	err = db.Update(ctx, func(tx *Tx) error {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("conversation", id)
		} else if err != nil {
			return fmt.Errorf("find conversation: %w", err)
		}
		n.CreatedAt = tx.Now
		if n.ID, err = tx.insert(ctx, `INSERT INTO conversation_notes (org_id, subject_type, subject_id, staff_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			orgID, string(st), id, staff.ID, body, ms(tx.Now)); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "workspace.note_added", string(st), id, map[string]any{"note_id": n.ID})
	})
	if err != nil {
		return nil, err
	}
	n.CreatedAt = fromMS(ms(n.CreatedAt))
	return n, nil
}

// AccessEntry is one read of a conversation by a staff user: ids and a
// time, no content.
type AccessEntry struct {
	StaffID     int64
	SubjectType gallra.SubjectType
	SubjectID   int64
	At          time.Time
}

// RecordAccess appends a view of a conversation to the access log (see
// RecordRead).
func (db *DB) RecordAccess(ctx context.Context, orgID, staffID int64, st gallra.SubjectType, id int64) error {
	return db.RecordRead(ctx, orgID, AccessRecord{StaffID: staffID, SubjectType: st, SubjectID: id, Action: gallra.AccessView})
}

// AccessLog returns the recorded reads of a conversation, oldest first
// (for the privacy register and tests).
func (db *DB) AccessLog(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) ([]AccessEntry, error) {
	out := []AccessEntry{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT staff_id, accessed_at FROM access_log WHERE org_id = ? AND subject_type = ? AND subject_id = ? ORDER BY accessed_at, id`, orgID, string(st), id)
		if err != nil {
			return fmt.Errorf("read access log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e := AccessEntry{SubjectType: st, SubjectID: id}
			var at int64
			if err := rows.Scan(&e.StaffID, &at); err != nil {
				return err
			}
			e.At = fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// StaffSignature returns a staff user's reply signature.
func (db *DB) StaffSignature(ctx context.Context, orgID, staffID int64) (string, error) {
	var sig string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT signature FROM staff WHERE id = ? AND org_id = ?`, staffID, orgID).Scan(&sig)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("staff user", staffID)
	}
	return sig, err
}

// SetStaffSignature replaces a staff user's reply signature; audited
// without the text.
func (db *DB) SetStaffSignature(ctx context.Context, actor gallra.Actor, orgID, staffID int64, sig string) error {
	return db.Update(ctx, func(tx *Tx) error {
		n, err := countChanged(tx.exec(ctx, `UPDATE staff SET signature = ? WHERE id = ? AND org_id = ?`, sig, staffID, orgID))
		if err != nil {
			return fmt.Errorf("set signature: %w", err)
		}
		if n == 0 {
			return notFound("staff user", staffID)
		}
		return tx.Audit(ctx, orgID, actor, "staff.signature_set", "staff", staffID, nil)
	})
}

// deleteNotes deletes the notes of conversations (purge and erasure of a
// whole conversation); it returns how many went.
func (tx *Tx) deleteNotes(ctx context.Context, st gallra.SubjectType, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	list, args := inList(ids)
	n, err := countChanged(tx.exec(ctx, `DELETE FROM conversation_notes WHERE subject_type = ? AND subject_id IN (`+list+`)`, append([]any{string(st)}, args...)...))
	if err != nil {
		return 0, fmt.Errorf("delete notes: %w", err)
	}
	return n, nil
}

// scrubNotes takes an erased person's e-mail address (any case) out of the
// notes of a conversation that stays (others took part in it), as their
// address is taken out of its messages' recipients.
func (tx *Tx) scrubNotes(ctx context.Context, st gallra.SubjectType, conv int64, email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT id, body FROM conversation_notes WHERE subject_type = ? AND subject_id = ?`, string(st), conv)
	if err != nil {
		return fmt.Errorf("read notes: %w", err)
	}
	type upd struct {
		id   int64
		body string
	}
	var ups []upd
	for rows.Next() {
		var u upd
		if err := rows.Scan(&u.id, &u.body); err != nil {
			rows.Close()
			return fmt.Errorf("read notes: %w", err)
		}
		if b := replaceFold(u.body, email, "[raderad/erased]"); b != u.body {
			ups = append(ups, upd{u.id, b})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range ups {
		if _, err := tx.exec(ctx, `UPDATE conversation_notes SET body = ? WHERE id = ?`, u.body, u.id); err != nil {
			return fmt.Errorf("scrub note: %w", err)
		}
	}
	return nil
}

// replaceFold replaces every case-insensitive (ASCII and simple Unicode
// folding) occurrence of old in s by repl.
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || !strings.Contains(ls, lo) {
		if len(ls) != len(s) {
			return strings.ReplaceAll(s, old, repl) // lengths differ: exact case only
		}
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(lo):], ls[i+len(lo):]
	}
}

// ConversationChannel returns the channel of a workspace conversation of
// the organisation (for the permission check before a change); ENOTFOUND
// when there is none.
func (db *DB) ConversationChannel(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) (int64, error) {
	table, err := workspaceTable(st)
	if err != nil {
		return 0, err
	}
	var ch int64
	err = db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT channel_id FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&ch)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("conversation", id)
	}
	return ch, err
}
