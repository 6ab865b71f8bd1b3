package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// Answer notifications (docs/public-site.md): the mail telling the asker of
// a public question that staff answered it. The rows live in
// site_notify_outbox (migration 00075) and are delivered by the mail.outbox
// job next to the mail replies (internal/mailout). A row holds no address:
// the recipient is read from the asker's post at each attempt, and a post
// that is no longer a target cancels the row.

// AnswerNotice is a rendered answer notification, queued with the staff
// answer that causes it (CreateStaffAnswerNotify).
type AnswerNotice struct {
	AskerPostID    int64  // the question's opening post (the address is its own)
	ChannelID      int64  // the mail inbox it is sent from
	Subject, Body  string // the organisation's language
	UnsubscribeURL string // https URL with the signed token (List-Unsubscribe)
	MessageID      string // without angle brackets
	// Window: no notice is queued when one for the same question was
	// queued less than Window ago.
	Window time.Duration
}

// askerIsTarget is the condition on forum_posts p under which its asker is
// written to: opted in, has an address, not unsubscribed, visible, not
// anonymized or removed.
const askerIsTarget = `p.notify_opt_in = 1 AND p.author_email <> '' AND p.notify_off_at IS NULL AND p.status = 'visible'
	AND p.anonymized_at IS NULL AND p.removed = 0`

// CreateStaffAnswerNotify is CreateStaffAnswer that, in the same
// transaction, queues n (when not nil) if its asker is still a target and
// no notice for the question was queued within n.Window: two answers in a
// row, or a request retried, queue one mail. It reports whether n was
// queued.
func (db *DB) CreateStaffAnswerNotify(ctx context.Context, staff *gallra.Staff, topicID int64, body string, answered bool, n *AnswerNotice) (*gallra.SiteWritten, bool, error) {
	var out *gallra.SiteWritten
	var queued bool
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if out, err = tx.createStaffAnswer(ctx, staff, topicID, body, answered); err != nil || n == nil {
			return err
		}
		queued, err = tx.queueAnswerNotice(ctx, staff.OrgID, topicID, out.PostID, n)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return out, queued, nil
}

// queueAnswerNotice claims the question's notification window with one
// conditional UPDATE (the row lock serialises two answers at once on
// PostgreSQL; the second finds the window taken) and queues n.
func (tx *Tx) queueAnswerNotice(ctx context.Context, orgID, topicID, answerID int64, n *AnswerNotice) (bool, error) {
	now := ms(tx.Now)
	c, err := countChanged(tx.exec(ctx, `UPDATE forum_posts SET notified_at = ? WHERE id = ? AND org_id = ? AND topic_id = ? AND parent_id IS NULL AND staff_id IS NULL
		AND notify_opt_in = 1 AND author_email <> '' AND notify_off_at IS NULL AND status = 'visible' AND anonymized_at IS NULL AND removed = 0
		AND (notified_at IS NULL OR notified_at <= ?)`, now, n.AskerPostID, orgID, topicID, ms(tx.Now.Add(-n.Window))))
	if err != nil {
		return false, fmt.Errorf("claim notification of topic %d: %w", topicID, err)
	}
	if c == 0 {
		return false, nil
	}
	if _, err := tx.insert(ctx, `INSERT INTO site_notify_outbox (org_id, post_id, answer_id, channel_id, status, subject, body, unsubscribe_url, message_id, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
		orgID, n.AskerPostID, answerID, n.ChannelID, n.Subject, n.Body, n.UnsubscribeURL, n.MessageID, now, now); err != nil {
		return false, fmt.Errorf("queue notification of topic %d: %w", topicID, err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO jobs (name, org_id, unique_key, payload, status, run_at, created_at) VALUES (?, 0, ?, '{}', 'pending', ?, ?) ON CONFLICT DO NOTHING`,
		OutboxJob, OutboxJob+":kick", now, now); err != nil {
		return false, fmt.Errorf("kick outbox job: %w", err)
	}
	return true, nil
}

