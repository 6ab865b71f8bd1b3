package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/pii"
)

// The identifier index (migration 00020): for every e-mail address, phone
// number and personnummer found in the text of a forum post, mail message,
// chat message, social item or knowledge article, one row holding the
// identifier's keyed hash (HMAC-SHA256 with the organisation's secret key,
// over pii.IdentifierKey of the normalised value; never the value) and the
// row it occurs in. Rows are indexed in the transaction that writes their
// text; triggers drop a row's entries in the transaction that deletes the
// row or changes its text, whatever the path (purge, erasure, removal,
// anonymization, redaction, edits, organisation deletion). Rows written
// before the index existed are indexed by BackfillIdentifiers.

// Entities of the identifier index (IdentifierRef.Entity); the first four
// are also gallra.Mention types.
const (
	EntityForumPost        = "forum_post"
	EntityMailMessage      = "mail_message"
	EntityChatMessage      = "chat_message"
	EntitySocialItem       = "social_item"
	EntityKnowledgeArticle = "knowledge_article"
)

// IdentifierRef is one row whose text holds an identifier.
type IdentifierRef struct {
	Entity    string // EntityForumPost, …
	ID        int64  // the row's id
	ChannelID int64
	// ParentID is the forum topic, mail or chat conversation of the row;
	// 0 for social items and knowledge articles.
	ParentID int64
	Kind     string // pii.IdentEmail, pii.IdentPhone or pii.IdentPersonnummer
}

// IdentifierHash returns the keyed hash under which the index holds the
// normalised identifier (pii.NormalizeIdentifier) of kind, with the
// organisation's key (Tx.OrgAuditKey). For an e-mail address it equals the
// EmailHash a data-subject request records.
func IdentifierHash(key []byte, kind, normalised string) string {
	return audit.KeyedHash(key, pii.IdentifierKey(kind, normalised))
}

