package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// anonymizeRange anonymizes, on SQLite, the next due forum posts of the
// target after cursor: up to limit due posts in clock order, those whose
// topic is on legal hold skipped and counted. The batch is a range of the
// due index, found by one index-only query; one UPDATE rewrites the rows in
// it, redacting each body as the row is rewritten and keeping each row's
// id, topic and person for the steps that follow (sqlfuncs.go), so no row
// is read into Go. SQLite has one writer: nothing changes the range between
// the statements of the batch, and the hold check, the UPDATE and the
// topics' anonymization see the same rows.
func (tx *Tx) anonymizeRange(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int, redact func(string) string) (PurgeBatch, error) {
	var b PurgeBatch
	// The batch ends at its limit-th due post, or after the last one.
	end := PurgeCursor{At: ms(t.Cutoff) - 1, ID: math.MaxInt64}
	err := tx.QueryRow(ctx, `SELECT created_at, id FROM forum_posts INDEXED BY forum_posts_due_anonymize
		WHERE channel_id = ? AND anonymized_at IS NULL AND removed = 0 AND created_at < ? AND created_at >= ? AND (created_at, id) > (?, ?)
		ORDER BY created_at, id LIMIT 1 OFFSET ?`, t.ChannelID, ms(t.Cutoff), after.At, after.At, after.ID, limit-1).Scan(&end.At, &end.ID)
	switch {
	case err == nil:
		b.More = true
	case !errors.Is(err, sql.ErrNoRows):
		return b, fmt.Errorf("find end of purge batch: %w", err)
	}
	b.Next = end
	if purgeHook != nil {
		purgeHook(tx)
	}
	// The range: (after, end], bounded on created_at for the index (the
	// cutoff is not repeated: end is before it, and a second upper bound
	// could be the one the planner picks).
	rng := `channel_id = ? AND anonymized_at IS NULL AND removed = 0 AND created_at BETWEEN ? AND ? AND (created_at, id) > (?, ?) AND (created_at, id) <= (?, ?)`
	rargs := []any{t.ChannelID, after.At, end.At, after.At, after.ID, end.At, end.ID}
	// Held topics of the organisation (like the preview's join, by the
	// post's topic whatever channel the topic is in); usually none.
	anyHeld, err := tx.anyTopicHeld(ctx, t.OrgID)
	if err != nil {
		return b, err
	}
	unheld := ""
	if anyHeld {
		const held = `topic_id IN (SELECT id FROM forum_topics WHERE org_id = ? AND held_at IS NOT NULL)`
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM forum_posts INDEXED BY forum_posts_due_anonymize WHERE `+rng+` AND `+held,
			append(rargs, t.OrgID)...).Scan(&b.Held); err != nil {
			return b, fmt.Errorf("count held posts: %w", err)
		}
		unheld = ` AND NOT ` + held
	}
	kept := &keeper{cols: 3}
	kk, unbindK := tx.bind(kept)
	defer unbindK()
	rk, unbindR := tx.bind(redact)
	defer unbindR()
	// Name, e-mail and IP are overwritten, not encoded: nothing to reverse.
	// created_at and updated_at stay: anonymizing does not restart any
	// clock. The person link is cut; gallra_keep keeps it for the queue.
	args := append([]any{ms(tx.Now), kk, rk, t.OrgID}, rargs...)
	if anyHeld {
		args = append(args, t.OrgID)
	}
	res, err := tx.Exec(ctx, `UPDATE forum_posts INDEXED BY forum_posts_due_anonymize
		SET author_name = '', author_email = '', author_ip = '', anonymized_at = ?,
			person_id = gallra_keep(?, id, topic_id, person_id), body = COALESCE(gallra_redact(?, body), body)
		WHERE org_id = ? AND `+rng+unheld, args...)
	if err != nil {
		return b, fmt.Errorf("anonymize posts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return b, err
	}
	if int(n) != kept.rows() {
		return b, fmt.Errorf("anonymize posts: %d rows changed, %d kept", n, kept.rows())
	}
	b.Items, b.Anonymized = int(n)+b.Held, n
	if n == 0 {
		return b, nil
	}
	inBatch := make(map[int64]bool, n)
	topics := map[int64]bool{}
	persons := map[int64]bool{}
	for i := range kept.rows() {
		inBatch[kept.at(i, 0)] = true
		topics[kept.at(i, 1)] = true
		if p := kept.at(i, 2); p != 0 {
			persons[p] = true
		}
	}
	if err := tx.anonymizeFirstTopics(ctx, t.OrgID, keys(topics), inBatch, rk, persons); err != nil {
		return b, err
	}
	b.PersonsDeleted, b.Queued, err = tx.dropPersons(ctx, t, keys(persons))
	return b, err
}

// anonymizeFirstTopics anonymizes those of the topics whose first post is in
// the batch (SQLite): the title redacted by the redactor bound to
// redactKey, the person link cut (the person added to persons) and the
// topic's custom fields deleted, as anonymizeTopics does.
func (tx *Tx) anonymizeFirstTopics(ctx context.Context, orgID int64, topicIDs []int64, inBatch map[int64]bool, redactKey int64, persons map[int64]bool) error {
	list, arg := tx.idRows(topicIDs)
	rows, err := tx.Query(ctx, `SELECT t.id, COALESCE((SELECT p.id FROM forum_posts p WHERE p.topic_id = t.id ORDER BY p.created_at, p.id LIMIT 1), 0)
		FROM `+list+` t`, arg)
	if err != nil {
		return fmt.Errorf("load first posts: %w", err)
	}
	var firsts []int64
	for rows.Next() {
		var id, first int64
		if err := rows.Scan(&id, &first); err != nil {
			rows.Close()
			return err
		}
		if inBatch[first] {
			firsts = append(firsts, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load first posts: %w", err)
	}
	if len(firsts) == 0 {
		return nil
	}
	kept := &keeper{cols: 1}
	kk, unbind := tx.bind(kept)
	defer unbind()
	in, arg := tx.idIn("id", firsts)
	if _, err := tx.Exec(ctx, `UPDATE forum_topics `+tx.byID()+` SET person_id = gallra_keep(?, person_id), title = COALESCE(gallra_redact(?, title), title)
		WHERE `+in, kk, redactKey, arg); err != nil {
		return fmt.Errorf("anonymize topics: %w", err)
	}
	for i := range kept.rows() {
		if p := kept.at(i, 0); p != 0 {
			persons[p] = true
		}
	}
	return tx.deleteTopicFields(ctx, orgID, firsts)
}