// NotifySender returns the mail inbox answer notifications of orgID are
// sent from: its oldest mail channel with an address. ok is false when the
// organisation has none (no notice can be sent).
func (db *DB) NotifySender(ctx context.Context, orgID int64) (channelID int64, address string, ok bool, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		e := tx.queryRow(ctx, `SELECT id, address FROM channels WHERE org_id = ? AND module = ? AND address <> '' ORDER BY id LIMIT 1`,
			orgID, string(gallra.ModuleMail)).Scan(&channelID, &address)
		if errors.Is(e, sql.ErrNoRows) {
			return nil
		} else if e != nil {
			return fmt.Errorf("find notification sender: %w", e)
		}
		ok = true
		return nil
	})
	return channelID, address, ok, err
}

// NotifyItem is a claimed answer notification with what its mail is built
// from.
type NotifyItem struct {
	ID, OrgID, PostID, ChannelID int64
	Attempts                     int // including this one
	QueuedAt                     time.Time
	To                           string // the asker's address, read from the post now
	From, FromName               string // the sending inbox
	Subject, Body                string
	UnsubscribeURL, MessageID    string
}

// ClaimNotify takes the oldest due answer notification for owner until
// now+lease, as ClaimOutbox does for replies, or returns nil when none is
// due. A row whose asker is no longer a target (unsubscribed, anonymized,
// removed, hidden) is deleted instead: nothing is sent. One whose sending
// inbox lost its address is marked failed.
func (db *DB) ClaimNotify(ctx context.Context, owner string, lease time.Duration) (*NotifyItem, error) {
	var it *NotifyItem
	for it == nil {
		again := false
		err := db.Update(ctx, func(tx *Tx) error {
			q := `SELECT id FROM site_notify_outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`
			if tx.Dialect() == Postgres {
				q += ` FOR UPDATE SKIP LOCKED`
			}
			var id int64
			if err := tx.queryRow(ctx, q, ms(tx.Now)).Scan(&id); errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return fmt.Errorf("find due notification: %w", err)
			}
			again = true
			var target int
			var to, from, name sql.NullString
			n := &NotifyItem{}
			var queued int64
			err := tx.queryRow(ctx, `SELECT o.id, o.org_id, o.post_id, o.channel_id, o.attempts, o.created_at, o.subject, o.body, o.unsubscribe_url, o.message_id,
				CASE WHEN `+askerIsTarget+` THEN 1 ELSE 0 END, p.author_email, c.address, c.name
				FROM site_notify_outbox o JOIN forum_posts p ON p.id = o.post_id
				LEFT JOIN channels c ON c.id = o.channel_id AND c.org_id = o.org_id WHERE o.id = ?`, id).
				Scan(&n.ID, &n.OrgID, &n.PostID, &n.ChannelID, &n.Attempts, &queued, &n.Subject, &n.Body, &n.UnsubscribeURL, &n.MessageID, &target, &to, &from, &name)
			if err != nil {
				return fmt.Errorf("load notification %d: %w", id, err)
			}
			if target != 1 {
				_, err := tx.exec(ctx, `DELETE FROM site_notify_outbox WHERE id = ?`, id)
				return annotate("cancel notification", err)
			}
			if from.String == "" {
				_, err := tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'failed', failed_at = ?, last_error = 'the sending inbox has no address', lease_owner = '', subject = '', body = '', unsubscribe_url = ''
					WHERE id = ?`, ms(tx.Now), id)
				return annotate("fail notification", err)
			}
			if _, err := tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'sending', lease_owner = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`,
				owner, ms(tx.Now.Add(lease)), id); err != nil {
				return fmt.Errorf("claim notification: %w", err)
			}
			n.Attempts++
			n.QueuedAt, n.To, n.From, n.FromName = fromMS(queued), to.String, from.String, name.String
			it = n
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !again || ctx.Err() != nil {
			break
		}
	}
	return it, nil
}

// FinishNotify records the outcome of owner's attempt on a claimed
// notification, as FinishOutbox does. A sent or failed row keeps neither
// subject nor body nor link.
func (db *DB) FinishNotify(ctx context.Context, id int64, owner string, out OutboxOutcome) error {
	return db.Update(ctx, func(tx *Tx) error {
		var err error
		now := ms(tx.Now)
		switch out.Status {
		case gallra.DeliverySent:
			_, err = tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'sent', sent_at = ?, last_error = '', lease_owner = '', subject = '', body = '', unsubscribe_url = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, now, id, owner)
		case gallra.DeliveryFailed:
			_, err = tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'failed', failed_at = ?, last_error = ?, lease_owner = '', subject = '', body = '', unsubscribe_url = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, now, out.Error, id, owner)
		case gallra.DeliveryPending:
			_, err = tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_owner = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, ms(out.RetryAt), out.Error, id, owner)
		default:
			return fmt.Errorf("finish notification: unknown status %q", out.Status)
		}
		if err != nil {
			return fmt.Errorf("finish notification: %w", err)
		}
		return nil
	})
}

