package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// subjectPerson returns the person a subject belongs to (nil when none) and
// ENOTFOUND when the subject is not the organisation's.
func (tx *Tx) subjectPerson(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) (*int64, error) {
	var q string
	switch st {
	case gallra.SubjectPerson:
		q = `SELECT id FROM persons WHERE id = ? AND org_id = ?`
	case gallra.SubjectForumTopic:
		q = `SELECT person_id FROM forum_topics WHERE id = ? AND org_id = ?`
	case gallra.SubjectChatConversation:
		q = `SELECT person_id FROM chat_conversations WHERE id = ? AND org_id = ?`
	case gallra.SubjectMailConversation:
		// The customer who opened the conversation.
		q = `SELECT (SELECT person_id FROM mail_messages WHERE conversation_id = c.id AND direction = 'in' ORDER BY created_at, id LIMIT 1)
			FROM mail_conversations c WHERE c.id = ? AND c.org_id = ?`
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "subject_type must be person, forum_topic, mail_conversation or chat_conversation")
	}
	var p sql.NullInt64
	if err := tx.queryRow(ctx, q, id, orgID).Scan(&p); errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(string(st), id)
	} else if err != nil {
		return nil, err
	}
	return fromNullID(p), nil
}

// SetCustomField sets (or with an empty value, removes) a custom field on a
// person or conversation. The field is linked to the subject's person so that
// takeout and erasure find it. Audited with the key only (values are personal
// data). Key and value are validated by the caller (the custom-field
// service).
func (db *DB) SetCustomField(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, subjectID int64, key, value string) error {
	return db.Update(ctx, func(tx *Tx) error {
		person, err := tx.subjectPerson(ctx, orgID, st, subjectID)
		if err != nil {
			return err
		}
		if value == "" {
			_, err = tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id = ? AND key = ?`, orgID, string(st), subjectID, key)
		} else {
			_, err = tx.exec(ctx, `INSERT INTO custom_fields (org_id, subject_type, subject_id, person_id, key, value) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, subject_type, subject_id, key) DO UPDATE SET value = excluded.value, person_id = excluded.person_id`,
				orgID, string(st), subjectID, idArg(person), key, value)
		}
		if err != nil {
			return fmt.Errorf("set custom field: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "custom_field.set", string(st), subjectID, map[string]any{"key": key, "removed": value == ""})
	})
}

// ListCustomFields returns the custom fields of one subject.
func (db *DB) ListCustomFields(ctx context.Context, orgID int64, st gallra.SubjectType, subjectID int64) ([]gallra.CustomField, error) {
	out := []gallra.CustomField{}
	err := db.View(ctx, func(tx *Tx) error {
		if _, err := tx.subjectPerson(ctx, orgID, st, subjectID); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT `+customFieldCols+` FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id = ? ORDER BY key`, orgID, string(st), subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanCustomField(rows)
			if err != nil {
				return err
			}
			out = append(out, *f)
		}
		return rows.Err()
	})
	return out, err
}

const customFieldCols = `id, subject_type, subject_id, person_id, key, value`

func scanCustomField(sc interface{ Scan(...any) error }) (*gallra.CustomField, error) {
	var f gallra.CustomField
	var stype string
	var p sql.NullInt64
	if err := sc.Scan(&f.ID, &stype, &f.SubjectID, &p, &f.Key, &f.Value); err != nil {
		return nil, err
	}
	f.SubjectType, f.PersonID = gallra.SubjectType(stype), fromNullID(p)
	return &f, nil
}

// SearchChannel finds content in one channel whose text contains q
// (case-insensitive for ASCII letters on SQLite, all letters on PostgreSQL),
// newest first, at most limit hits.
func (db *DB) SearchChannel(ctx context.Context, orgID, channelID int64, q string, limit int) ([]gallra.SearchHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		// Defensive: an empty pattern would match everything.
		return []gallra.SearchHit{}, nil
	}
	limit = clampLimit(limit, 50, 200)
	pattern := "%" + escapeLike(strings.ToLower(q)) + "%"
	out := []gallra.SearchHit{}
	err := db.View(ctx, func(tx *Tx) error {
		c, err := tx.getChannel(ctx, orgID, channelID)
		if err != nil {
			return err
		}
		var sqlq string
		switch c.Module {
		case gallra.ModuleForum:
			sqlq = `SELECT 'forum_post', id, topic_id, body, created_at FROM forum_posts WHERE channel_id = ? AND removed = 0 AND LOWER(body) LIKE ? ESCAPE '\'`
		case gallra.ModuleMail:
			sqlq = `SELECT 'mail_message', id, conversation_id, body, created_at FROM mail_messages WHERE channel_id = ? AND (LOWER(body) LIKE ? ESCAPE '\' OR LOWER(subject) LIKE ? ESCAPE '\')`
		case gallra.ModuleChat:
			sqlq = `SELECT 'chat_message', m.id, m.conversation_id, m.body, m.created_at FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id WHERE c.channel_id = ? AND LOWER(m.body) LIKE ? ESCAPE '\'`
		case gallra.ModuleSocial:
			sqlq = `SELECT 'social_item', id, 0, body, created_at FROM social_items WHERE channel_id = ? AND LOWER(body) LIKE ? ESCAPE '\'`
		case gallra.ModuleKnowledge:
			sqlq = `SELECT 'knowledge_article', id, 0, body, created_at FROM knowledge_articles WHERE channel_id = ? AND (LOWER(body) LIKE ? ESCAPE '\' OR LOWER(title) LIKE ? ESCAPE '\')`
		}
		args := []any{channelID, pattern}
		if strings.Count(sqlq, "LIKE") == 2 {
			args = append(args, pattern)
		}
		rows, err := tx.query(ctx, sqlq+` ORDER BY 5 DESC LIMIT ?`, append(args, limit)...)
		if err != nil {
			return fmt.Errorf("search channel: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h gallra.SearchHit
			if err := rows.Scan(&h.Type, &h.ID, &h.ParentID, &h.Snippet, &h.CreatedAt); err != nil {
				return err
			}
			h.Snippet = snippet(h.Snippet, q)
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}

// snippet returns up to ~160 characters of text around the first match.
func snippet(text, q string) string {
	r := []rune(text)
	i := strings.Index(strings.ToLower(text), strings.ToLower(q))
	start := 0
	if i > 0 {
		start = len([]rune(text[:i])) - 60
		if start < 0 {
			start = 0
		}
	}
	end := start + 160
	if end > len(r) {
		end = len(r)
	}
	s := string(r[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}
