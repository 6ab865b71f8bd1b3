package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SocialTreeItem is one item of a social reply tree.
type SocialTreeItem struct {
	ID, ChannelID int64
	ExternalID    string
	PersonID      int64 // 0: no person
	Depth         int   // 0 for the root
}

// maxSocialDepth bounds the reply-tree walk (a guard against a corrupt
// parent chain; platforms nest a few levels at most).
const maxSocialDepth = 1000

// SocialTree returns the item rootID of the organisation with every reply
// under it, at any depth (a recursive CTE, the same on SQLite and
// PostgreSQL), deepest first. Empty when the item does not exist. The
// CROSS JOINs keep SQLite's join order (the tree outside, one primary-key or
// parent-index lookup per tree row): with a plain JOIN its planner scanned
// social_items by the parent index for the final join, once per erased
// item (issue 17: erase grew 6.5× for 10× rows). PostgreSQL plans them as
// inner joins.
func (tx *Tx) SocialTree(ctx context.Context, orgID, rootID int64) ([]SocialTreeItem, error) {
	rows, err := tx.query(ctx, `WITH RECURSIVE tree(id, depth) AS (
			SELECT id, 0 FROM social_items WHERE id = ? AND org_id = ?
			UNION ALL
			SELECT s.id, t.depth + 1 FROM tree t CROSS JOIN social_items s WHERE s.parent_id = t.id AND t.depth < ?
		)
		SELECT s.id, s.channel_id, s.external_id, s.person_id, t.depth FROM tree t CROSS JOIN social_items s WHERE s.id = t.id
		ORDER BY t.depth DESC, s.id`, rootID, orgID, maxSocialDepth)
	if err != nil {
		return nil, fmt.Errorf("read social reply tree: %w", err)
	}
	defer rows.Close()
	var out []SocialTreeItem
	for rows.Next() {
		var it SocialTreeItem
		var person sql.NullInt64
		if err := rows.Scan(&it.ID, &it.ChannelID, &it.ExternalID, &person, &it.Depth); err != nil {
			return nil, err
		}
		it.PersonID = person.Int64
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read social reply tree: %w", err)
	}
	return out, nil
}

// DeleteSocialTree deletes the items of a tree as SocialTree returned it,
// leaving a tombstone of each, deepest first (a reply goes before what it replies to, so no foreign key
// is ever violated), and returns how many rows went.
func (tx *Tx) DeleteSocialTree(ctx context.Context, orgID int64, tree []SocialTreeItem) (int64, error) {
	var total int64
	for i := 0; i < len(tree); {
		// One statement per depth level (in chunks), deepest first.
		j := i
		for j < len(tree) && tree[j].Depth == tree[i].Depth && j-i < 500 {
			j++
		}
		args := make([]any, 0, j-i+1)
		for _, it := range tree[i:j] {
			args = append(args, it.ID)
		}
		// Each item leaves a content-free tombstone (channel, platform id)
		// so that a late event or a re-sync cannot bring it back.
		if _, err := tx.exec(ctx, `INSERT INTO social_tombstones (org_id, channel_id, external_id, created_at)
			SELECT org_id, channel_id, external_id, ? FROM social_items WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", j-i), ", ")+`) AND org_id = ?
			ON CONFLICT (channel_id, external_id) DO NOTHING`, append(append([]any{ms(tx.Now)}, args...), orgID)...); err != nil {
			return total, fmt.Errorf("tombstone social items: %w", err)
		}
		res, err := tx.exec(ctx, `DELETE FROM social_items WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", j-i), ", ")+`) AND org_id = ?`,
			append(args, orgID)...)
		if err != nil {
			return total, fmt.Errorf("delete social reply tree: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		i = j
	}
	return total, nil
}

// DeletePersonsWithoutData deletes those of the persons (of the
// organisation) that nothing refers to: no content, no participation and no
// custom field at all — unlike DeleteUnusedPersons, a person with custom
// fields of their own (CRM data kept on the person) stays. It returns how
// many it deleted. Used when an erasure removed other people's replies: it
// must not remove more of those people's data than the replies.
func (tx *Tx) DeletePersonsWithoutData(ctx context.Context, orgID int64, ids []int64) (int64, error) {
	var n int64
	for _, id := range ids {
		var used int
		if err := tx.queryRow(ctx, `SELECT CASE WHEN
			EXISTS (SELECT 1 FROM forum_posts WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM forum_topics WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM mail_messages WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM mail_participants WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM chat_conversations WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM social_items WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM custom_fields WHERE person_id = ?)
			OR EXISTS (SELECT 1 FROM custom_fields WHERE subject_type = 'person' AND subject_id = ?)
			THEN 1 ELSE 0 END`, id, id, id, id, id, id, id, id).Scan(&used); err != nil {
			return n, fmt.Errorf("check person use: %w", err)
		}
		if used == 1 {
			continue
		}
		res, err := tx.exec(ctx, `DELETE FROM persons WHERE id = ? AND org_id = ?`, id, orgID)
		if err != nil {
			return n, fmt.Errorf("delete person: %w", err)
		}
		d, _ := res.RowsAffected()
		n += d
	}
	return n, nil
}
