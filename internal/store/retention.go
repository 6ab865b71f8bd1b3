package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/gallra/gallra"
)

// RetentionSetting is a stored retention policy in its text form. The store
// keeps it as given; internal/retention parses and validates it.
type RetentionSetting struct {
	Period    string    `json:"period"` // "30d", "1m", "3y" or "never"
	Action    string    `json:"action"` // "anonymize" or "delete"
	UpdatedAt time.Time `json:"updated_at"`
}

// RetentionDefaults returns the organisation's stored module defaults
// (modules without a row are absent: they use the shipped default).
func (tx *Tx) RetentionDefaults(ctx context.Context, orgID int64) (map[gallra.Module]RetentionSetting, error) {
	rows, err := tx.query(ctx, `SELECT module, period, action, updated_at FROM retention_defaults WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read retention defaults: %w", err)
	}
	defer rows.Close()
	out := map[gallra.Module]RetentionSetting{}
	for rows.Next() {
		var m string
		var s RetentionSetting
		var at int64
		if err := rows.Scan(&m, &s.Period, &s.Action, &at); err != nil {
			return nil, err
		}
		s.UpdatedAt = fromMS(at)
		out[gallra.Module(m)] = s
	}
	return out, rows.Err()
}

// SetRetentionDefault stores (or with s nil, removes) the organisation's
// default for a module. Validation and auditing are the caller's.
func (tx *Tx) SetRetentionDefault(ctx context.Context, orgID int64, m gallra.Module, s *RetentionSetting) error {
	var err error
	if s == nil {
		_, err = tx.exec(ctx, `DELETE FROM retention_defaults WHERE org_id = ? AND module = ?`, orgID, string(m))
	} else {
		_, err = tx.exec(ctx, `INSERT INTO retention_defaults (org_id, module, period, action, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, module) DO UPDATE SET period = excluded.period, action = excluded.action, updated_at = excluded.updated_at`,
			orgID, string(m), s.Period, s.Action, ms(tx.Now))
	}
	if err != nil {
		return fmt.Errorf("store retention default: %w", err)
	}
	return nil
}

// ChannelRetention returns the channel's own stored policy, or nil when it
// follows its module default.
func (tx *Tx) ChannelRetention(ctx context.Context, orgID, channelID int64) (*RetentionSetting, error) {
	var s RetentionSetting
	var at int64
	err := tx.queryRow(ctx, `SELECT period, action, updated_at FROM retention_policies WHERE channel_id = ? AND org_id = ?`, channelID, orgID).
		Scan(&s.Period, &s.Action, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read channel retention: %w", err)
	}
	s.UpdatedAt = fromMS(at)
	return &s, nil
}

// SetChannelRetention stores (or with s nil, removes) a channel's own policy.
// Validation and auditing are the caller's.
func (tx *Tx) SetChannelRetention(ctx context.Context, orgID, channelID int64, s *RetentionSetting) error {
	var err error
	if s == nil {
		_, err = tx.exec(ctx, `DELETE FROM retention_policies WHERE channel_id = ? AND org_id = ?`, channelID, orgID)
	} else {
		_, err = tx.exec(ctx, `INSERT INTO retention_policies (channel_id, org_id, period, action, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (channel_id) DO UPDATE SET period = excluded.period, action = excluded.action, updated_at = excluded.updated_at`,
			channelID, orgID, s.Period, s.Action, ms(tx.Now))
	}
	if err != nil {
		return fmt.Errorf("store channel retention: %w", err)
	}
	return nil
}

// holdTable returns the table of a subject type that can be put on hold.
func holdTable(st gallra.SubjectType) (string, error) {
	switch st {
	case gallra.SubjectForumTopic:
		return "forum_topics", nil
	case gallra.SubjectMailConversation:
		return "mail_conversations", nil
	case gallra.SubjectChatConversation:
		return "chat_conversations", nil
	}
	return "", gallra.Errorf(gallra.EINVALID, "subject_type must be forum_topic, mail_conversation or chat_conversation")
}

// SetHold puts a topic or conversation on legal hold: every purge skips it
// until ReleaseHold. Setting a hold again replaces its reason (the hold time
// is kept). The reason is free text written by staff; it is not audited (it
// may name people), only its length. Returns ENOTFOUND for another
// organisation's subject. The reason is validated by the caller (the hold
// service).
func (db *DB) SetHold(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64, reason string) (*gallra.Hold, error) {
	table, err := holdTable(st)
	if err != nil {
		return nil, err
	}
	var h *gallra.Hold
	err = db.Update(ctx, func(tx *Tx) error {
		// The UPDATEs lock the organisation's hold counter (forum topics)
		// and the subject's row against a purge batch's FOR SHARE on the
		// counter or topic and FOR UPDATE on conversations (PostgreSQL): a
		// hold and a purge batch of the same subject serialise, and
		// whichever commits second sees the other.
		if err := tx.bumpTopicHolds(ctx, orgID, st); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE `+table+` SET hold_reason = ?, held_at = COALESCE(held_at, ?), held_by = ? WHERE id = ? AND org_id = ?`,
			reason, ms(tx.Now), actor.ID, id, orgID)
		if err != nil {
			return fmt.Errorf("set hold: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(string(st), id)
		}
		if h, err = tx.getHold(ctx, orgID, st, id); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "retention.hold_set", string(st), id, map[string]any{"reason_chars": len([]rune(reason))})
	})
	return h, err
}

