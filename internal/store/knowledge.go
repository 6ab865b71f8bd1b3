package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// SaveArticle creates (a.ID == 0) or updates a knowledge article, validated
// by the caller (the knowledge service).
func (db *DB) SaveArticle(ctx context.Context, actor gallra.Actor, a *gallra.KnowledgeArticle) (*gallra.KnowledgeArticle, error) {
	out := *a
	err := db.Update(ctx, func(tx *Tx) error {
		if out.ID == 0 {
			if err := tx.requireModule(ctx, out.OrgID, out.ChannelID, gallra.ModuleKnowledge); err != nil {
				return err
			}
			out.CreatedAt, out.UpdatedAt = tx.Now, tx.Now
			id, err := tx.insert(ctx, `INSERT INTO knowledge_articles (org_id, channel_id, staff_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				out.OrgID, out.ChannelID, idArg(out.StaffID), out.Title, out.Body, ms(tx.Now), ms(tx.Now))
			if err != nil {
				return fmt.Errorf("insert article: %w", err)
			}
			out.ID = id
			return tx.indexText(ctx, out.OrgID, EntityKnowledgeArticle, id, out.ChannelID, 0, nil, out.Title+"\n"+out.Body)
		}
		res, err := tx.exec(ctx, `UPDATE knowledge_articles SET title = ?, body = ?, updated_at = ? WHERE id = ? AND org_id = ?`, out.Title, out.Body, ms(tx.Now), out.ID, out.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("article", out.ID)
		}
		got, err := tx.getArticle(ctx, out.OrgID, out.ID)
		if err != nil {
			return err
		}
		out = *got
		return tx.reindexText(ctx, out.OrgID, EntityKnowledgeArticle, out.ID, out.ChannelID, 0, out.Title+"\n"+out.Body)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (tx *Tx) getArticle(ctx context.Context, orgID, id int64) (*gallra.KnowledgeArticle, error) {
	var a gallra.KnowledgeArticle
	var staff sql.NullInt64
	var created, updated int64
	err := tx.queryRow(ctx, `SELECT id, org_id, channel_id, staff_id, title, body, created_at, updated_at FROM knowledge_articles WHERE id = ? AND org_id = ?`, id, orgID).
		Scan(&a.ID, &a.OrgID, &a.ChannelID, &staff, &a.Title, &a.Body, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article", id)
	} else if err != nil {
		return nil, err
	}
	a.StaffID, a.CreatedAt, a.UpdatedAt = fromNullID(staff), fromMS(created), fromMS(updated)
	return &a, nil
}

// GetArticle returns a knowledge article of the organisation.
func (db *DB) GetArticle(ctx context.Context, orgID, id int64) (*gallra.KnowledgeArticle, error) {
	var a *gallra.KnowledgeArticle
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.getArticle(ctx, orgID, id)
		return err
	})
	return a, err
}

// ListArticles returns a page of a knowledge channel's articles.
func (db *DB) ListArticles(ctx context.Context, orgID, channelID int64, p gallra.Page) ([]gallra.KnowledgeArticle, error) {
	out := []gallra.KnowledgeArticle{}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleKnowledge); err != nil {
			return err
		}
		q, args := pageQuery(`SELECT id FROM knowledge_articles WHERE org_id = ? AND channel_id = ?`, []any{orgID, channelID}, p)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			a, err := tx.getArticle(ctx, orgID, id)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		return nil
	})
	return out, err
}

// DeleteArticle removes a knowledge article; audited.
func (db *DB) DeleteArticle(ctx context.Context, actor gallra.Actor, orgID, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM knowledge_articles WHERE id = ? AND org_id = ?`, id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("article", id)
		}
		return tx.Audit(ctx, orgID, actor, "knowledge.article_deleted", "knowledge_article", id, nil)
	})
}
