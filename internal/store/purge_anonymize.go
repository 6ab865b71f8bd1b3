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
	err := tx.queryRow(ctx, `SELECT created_at, id FROM forum_posts INDEXED BY forum_posts_due_anonymize
		WHERE channel_id = ? AND anonymized_at IS NULL AND removed = 0 AND created_at < ? AND created_at >= ? AND (created_at, id) > (?, ?)
		ORDER BY created_at, id LIMIT 1 OFFSET ?`, t.ChannelID, ms(t.Cutoff), after.At, after.At, after.ID, limit-1).Scan(&end.At, &end.ID)
	switch {
	case err == nil:
		b.More = true
	case !errors.Is(err, sql.ErrNoRows):
		return b, fmt.Errorf("find end of purge batch: %w", err)
	}
	b.Next = end
	t.Hook.call(tx)
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
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM forum_posts INDEXED BY forum_posts_due_anonymize WHERE `+rng+` AND `+held,
			append(rargs, t.OrgID)...).Scan(&b.Held); err != nil {
			return b, fmt.Errorf("count held posts: %w", err)
		}
		unheld = ` AND NOT ` + held
	}
	args := append([]any{t.OrgID}, rargs...)
	if anyHeld {
		args = append(args, t.OrgID)
	}
	r, err := tx.anonymizeRows(ctx, forumRule{orgID: t.OrgID}, `INDEXED BY forum_posts_due_anonymize`, `org_id = ? AND `+rng+unheld, args, redact)
	if err != nil {
		return b, err
	}
	b.Items, b.Anonymized = int(r.Anonymized)+b.Held, r.Anonymized
	if r.Anonymized == 0 {
		return b, nil
	}
	b.PersonsDeleted, b.Queued, err = tx.dropPersons(ctx, t, keys(r.persons))
	return b, err
}
