package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// UpsertSocialItem mirrors an item into a social channel: inserted when new,
// its body updated when the platform reports an edit. Idempotent on
// (channel, external id). The input is validated by the caller (the social
// service).
func (db *DB) UpsertSocialItem(ctx context.Context, orgID, channelID int64, in gallra.SocialInput) (*gallra.SocialItem, error) {
	var item *gallra.SocialItem
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleSocial); err != nil {
			return err
		}
		var dead int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM social_tombstones WHERE channel_id = ? AND external_id = ?`, channelID, in.ExternalID).Scan(&dead); err != nil {
			return err
		}
		if dead > 0 {
			return gallra.Errorf(gallra.ECONFLICT, "external_id names an item that was deleted; a deleted item is not mirrored again")
		}
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM social_items WHERE channel_id = ? AND external_id = ?`, channelID, in.ExternalID).Scan(&id)
		if err == nil {
			if _, err := tx.exec(ctx, `UPDATE social_items SET body = ?, external_author_name = ? WHERE id = ?`, in.Body, in.AuthorName, id); err != nil {
				return err
			}
			if err := tx.reindexText(ctx, orgID, EntitySocialItem, id, channelID, 0, in.Body); err != nil {
				return err
			}
			item, err = tx.getSocial(ctx, orgID, id)
			return err
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var parent *int64
		kind := gallra.PostKindPost
		if in.ParentExternalID != "" {
			var pid int64
			err := tx.queryRow(ctx, `SELECT id FROM social_items WHERE channel_id = ? AND external_id = ?`, channelID, in.ParentExternalID).Scan(&pid)
			if errors.Is(err, sql.ErrNoRows) {
				return gallra.Errorf(gallra.EINVALID, "parent_external_id is not a known item of this channel")
			} else if err != nil {
				return err
			}
			parent, kind = &pid, gallra.PostKindComment
		}
		var person *int64
		if in.AuthorEmail != "" {
			p, err := tx.UpsertPerson(ctx, orgID, in.AuthorEmail, in.AuthorName)
			if err != nil {
				return err
			}
			person = &p
		}
		created := in.CreatedAt
		if created.IsZero() {
			created = tx.Now
		}
		id, err = tx.insert(ctx, `INSERT INTO social_items (org_id, channel_id, external_id, parent_id, kind, person_id, external_author_id, external_author_name, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, channelID, in.ExternalID, idArg(parent), string(kind), idArg(person), in.AuthorID, in.AuthorName, in.Body, ms(created))
		if err != nil {
			return fmt.Errorf("insert social item: %w", err)
		}
		if err := tx.indexText(ctx, orgID, EntitySocialItem, id, channelID, 0, nil, in.Body); err != nil {
			return err
		}
		item, err = tx.getSocial(ctx, orgID, id)
		return err
	})
	return item, err
}

const socialCols = `id, org_id, channel_id, external_id, parent_id, kind, person_id, external_author_id, external_author_name, body, created_at,
	source, staff_id, reply_status, reply_error`

func scanSocial(sc interface{ Scan(...any) error }) (*gallra.SocialItem, error) {
	var s gallra.SocialItem
	var parent, person, staff sql.NullInt64
	var kind, source string
	var created int64
	if err := sc.Scan(&s.ID, &s.OrgID, &s.ChannelID, &s.ExternalID, &parent, &kind, &person, &s.ExternalAuthorID, &s.ExternalAuthorName, &s.Body, &created,
		&source, &staff, &s.ReplyStatus, &s.ReplyError); err != nil {
		return nil, err
	}
	s.Source, s.StaffID = gallra.SocialSource(source), fromNullID(staff)
	s.ParentID, s.Kind, s.PersonID, s.CreatedAt = fromNullID(parent), gallra.PostKind(kind), fromNullID(person), fromMS(created)
	return &s, nil
}

func (tx *Tx) getSocial(ctx context.Context, orgID, id int64) (*gallra.SocialItem, error) {
	s, err := scanSocial(tx.queryRow(ctx, `SELECT `+socialCols+` FROM social_items WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("social item", id)
	}
	return s, err
}

// ListSocialItems returns a page of a social channel's mirrored items.
func (db *DB) ListSocialItems(ctx context.Context, orgID, channelID int64, p gallra.Page) ([]gallra.SocialItem, error) {
	out := []gallra.SocialItem{}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleSocial); err != nil {
			return err
		}
		q, args := pageQuery(`SELECT `+socialCols+` FROM social_items WHERE org_id = ? AND channel_id = ?`, []any{orgID, channelID}, p)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSocial(rows)
			if err != nil {
				return err
			}
			out = append(out, *s)
		}
		return rows.Err()
	})
	return out, err
}

// RemoveSocialMirror deletes items that disappeared on the platform: one item
// (and its comments) by external id, or — with byAuthor — everything of an
// external author who deleted their account. Returns how many rows went.
// Audited with counts only.
func (db *DB) RemoveSocialMirror(ctx context.Context, actor gallra.Actor, orgID, channelID int64, externalID string, byAuthor bool) (int64, error) {
	var total int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleSocial); err != nil {
			return err
		}
		col := "external_id"
		if byAuthor {
			col = "external_author_id"
		}
		rows, err := tx.query(ctx, `SELECT id, person_id FROM social_items WHERE channel_id = ? AND `+col+` = ?`, channelID, externalID)
		if err != nil {
			return err
		}
		var ids []int64
		persons := map[int64]bool{}
		for rows.Next() {
			var id int64
			var p sql.NullInt64
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			if p.Valid {
				persons[p.Int64] = true
			}
		}
		rows.Close()
		if len(ids) == 0 {
			return gallra.Errorf(gallra.ENOTFOUND, "no mirrored item matches")
		}
		var repliers []int64
		for _, id := range ids {
			// Replies to a removed item go with it, at any depth (they cannot
			// be shown without it), deepest first.
			tree, err := tx.SocialTree(ctx, orgID, id)
			if err != nil {
				return err
			}
			for _, it := range tree {
				if it.PersonID != 0 && !persons[it.PersonID] {
					repliers = append(repliers, it.PersonID)
				}
			}
			n, err := tx.DeleteSocialTree(ctx, orgID, tree)
			if err != nil {
				return err
			}
			total += n
		}
		for p := range persons {
			if _, err := tx.DeletePersonIfUnused(ctx, orgID, p); err != nil {
				return err
			}
		}
		// Authors of the replies keep their person record (and its custom
		// fields) unless nothing at all refers to them any more.
		if _, err := tx.DeletePersonsWithoutData(ctx, orgID, repliers); err != nil {
			return err
		}
		action := "social.item_removed_on_platform"
		if byAuthor {
			action = "social.author_removed_on_platform"
		}
		return tx.Audit(ctx, orgID, actor, action, "channel", channelID, map[string]any{"deleted": total})
	})
	return total, err
}