// indexText records the identifiers found in text as occurring in the row
// (entity, rowID) of channelID and parentID. channel, when not nil, is
// called for the channel id only when text holds an identifier.
func (tx *Tx) indexText(ctx context.Context, orgID int64, entity string, rowID, channelID, parentID int64, channel func() (int64, error), text string) error {
	if text == "" {
		return nil
	}
	ids := tx.db.idents.Identifiers(text, tx.Now)
	if len(ids) == 0 {
		return nil
	}
	key, err := tx.OrgAuditKey(ctx, orgID)
	if err != nil {
		return fmt.Errorf("index identifiers of %s %d: %w", entity, rowID, err)
	}
	if channel != nil {
		if channelID, err = channel(); err != nil {
			return fmt.Errorf("index identifiers of %s %d: %w", entity, rowID, err)
		}
	}
	for _, id := range ids {
		if _, err := tx.exec(ctx, `INSERT INTO identifiers (org_id, kind, hash, entity, row_id, channel_id, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			orgID, id.Kind, IdentifierHash(key, id.Kind, id.Value), entity, rowID, channelID, parentID); err != nil {
			return fmt.Errorf("index identifiers of %s %d: %w", entity, rowID, err)
		}
	}
	return nil
}

// reindexText replaces the row's entries with those of its new text (the
// triggers drop them when the text changed; this also covers an unchanged
// text written again).
func (tx *Tx) reindexText(ctx context.Context, orgID int64, entity string, rowID, channelID, parentID int64, text string) error {
	if _, err := tx.exec(ctx, `DELETE FROM identifiers WHERE entity = ? AND row_id = ?`, entity, rowID); err != nil {
		return fmt.Errorf("index identifiers of %s %d: %w", entity, rowID, err)
	}
	return tx.indexText(ctx, orgID, entity, rowID, channelID, parentID, nil, text)
}

// IdentifierIndexComplete reports whether every row written before the
// index existed has been indexed (BackfillIdentifiers is done): only then
// does a lookup find every mention.
func (tx *Tx) IdentifierIndexComplete(ctx context.Context) (bool, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM identifier_backfill WHERE done_id < max_id`).Scan(&n); err != nil {
		return false, fmt.Errorf("read identifier backfill state: %w", err)
	}
	return n == 0, nil
}

// IdentifierQuery selects rows of an organisation holding identifiers.
type IdentifierQuery struct {
	OrgID int64
	// Hashes by kind (pii.IdentEmail, …): IdentifierHash of each value.
	Hashes map[string][]string
	// Entities limits the rows to these entities; none: every entity.
	Entities []string
	// ChannelIDs limits the rows to these channels; nil: every channel.
	ChannelIDs []int64
	// ExcludePerson skips the person's own rows: forum posts and social
	// items they wrote, chat conversations they had and mail conversations
	// they take part in (as the mention search always did); 0 skips none.
	ExcludePerson int64
	// Limit bounds the refs returned (0: 10,000).
	Limit int
}

// LookupIdentifiers returns the rows holding any of the hashes, by entity
// and id, at most q.Limit. Its cost is that of the rows found: one range of
// the (org_id, kind, hash) index per hash.
func (tx *Tx) LookupIdentifiers(ctx context.Context, q IdentifierQuery) ([]IdentifierRef, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 10_000
	}
	var conds []string
	var args []any
	args = append(args, q.OrgID)
	var kh []string
	for kind, hs := range q.Hashes {
		for _, h := range hs {
			kh = append(kh, `(i.kind = ? AND i.hash = ?)`)
			args = append(args, kind, h)
		}
	}
	if len(kh) == 0 {
		return []IdentifierRef{}, nil
	}
	conds = append(conds, "("+strings.Join(kh, " OR ")+")")
	if len(q.Entities) > 0 {
		conds = append(conds, `i.entity IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(q.Entities)), ", ")+`)`)
		for _, e := range q.Entities {
			args = append(args, e)
		}
	}
	if q.ChannelIDs != nil {
		if len(q.ChannelIDs) == 0 {
			return []IdentifierRef{}, nil
		}
		list, cargs := inList(q.ChannelIDs)
		conds = append(conds, `i.channel_id IN (`+list+`)`)
		args = append(args, cargs...)
	}
	if q.ExcludePerson != 0 {
		p := q.ExcludePerson
		conds = append(conds, `NOT (
			(i.entity = 'forum_post' AND EXISTS (SELECT 1 FROM forum_posts b WHERE b.id = i.row_id AND b.person_id = ?))
			OR (i.entity = 'social_item' AND EXISTS (SELECT 1 FROM social_items b WHERE b.id = i.row_id AND b.person_id = ?))
			OR (i.entity = 'chat_message' AND EXISTS (SELECT 1 FROM chat_conversations c WHERE c.id = i.parent_id AND c.person_id = ?))
			OR (i.entity = 'mail_message' AND EXISTS (SELECT 1 FROM mail_participants mp WHERE mp.conversation_id = i.parent_id AND mp.person_id = ?)))`)
		args = append(args, p, p, p, p)
	}
	args = append(args, limit)
	rows, err := tx.query(ctx, `SELECT i.entity, i.row_id, i.channel_id, i.parent_id, i.kind FROM identifiers i
		WHERE i.org_id = ? AND `+strings.Join(conds, " AND ")+` ORDER BY i.entity, i.row_id, i.kind LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up identifiers: %w", err)
	}
	defer rows.Close()
	out := []IdentifierRef{}
	for rows.Next() {
		var r IdentifierRef
		if err := rows.Scan(&r.Entity, &r.ID, &r.ChannelID, &r.ParentID, &r.Kind); err != nil {
			return nil, fmt.Errorf("look up identifiers: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up identifiers: %w", err)
	}
	return out, nil
}

// LookupIdentifier returns the rows of the organisation whose text holds
// the identifier of kind (pii.IdentEmail, pii.IdentPhone,
// pii.IdentPersonnummer), given in any spelling pii.NormalizeIdentifier
// accepts (EINVALID otherwise). complete is false while rows written before
// the index existed are still being indexed (BackfillIdentifiers): the
// answer may then miss some.
func (db *DB) LookupIdentifier(ctx context.Context, orgID int64, kind, value string) (refs []IdentifierRef, complete bool, err error) {
	norm, err := pii.NormalizeIdentifier(kind, value, db.Now())
	if err != nil {
		return nil, false, gallra.Errorf(gallra.EINVALID, "the value is not a valid %s", kind)
	}
	err = db.View(ctx, func(tx *Tx) error {
		key, err := tx.OrgAuditKey(ctx, orgID)
		if err != nil {
			return err
		}
		if complete, err = tx.IdentifierIndexComplete(ctx); err != nil {
			return err
		}
		refs, err = tx.LookupIdentifiers(ctx, IdentifierQuery{OrgID: orgID, Hashes: map[string][]string{kind: {IdentifierHash(key, kind, norm)}}})
		return err
	})
	return refs, complete, err
}

// identifierSources are the queries that read each entity's rows for the
// backfill: id, org, channel, parent, text, from id > ? to id <= ?.
var identifierSources = map[string]string{
	EntityForumPost:        `SELECT id, org_id, channel_id, topic_id, body FROM forum_posts WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
	EntityMailMessage:      `SELECT id, org_id, channel_id, conversation_id, body FROM mail_messages WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
	EntityChatMessage:      `SELECT m.id, m.org_id, c.channel_id, m.conversation_id, m.body FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id WHERE m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?`,
	EntitySocialItem:       `SELECT id, org_id, channel_id, 0, body FROM social_items WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
	EntityKnowledgeArticle: `SELECT id, org_id, channel_id, 0, title || CAST(? AS TEXT) || body FROM knowledge_articles WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
}

// BackfillIdentifiers indexes up to batch rows (per transaction) of those
// written before the index existed, until all are or ctx ends; it returns
// the rows read. Safe to interrupt and to run in several processes at once:
// each batch and the progress it records commit together, and indexing a
// row twice leaves the same entries.
func (db *DB) BackfillIdentifiers(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, more, err := db.backfillBatch(ctx, batch)
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			return total, nil
		}
	}
}

