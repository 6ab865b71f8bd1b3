package store

import (
	"context"
	"fmt"
)

// Daily statistics: before content is removed (by a retention purge or an
// erasure), it is folded into anonymous per-channel day buckets in
// channel_daily_stats, in the deleting transaction, so that ChannelTotals
// stays true and each item is counted exactly once. Purge and erasure call
// these same helpers so they cannot drift apart.

// foldPosts folds forum posts and comments about to be deleted or turned
// into content-free placeholders (ChannelTotals counts neither).
func (tx *Tx) foldPosts(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `INSERT INTO channel_daily_stats (org_id, channel_id, day, posts)
		SELECT org_id, channel_id, created_at - created_at % 86400000, COUNT(*) FROM forum_posts `+tx.byID()+` WHERE `+in+` AND removed = 0
		GROUP BY org_id, channel_id, created_at - created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET posts = channel_daily_stats.posts + excluded.posts`, arg); err != nil {
		return fmt.Errorf("fold post stats: %w", err)
	}
	return nil
}

// foldTopics folds forum topics about to be deleted.
func (tx *Tx) foldTopics(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `INSERT INTO channel_daily_stats (org_id, channel_id, day, conversations)
		SELECT org_id, channel_id, created_at - created_at % 86400000, COUNT(*) FROM forum_topics `+tx.byID()+` WHERE `+in+`
		GROUP BY org_id, channel_id, created_at - created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET conversations = channel_daily_stats.conversations + excluded.conversations`, arg); err != nil {
		return fmt.Errorf("fold topic stats: %w", err)
	}
	return nil
}

// foldConversations folds whole mail conversations or chats (p is mailPurge
// or chatPurge) and their messages about to be deleted.
func (tx *Tx) foldConversations(ctx context.Context, p convPurge, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(ids)
	for _, f := range []string{p.foldConvs, p.foldMsgs} {
		if _, err := tx.exec(ctx, withIDs(f, in), args...); err != nil {
			return fmt.Errorf("fold %s stats: %w", p.subject, err)
		}
	}
	return nil
}

// foldMailMessages folds single mail messages about to be deleted from a
// conversation that stays.
func (tx *Tx) foldMailMessages(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `INSERT INTO channel_daily_stats (org_id, channel_id, day, messages)
		SELECT org_id, channel_id, created_at - created_at % 86400000, COUNT(*) FROM mail_messages `+tx.byID()+` WHERE `+in+`
		GROUP BY org_id, channel_id, created_at - created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET messages = channel_daily_stats.messages + excluded.messages`, arg); err != nil {
		return fmt.Errorf("fold mail message stats: %w", err)
	}
	return nil
}