// ReleaseHold releases a legal hold; the subject is purged again when due.
// Releasing a subject that is not held answers ENOTFOUND. Audited.
func (db *DB) ReleaseHold(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64) error {
	return db.ReleaseHoldWithReason(ctx, actor, orgID, st, id, "")
}

// ReleaseHoldWithReason is ReleaseHold recording why: a non-empty reason
// is kept in governance_reasons and the audit entry names it (reason_id)
// and who had placed the hold (held_by).
func (db *DB) ReleaseHoldWithReason(ctx context.Context, actor gallra.Actor, orgID int64, st gallra.SubjectType, id int64, reason string) error {
	table, err := holdTable(st)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.bumpTopicHolds(ctx, orgID, st); err != nil {
			return err
		}
		var heldBy sql.NullInt64
		err := tx.queryRow(ctx, `SELECT held_by FROM `+table+` WHERE id = ? AND org_id = ? AND held_at IS NOT NULL`, id, orgID).Scan(&heldBy)
		if errors.Is(err, sql.ErrNoRows) {
			return gallra.Errorf(gallra.ENOTFOUND, "%s %d is not on hold", st, id)
		} else if err != nil {
			return fmt.Errorf("read hold: %w", err)
		}
		res, err := tx.exec(ctx, `UPDATE `+table+` SET hold_reason = NULL, held_at = NULL, held_by = NULL WHERE id = ? AND org_id = ? AND held_at IS NOT NULL`, id, orgID)
		if err != nil {
			return fmt.Errorf("release hold: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gallra.Errorf(gallra.ENOTFOUND, "%s %d is not on hold", st, id)
		}
		var details map[string]any
		if reason != "" {
			rid, err := tx.AddGovernanceReason(ctx, orgID, GovernanceHoldReleased, string(st), id, actor.ID, reason)
			if err != nil {
				return err
			}
			details = map[string]any{"reason_id": rid, "held_by": heldBy.Int64}
		}
		return tx.Audit(ctx, orgID, actor, "retention.hold_released", string(st), id, details)
	})
}

// bumpTopicHolds increments the organisation's topic hold counter
// (topic_hold_epochs; created if missing) when st is a forum topic (see
// purgeSelection). It comes before the topic's own UPDATE, so a purge batch
// that checks the counter last (NOWAIT) sees every hold that may have
// changed a topic of its batch.
func (tx *Tx) bumpTopicHolds(ctx context.Context, orgID int64, st gallra.SubjectType) error {
	if st != gallra.SubjectForumTopic {
		return nil
	}
	if _, err := tx.exec(ctx, `INSERT INTO topic_hold_epochs (org_id, epoch) VALUES (?, 1)
		ON CONFLICT (org_id) DO UPDATE SET epoch = topic_hold_epochs.epoch + 1`, orgID); err != nil {
		return fmt.Errorf("count topic hold change: %w", err)
	}
	return nil
}

func (tx *Tx) getHold(ctx context.Context, orgID int64, st gallra.SubjectType, id int64) (*gallra.Hold, error) {
	table, err := holdTable(st)
	if err != nil {
		return nil, err
	}
	var reason sql.NullString
	var at, by sql.NullInt64
	h := &gallra.Hold{SubjectType: st, SubjectID: id}
	err = tx.queryRow(ctx, `SELECT channel_id, hold_reason, held_at, held_by FROM `+table+` WHERE id = ? AND org_id = ?`, id, orgID).
		Scan(&h.ChannelID, &reason, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(string(st), id)
	} else if err != nil {
		return nil, err
	}
	lh := holdFrom(reason, at, by)
	if lh == nil {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "%s %d is not on hold", st, id)
	}
	h.LegalHold = *lh
	return h, nil
}