func (db *DB) backfillBatch(ctx context.Context, batch int) (n int, more bool, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		var entity string
		var done, max int64
		var ok bool
		q := `SELECT entity, done_id, max_id FROM identifier_backfill WHERE done_id < max_id ORDER BY entity LIMIT 1`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE` // another process's batch of the entity waits, then reads its progress
		}
		err := tx.queryRow(ctx, q).Scan(&entity, &done, &max)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read identifier backfill state: %w", err)
		}
		more = true
		q, ok = identifierSources[entity]
		if !ok {
			return fmt.Errorf("identifier backfill: unknown entity %q", entity)
		}
		args := []any{done, max, batch}
		if entity == EntityKnowledgeArticle {
			args = append([]any{"\n"}, args...)
		}
		type row struct {
			id, org, channel, parent int64
			text                     string
		}
		var rs []row
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("identifier backfill of %s: %w", entity, err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.org, &r.channel, &r.parent, &r.text); err != nil {
				rows.Close()
				return fmt.Errorf("identifier backfill of %s: %w", entity, err)
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identifier backfill of %s: %w", entity, err)
		}
		next := max
		if len(rs) == batch {
			next = rs[len(rs)-1].id
		}
		// Entries of the range are replaced: one statement drops them, and
		// only rows whose text holds an identifier are written.
		if _, err := tx.exec(ctx, `DELETE FROM identifiers WHERE entity = ? AND row_id > ? AND row_id <= ?`, entity, done, next); err != nil {
			return fmt.Errorf("identifier backfill of %s: %w", entity, err)
		}
		for _, r := range rs {
			if err := tx.indexText(ctx, r.org, entity, r.id, r.channel, r.parent, nil, r.text); err != nil {
				return err
			}
		}
		n = len(rs)
		_, err = tx.exec(ctx, `UPDATE identifier_backfill SET done_id = ? WHERE entity = ?`, next, entity)
		return err
	})
	return n, more, err
}

// RebuildIdentifierIndex marks every row of every indexed table as to be
// indexed again by BackfillIdentifiers (after rows were loaded around the
// write path, as benchmark data is, or to re-hash after a change of
// detector). Until the backfill is done, IdentifierIndexComplete is false
// and the mention search reads the items instead.
func (db *DB) RebuildIdentifierIndex(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		for entity, table := range map[string]string{EntityForumPost: "forum_posts", EntityMailMessage: "mail_messages", EntityChatMessage: "chat_messages",
			EntitySocialItem: "social_items", EntityKnowledgeArticle: "knowledge_articles"} {
			if _, err := tx.exec(ctx, `UPDATE identifier_backfill SET done_id = 0, max_id = (SELECT COALESCE(MAX(id), 0) FROM `+table+`) WHERE entity = ?`, entity); err != nil {
				return fmt.Errorf("rebuild identifier index: %w", err)
			}
		}
		return nil
	})
}

// IdentifierIndexDiff counts the differences between the identifier index
// and the text it indexes.
type IdentifierIndexDiff struct {
	Missing int // identifiers found in a row's text but not indexed for it
	Stale   int // entries whose row is gone or no longer holds the identifier
}

// VerifyIdentifierIndex compares the organisation's identifier index with
// what the detector finds in its rows' text now (every row of every indexed
// table is read: an operator's check and the tests' invariant, never a
// request path). Rows not yet backfilled count as missing.
func (db *DB) VerifyIdentifierIndex(ctx context.Context, orgID int64) (IdentifierIndexDiff, error) {
	var d IdentifierIndexDiff
	err := db.View(ctx, func(tx *Tx) error {
		key, err := tx.OrgAuditKey(ctx, orgID)
		if err != nil {
			return err
		}
		type entry struct {
			entity, kind, hash   string
			row, channel, parent int64
		}
		want := map[entry]bool{}
		for entity, q := range identifierSources {
			args := []any{int64(-1), int64(1) << 62, int64(1) << 62}
			if entity == EntityKnowledgeArticle {
				args = append([]any{"\n"}, args...)
			}
			rows, err := tx.query(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("verify identifier index: %w", err)
			}
			for rows.Next() {
				var id, org, channel, parent int64
				var text string
				if err := rows.Scan(&id, &org, &channel, &parent, &text); err != nil {
					rows.Close()
					return fmt.Errorf("verify identifier index: %w", err)
				}
				if org != orgID {
					continue
				}
				for _, ident := range tx.db.idents.Identifiers(text, tx.Now) {
					want[entry{entity, ident.Kind, IdentifierHash(key, ident.Kind, ident.Value), id, channel, parent}] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("verify identifier index: %w", err)
			}
		}
		rows, err := tx.query(ctx, `SELECT entity, kind, hash, row_id, channel_id, parent_id FROM identifiers WHERE org_id = ?`, orgID)
		if err != nil {
			return fmt.Errorf("verify identifier index: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.entity, &e.kind, &e.hash, &e.row, &e.channel, &e.parent); err != nil {
				return fmt.Errorf("verify identifier index: %w", err)
			}
			if want[e] {
				delete(want, e)
			} else {
				d.Stale++
			}
		}
		d.Missing = len(want)
		return rows.Err()
	})
	return d, err
}
