package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

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
			err = tx.underCap(ctx, "custom fields per subject", gallra.MaxCustomFields, `SELECT COUNT(*) FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id = ? AND key <> ?`,
				orgID, string(st), subjectID, key)
			if err != nil {
				return err
			}
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

// Search snippets show snippetRunes runes of a hit's text, starting
// snippetBefore runes before the first match.
const (
	snippetRunes  = 160
	snippetBefore = 60
)

// snippet returns about snippetRunes runes of text around the first
// case-insensitive match of q (the whole match even when it is longer),
// with "…" where text was cut; the start of text when q is not found. It
// cuts the original text on rune boundaries, so it never panics and keeps
// valid UTF-8 valid, whatever the lower-cased text's length.
func snippet(text, q string) string {
	start, end := snippetSpan(text, q)
	s := text[start:end]
	if start > 0 {
		s = "…" + s
	}
	if end < len(text) {
		s += "…"
	}
	return s
}

// snippetSpan returns the byte offsets in text of the snippet for q.
func snippetSpan(text, q string) (start, end int) {
	ms, me := indexFold(text, q)
	if ms > 0 {
		start = ms
		for n := 0; n < snippetBefore && start > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
	}
	end = start
	for n := 0; n < snippetRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	return start, max(end, me)
}

// indexFold returns the byte offsets in text of the first match of q in
// the lower-cased text, or -1, -1. The lower-case form of a rune may have
// another UTF-8 length than the rune (Ⱥ, İ, the Kelvin sign), so offsets in
// strings.ToLower(text) are not offsets in text: the match is found in the
// folded text, then mapped back by folding text again rune by rune.
func indexFold(text, q string) (start, end int) {
	lq := appendFold(nil, q)
	if len(lq) == 0 {
		return -1, -1
	}
	i := bytes.Index(appendFold(make([]byte, 0, len(text)), text), lq)
	if i < 0 {
		return -1, -1
	}
	var buf [utf8.UTFMax]byte
	for o, f := 0, 0; ; {
		if f <= i {
			start = o // the last rune starting at or before the match
		}
		if f >= i+len(lq) || o == len(text) {
			return start, o // the first rune boundary after it
		}
		r, size := utf8.DecodeRuneInString(text[o:])
		f += len(appendFoldRune(buf[:0], r, size, text[o]))
		o += size
	}
}

// appendFold appends s lower-cased rune by rune (as strings.ToLower does
// for valid UTF-8) to b; bytes that are not valid UTF-8 are kept as they are.
func appendFold(b []byte, s string) []byte {
	for o := 0; o < len(s); {
		r, size := utf8.DecodeRuneInString(s[o:])
		b = appendFoldRune(b, r, size, s[o])
		o += size
	}
	return b
}

// appendFoldRune appends the lower-case form of r, decoded from size bytes
// starting with first, to b.
func appendFoldRune(b []byte, r rune, size int, first byte) []byte {
	if r == utf8.RuneError && size == 1 {
		return append(b, first)
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}