// ListHolds returns the organisation's legal holds, oldest first, at most
// gallra.MaxListedHolds (each table is read with that limit).
func (db *DB) ListHolds(ctx context.Context, orgID int64) ([]gallra.Hold, error) {
	out := []gallra.Hold{}
	err := db.View(ctx, func(tx *Tx) error {
		for _, st := range []gallra.SubjectType{gallra.SubjectForumTopic, gallra.SubjectMailConversation, gallra.SubjectChatConversation} {
			table, _ := holdTable(st)
			rows, err := tx.query(ctx, `SELECT id, channel_id, hold_reason, held_at, held_by FROM `+table+` WHERE org_id = ? AND held_at IS NOT NULL ORDER BY held_at, id LIMIT ?`, orgID, gallra.MaxListedHolds)
			if err != nil {
				return fmt.Errorf("list holds: %w", err)
			}
			for rows.Next() {
				h := gallra.Hold{SubjectType: st}
				var reason sql.NullString
				var at, by sql.NullInt64
				if err := rows.Scan(&h.SubjectID, &h.ChannelID, &reason, &at, &by); err != nil {
					rows.Close()
					return err
				}
				h.LegalHold = *holdFrom(reason, at, by)
				out = append(out, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	sort.SliceStable(out, func(a, b int) bool { return out[a].HeldAt.Before(out[b].HeldAt) })
	if len(out) > gallra.MaxListedHolds {
		out = out[:gallra.MaxListedHolds]
	}
	return out, err
}

// FoldedStats returns the anonymous aggregates purges have folded for a
// channel, by day (only what was removed; live content is not included).
func (db *DB) FoldedStats(ctx context.Context, orgID, channelID int64) ([]gallra.DayStats, error) {
	out := []gallra.DayStats{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT day, posts, conversations, messages, chat_seconds FROM channel_daily_stats WHERE org_id = ? AND channel_id = ? ORDER BY day`, orgID, channelID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d gallra.DayStats
			var day int64
			if err := rows.Scan(&day, &d.Posts, &d.Conversations, &d.Messages, &d.ChatSeconds); err != nil {
				return err
			}
			d.Day = fromMS(day)
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// ChannelTotals returns a channel's all-time totals: live content plus folded
// aggregates. Posts counts forum posts and comments that are not placeholders;
// conversations counts topics or conversations; messages counts mail and chat
// messages; chat seconds sums closed chats' durations.
func (db *DB) ChannelTotals(ctx context.Context, orgID, channelID int64) (gallra.DayStats, error) {
	var d gallra.DayStats
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM forum_posts WHERE channel_id = ? AND removed = 0) + (SELECT COALESCE(SUM(posts), 0) FROM channel_daily_stats WHERE channel_id = ? AND org_id = ?),
			(SELECT COUNT(*) FROM forum_topics WHERE channel_id = ?) + (SELECT COUNT(*) FROM mail_conversations WHERE channel_id = ?) + (SELECT COUNT(*) FROM chat_conversations WHERE channel_id = ?)
				+ (SELECT COALESCE(SUM(conversations), 0) FROM channel_daily_stats WHERE channel_id = ? AND org_id = ?),
			(SELECT COUNT(*) FROM mail_messages WHERE channel_id = ?) + (SELECT COUNT(*) FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id WHERE c.channel_id = ?)
				+ (SELECT COALESCE(SUM(messages), 0) FROM channel_daily_stats WHERE channel_id = ? AND org_id = ?),
			(SELECT COALESCE(SUM((closed_at - opened_at) / 1000), 0) FROM chat_conversations WHERE channel_id = ? AND closed_at IS NOT NULL)
				+ (SELECT COALESCE(SUM(chat_seconds), 0) FROM channel_daily_stats WHERE channel_id = ? AND org_id = ?)`,
			channelID, channelID, orgID, channelID, channelID, channelID, channelID, orgID, channelID, channelID, channelID, orgID, channelID, channelID, orgID).
			Scan(&d.Posts, &d.Conversations, &d.Messages, &d.ChatSeconds)
	})
	return d, err
}
