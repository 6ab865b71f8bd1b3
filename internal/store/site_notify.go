package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AnswerNotifyTarget returns the opening post of topicID in orgID and the
// address its asker gave, when the asker should be told of an answer: the
// asker opted in, the post is visible, not anonymized or removed, has an
// address and has not been unsubscribed. ok is false otherwise (or when there is no such topic).
func (db *DB) AnswerNotifyTarget(ctx context.Context, orgID, topicID int64) (postID int64, email string, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		e := tx.queryRow(ctx, `SELECT id, author_email FROM forum_posts
			WHERE org_id = ? AND topic_id = ? AND parent_id IS NULL AND staff_id IS NULL
			ORDER BY created_at, id LIMIT 1`, orgID, topicID).Scan(&postID, &email)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		} else if e != nil {
			return fmt.Errorf("find asker of topic %d: %w", topicID, e)
		}
		var n int
		e = tx.queryRow(ctx, `SELECT COUNT(*) FROM forum_posts WHERE id = ? AND author_email <> '' AND anonymized_at IS NULL AND removed = 0
			AND status = 'visible' AND notify_off_at IS NULL AND notify_opt_in = 1`, postID).Scan(&n)
		if e != nil {
			return fmt.Errorf("check asker of topic %d: %w", topicID, e)
		}
		ok = n == 1
		return nil
	})
	if !ok {
		return 0, "", false, err
	}
	return postID, email, true, nil
}

// UnsubscribePost turns off answer notifications for post postID of
// orgID. Idempotent; a post that no longer exists (purged or erased) is
// not an error — nothing is sent for it anyway. It reports whether the
// post exists.
func (db *DB) UnsubscribePost(ctx context.Context, orgID, postID int64) (bool, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		n, err = countChanged(tx.exec(ctx, `UPDATE forum_posts SET notify_off_at = COALESCE(notify_off_at, ?) WHERE id = ? AND org_id = ?`, ms(tx.Now), postID, orgID))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("unsubscribe post %d: %w", postID, err)
	}
	return n == 1, nil
}