// FailStaleNotify is FailStaleOutbox for answer notifications.
func (db *DB) FailStaleNotify(ctx context.Context, cutoff time.Time, reason, prefix string) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		n, err = countChanged(tx.exec(ctx, `UPDATE site_notify_outbox SET status = 'failed', failed_at = ?, last_error = CASE WHEN last_error = '' THEN ? ELSE ? || last_error END,
			lease_owner = '', subject = '', body = '', unsubscribe_url = ''
			WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? AND created_at < ?`, ms(tx.Now), reason, prefix, ms(tx.Now), ms(cutoff)))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fail stale notifications: %w", err)
	}
	return n, nil
}

// AnswerNotification is an answer notification's row as tests and
// operators see it: no address (the row holds none).
type AnswerNotification struct {
	ID, PostID, AnswerID, ChannelID int64
	Status                          string
	Subject, Body, UnsubscribeURL   string
	MessageID                       string
	Attempts                        int
}

// AnswerNotifications lists the answer notifications of orgID's topic
// topicID, oldest first.
func (db *DB) AnswerNotifications(ctx context.Context, orgID, topicID int64) ([]AnswerNotification, error) {
	var out []AnswerNotification
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT o.id, o.post_id, o.answer_id, o.channel_id, o.status, o.subject, o.body, o.unsubscribe_url, o.message_id, o.attempts
			FROM site_notify_outbox o JOIN forum_posts p ON p.id = o.post_id WHERE o.org_id = ? AND p.topic_id = ? ORDER BY o.id`, orgID, topicID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a AnswerNotification
			if err := rows.Scan(&a.ID, &a.PostID, &a.AnswerID, &a.ChannelID, &a.Status, &a.Subject, &a.Body, &a.UnsubscribeURL, &a.MessageID, &a.Attempts); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list answer notifications: %w", err)
	}
	return out, nil
}

// deleteAnswerNotices removes the answer notifications of the posts among
// ids (erasure of their author).
func (tx *Tx) deleteAnswerNotices(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := tx.idIn("post_id", ids)
	if _, err := tx.exec(ctx, `DELETE FROM site_notify_outbox WHERE `+in, arg); err != nil {
		return fmt.Errorf("delete answer notifications: %w", err)
	}
	return nil
}

// OrgSecret returns the organisation's installation secret (the key of its
// audit chain and identifier index), from which other keys are derived
// (the unsubscribe key: service.NotifyKey). ENOTFOUND when there is no
// such organisation.
func (db *DB) OrgSecret(ctx context.Context, orgID int64) ([]byte, error) {
	var key []byte
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		key, err = tx.OrgAuditKey(ctx, orgID)
		return err
	})
	return key, err
}

// NotifyCounts counts the answer notifications of every organisation by
// status, as OutboxCounts does for replies (no ids, no addresses).
func (db *DB) NotifyCounts(ctx context.Context) (*OutboxStatus, error) {
	st, err := db.deliveryCounts(ctx, "site_notify_outbox")
	if err != nil {
		return nil, fmt.Errorf("count answer notifications: %w", err)
	}
	return st, nil
}
