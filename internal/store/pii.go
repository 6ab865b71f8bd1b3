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
// IBAN, …) in a text. internal/pii provides one; the store only records the
// kinds, never the matches.
type Scanner interface {
	SensitiveKinds(text string) []string
}

// flagSensitive adds the kinds of sensitive identifiers found in text to the
// topic's or conversation's sensitive_kinds (table is one of forum_topics,
// mail_conversations, chat_conversations).
func (tx *Tx) flagSensitive(ctx context.Context, table string, id int64, text string) error {
	if tx.db.scanner == nil || text == "" {
		return nil
	}
	kinds := tx.db.scanner.SensitiveKinds(text)
	if len(kinds) == 0 {
		return nil
	}
	var cur string
	if err := tx.QueryRow(ctx, `SELECT sensitive_kinds FROM `+table+` WHERE id = ?`, id).Scan(&cur); err != nil {
		return fmt.Errorf("read sensitive kinds: %w", err)
	}
	merged := mergeKinds(cur, kinds)
	if merged == cur {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE `+table+` SET sensitive_kinds = ? WHERE id = ?`, merged, id)
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
		return tx.QueryRow(ctx, `SELECT sensitive_kinds FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).Scan(&cur)
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

// PIIPatterns returns the organisation's detector patterns, by name.
func (db *DB) PIIPatterns(ctx context.Context, orgID int64) ([]PIIPattern, error) {
	out := []PIIPattern{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, pattern FROM pii_patterns WHERE org_id = ? ORDER BY name`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p PIIPattern
			if err := rows.Scan(&p.Name, &p.Pattern); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list pii patterns: %w", err)
	}
	return out, nil
}

// SetPIIPatterns replaces the organisation's detector patterns (the caller
// has checked that they compile); audited with the pattern names.
func (db *DB) SetPIIPatterns(ctx context.Context, actor gallra.Actor, orgID int64, ps []PIIPattern) error {
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM pii_patterns WHERE org_id = ?`, orgID); err != nil {
			return err
		}
		for _, p := range ps {
			if _, err := tx.Exec(ctx, `INSERT INTO pii_patterns (org_id, name, pattern, created_at) VALUES (?, ?, ?, ?)`, orgID, p.Name, p.Pattern, ms(tx.Now)); err != nil {
				if gallra.ErrorCode(convertError(err)) == gallra.ECONFLICT {
					return gallra.Errorf(gallra.EINVALID, "pattern names must be unique")
				}
				return err
			}
		}
		return tx.Audit(ctx, orgID, actor, "pii.patterns_set", "organisation", orgID, map[string]any{"names": names})
	})
}
