package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gallra/gallra"
)

// Scanner names the kinds of sensitive identifiers (personnummer, card,
// IBAN, …) in a text, given the patterns of the organisation the text
// belongs to (retention.Redactors provides one, with the organisation's
// patterns counting as kind "custom"). The store only records the kinds,
// never the matches.
type Scanner interface {
	SensitiveKinds(text string, own []gallra.PIIPattern) []string
}

// flagSensitive adds the kinds of sensitive identifiers found in text to the
// topic's or conversation's sensitive_kinds (table is one of forum_topics,
// mail_conversations, chat_conversations). The organisation's own patterns
// are read in tx, in one query with the kinds already recorded, so a change
// of patterns applies to the next write.
func (tx *Tx) flagSensitive(ctx context.Context, table string, id int64, text string) error {
	if tx.db.scanner == nil || text == "" {
		return nil
	}
	cur, own, err := tx.sensitiveState(ctx, table, id)
	if err != nil {
		return err
	}
	kinds := tx.db.scanner.SensitiveKinds(text, own)
	if len(kinds) == 0 {
		return nil
	}
	merged := mergeKinds(cur, kinds)
	if merged == cur {
		return nil
	}
	_, err = tx.exec(ctx, `UPDATE `+table+` SET sensitive_kinds = ? WHERE id = ?`, merged, id)
	return err
}

func mergeKinds(cur string, add []string) string {
	set := map[string]bool{}
	for _, k := range strings.Split(cur, ",") {
		if k != "" {
			set[k] = true
		}
	}
	for _, k := range add {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// SensitiveKinds returns the recorded kinds of sensitive identifiers of a
// forum topic, mail conversation or chat conversation of the organisation.
func (db *DB) SensitiveKinds(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) ([]string, error) {
	table := map[gallra.SubjectType]string{gallra.SubjectForumTopic: "forum_topics", gallra.SubjectMailConversation: "mail_conversations", gallra.SubjectChatConversation: "chat_conversations"}[st]
	if table == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "subject_type must be forum_topic, mail_conversation or chat_conversation")
	}
	var cur string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT sensitive_kinds FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&cur)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(string(st), id)
	} else if err != nil {
		return nil, err
	}
	return splitKinds(cur), nil
}

func splitKinds(s string) []string {
	out := []string{}
	for _, k := range strings.Split(s, ",") {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// PIIPatterns returns the organisation's detector patterns, by name. It is
// one query on the (org_id, name) index: orgpii.Redactors reads it for
// every purged channel, erasure and /api/v1/pii call, so that a change made
// by any process sharing the database applies at once.
func (db *DB) PIIPatterns(ctx context.Context, orgID int64) ([]gallra.PIIPattern, error) {
	var out []gallra.PIIPattern
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.piiPatterns(ctx, `SELECT name, pattern FROM pii_patterns WHERE org_id = ? ORDER BY name`, orgID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list pii patterns: %w", err)
	}
	return out, nil
}

// piiPatterns reads the patterns q selects (name, pattern); never nil.
func (tx *Tx) piiPatterns(ctx context.Context, q string, args ...any) ([]gallra.PIIPattern, error) {
	out := []gallra.PIIPattern{}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p gallra.PIIPattern
		if err := rows.Scan(&p.Name, &p.Pattern); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPIIPatterns replaces the organisation's detector patterns (the caller
// has checked that they compile); audited with the pattern names.
func (db *DB) SetPIIPatterns(ctx context.Context, actor gallra.Actor, orgID int64, ps []gallra.PIIPattern) error {
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM pii_patterns WHERE org_id = ?`, orgID); err != nil {
			return err
		}
		for _, p := range ps {
			if _, err := tx.exec(ctx, `INSERT INTO pii_patterns (org_id, name, pattern, created_at) VALUES (?, ?, ?, ?)`, orgID, p.Name, p.Pattern, ms(tx.Now)); err != nil {
				if gallra.ErrorCode(convertError(err)) == gallra.ECONFLICT {
					return gallra.Errorf(gallra.EINVALID, "pattern names must be unique")
				}
				return err
			}
		}
		return tx.Audit(ctx, orgID, actor, "pii.patterns_set", "organisation", orgID, map[string]any{"names": names})
	})
}

// sensitiveState reads, in one query, the kinds already recorded on a row
// of table (forum_topics, mail_conversations, chat_conversations) and its
// organisation's own detector patterns.
func (tx *Tx) sensitiveState(ctx context.Context, table string, id int64) (string, []gallra.PIIPattern, error) {
	rows, err := tx.query(ctx, `SELECT t.sensitive_kinds, p.name, p.pattern FROM `+table+` t
		LEFT JOIN pii_patterns p ON p.org_id = t.org_id WHERE t.id = ? ORDER BY p.name`, id)
	if err != nil {
		return "", nil, fmt.Errorf("read sensitive kinds and pii patterns: %w", err)
	}
	defer rows.Close()
	var cur string
	own := []gallra.PIIPattern{}
	for rows.Next() {
		var name, pattern sql.NullString
		if err := rows.Scan(&cur, &name, &pattern); err != nil {
			return "", nil, fmt.Errorf("read sensitive kinds and pii patterns: %w", err)
		}
		if name.Valid {
			own = append(own, gallra.PIIPattern{Name: name.String, Pattern: pattern.String})
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("read sensitive kinds and pii patterns: %w", err)
	}
	return cur, own, nil
}
