package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// OutboxJob is the name of the job that delivers the mail outbox. A reply
// queues a run of it at once (unique key OutboxJob+":kick"); serve also
// schedules it every minute for retries.
const OutboxJob = "mail.outbox"

// maxReferences bounds the References header of a reply: the first message
// of the thread and the newest ones.
const maxReferences = 20

// The queries of a reply that read its thread, each a few rows from one end
// of an index (mail_messages_conversation_direction, and the thread order
// of mail_messages_conversation[_order]), so that a reply costs the same in
// a thread of 10 messages and of 5,000 (TestReplyQueryPlans).
const (
	lastSenderQuery = `SELECT from_addr FROM mail_messages WHERE conversation_id = ? AND direction = 'in' AND from_addr <> '' ORDER BY created_at DESC, id DESC LIMIT 1`
	repliedToQuery  = `SELECT message_id FROM mail_messages WHERE conversation_id = ? AND direction = 'in' AND message_id <> '' ORDER BY created_at DESC, id DESC LIMIT 1`
	threadRefsQuery = `SELECT id, message_id FROM mail_messages WHERE conversation_id = ? AND message_id <> '' AND id <> ? ORDER BY `
)

// replyRecipients checks the chosen recipients of a reply against the
// conversation's participants and returns them without duplicates (an
// address in both keeps its place in To). With to empty the reply goes to
// the sender of the last inbound message.
func (tx *Tx) replyRecipients(ctx context.Context, convID int64, to, cc []string) ([]string, []string, error) {
	parts := map[string]bool{}
	rows, err := tx.query(ctx, `SELECT p.email FROM mail_participants mp JOIN persons p ON p.id = mp.person_id WHERE mp.conversation_id = ? AND p.email <> ''`, convID)
	if err != nil {
		return nil, nil, fmt.Errorf("list participants: %w", err)
	}
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return nil, nil, err
		}
		parts[gallra.NormalizeEmail(e)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(to) == 0 {
		var last string
		err := tx.queryRow(ctx, lastSenderQuery, convID).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, gallra.Errorf(gallra.EINVALID, "to is required: the conversation has no inbound message to answer")
		} else if err != nil {
			return nil, nil, fmt.Errorf("find last sender: %w", err)
		}
		if !parts[gallra.NormalizeEmail(last)] {
			return nil, nil, gallra.Errorf(gallra.EINVALID, "to is required: the last sender no longer takes part in the conversation")
		}
		to = []string{last}
	}
	seen := map[string]bool{}
	pick := func(field string, list []string) ([]string, error) {
		var out []string
		for i, a := range list {
			a = strings.TrimSpace(a)
			n := gallra.NormalizeEmail(a)
			if !parts[n] {
				return nil, gallra.Errorf(gallra.EINVALID, "%s[%d] does not take part in the conversation: a reply goes only to its participants", field, i)
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, a)
			}
		}
		return out, nil
	}
	if to, err = pick("to", to); err != nil {
		return nil, nil, err
	}
	if cc, err = pick("cc", cc); err != nil {
		return nil, nil, err
	}
	return to, cc, nil
}

// queueReply puts a recorded reply in the outbox, due now, with the
// threading ids of its conversation, and kicks the outbox job.
func (tx *Tx) queueReply(ctx context.Context, msg *gallra.MailMessage, to, cc []string) (*gallra.MailDelivery, error) {
	var inReplyTo string
	err := tx.queryRow(ctx, repliedToQuery, msg.ConversationID).Scan(&inReplyTo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find message replied to: %w", err)
	}
	refs, err := tx.threadReferences(ctx, msg.ConversationID, msg.ID)
	if err != nil {
		return nil, err
	}
	now := ms(tx.Now)
	if _, err := tx.insert(ctx, `INSERT INTO mail_outbox (org_id, channel_id, conversation_id, message_id, status, to_addrs, cc_addrs, in_reply_to, refs, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
		msg.OrgID, msg.ChannelID, msg.ConversationID, msg.ID, strings.Join(to, ","), strings.Join(cc, ","), inReplyTo, strings.Join(refs, " "), now, now); err != nil {
		return nil, fmt.Errorf("queue reply: %w", err)
	}
	// One pending kick at a time (jobs_unique_active); a kick already
	// pending or running finds this row too, or the minute schedule does.
	if _, err := tx.exec(ctx, `INSERT INTO jobs (name, org_id, unique_key, payload, status, run_at, created_at) VALUES (?, 0, ?, '{}', 'pending', ?, ?) ON CONFLICT DO NOTHING`,
		OutboxJob, OutboxJob+":kick", now, now); err != nil {
		return nil, fmt.Errorf("kick outbox job: %w", err)
	}
	next := tx.Now
	return &gallra.MailDelivery{Status: gallra.DeliveryPending, NextAttemptAt: &next}, nil
}

// threadReferences returns the References of a reply: the Message-IDs of
// the thread's other messages in thread order, at most maxReferences of
// them — the first and the last maxReferences-1 when the thread is longer
// (RFC 5322 3.6.4 lets a long list be cut so). It reads at most
// maxReferences+1 rows however long the thread is.
func (tx *Tx) threadReferences(ctx context.Context, convID, exceptID int64) ([]string, error) {
	type ref struct {
		id  int64
		mid string
	}
	read := func(order string, limit int) ([]ref, error) {
		rows, err := tx.query(ctx, threadRefsQuery+order+` LIMIT ?`, convID, exceptID, limit)
		if err != nil {
			return nil, fmt.Errorf("list thread ids: %w", err)
		}
		defer rows.Close()
		var out []ref
		for rows.Next() {
			var r ref
			if err := rows.Scan(&r.id, &r.mid); err != nil {
				return nil, fmt.Errorf("list thread ids: %w", err)
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	last, err := read("created_at DESC, id DESC", maxReferences)
	if err != nil {
		return nil, err
	}
	slices.Reverse(last)
	if len(last) == maxReferences {
		// Possibly longer than the window: the thread's first id leads
		// (when the thread is exactly the window, it is last[0] already).
		first, err := read("created_at, id", 1)
		if err != nil {
			return nil, err
		}
		last = append(first, last[1:]...)
	}
	refs := make([]string, len(last))
	for i, r := range last {
		refs[i] = r.mid
	}
	return refs, nil
}

// replyKeyEncoding spells reply keys: lower-case base32, no padding (an
// address's local part is case-insensitive at many hosts).
var replyKeyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ConversationReplyKey returns the conversation's reply key, the
// unguessable part of its plus-addressed Reply-To (128 random bits),
// making one when it has none yet. ENOTFOUND when the conversation is
// absent or another organisation's.
func (tx *Tx) ConversationReplyKey(ctx context.Context, orgID, convID int64) (string, error) {
	read := func() (string, error) {
		var key sql.NullString
		err := tx.queryRow(ctx, `SELECT reply_key FROM mail_conversations WHERE id = ? AND org_id = ?`, convID, orgID).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return "", notFound("conversation", convID)
		} else if err != nil {
			return "", fmt.Errorf("read reply key: %w", err)
		}
		return key.String, nil
	}
	key, err := read()
	if err != nil || key != "" {
		return key, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make reply key: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE mail_conversations SET reply_key = ? WHERE id = ? AND org_id = ? AND (reply_key IS NULL OR reply_key = '')`,
		replyKeyEncoding.EncodeToString(b), convID, orgID); err != nil {
		return "", fmt.Errorf("set reply key: %w", err)
	}
	return read()
}

// ConversationReplyKey is Tx.ConversationReplyKey in a transaction of its
// own.
func (db *DB) ConversationReplyKey(ctx context.Context, orgID, convID int64) (string, error) {
	var key string
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		key, err = tx.ConversationReplyKey(ctx, orgID, convID)
		return err
	})
	return key, err
}

// OutboxItem is a claimed outbox row with what its mail is built from.
type OutboxItem struct {
	ID, OrgID, ChannelID, ConversationID, MessageRowID int64
	Attempts                                           int // including this one
	QueuedAt                                           time.Time
	To, Cc                                             []string
	InReplyTo                                          string
	References                                         []string
	From, ChannelName, Subject, Body, MessageID        string
	Date                                               time.Time // when the reply was written
	ReplyKey                                           string
}

// ClaimOutbox takes the oldest due outbox row (pending and due, or sending
// with an expired lease: its worker died) for owner until now+lease and
// returns it, or nil when none is due. On PostgreSQL the row is locked with
// SKIP LOCKED, so workers side by side never take the same row; on SQLite
// the single writer serialises. Delivery is at least once: a worker killed
// after the relay accepted the mail but before FinishOutbox leaves the row
// to be sent again when its lease expires.
func (db *DB) ClaimOutbox(ctx context.Context, owner string, lease time.Duration) (*OutboxItem, error) {
	var it *OutboxItem
	err := db.Update(ctx, func(tx *Tx) error {
		q := `SELECT id FROM mail_outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		var id int64
		if err := tx.queryRow(ctx, q, ms(tx.Now)).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("find due outbox row: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE mail_outbox SET status = 'sending', lease_owner = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`,
			owner, ms(tx.Now.Add(lease)), id); err != nil {
			return fmt.Errorf("claim outbox row: %w", err)
		}
		it = &OutboxItem{}
		var queued, date int64
		var to, cc, refs string
		err := tx.queryRow(ctx, `SELECT o.id, o.org_id, o.channel_id, o.conversation_id, o.message_id, o.attempts, o.created_at, o.to_addrs, o.cc_addrs, o.in_reply_to, o.refs,
			m.from_addr, c.name, m.subject, m.body, m.message_id, m.created_at
			FROM mail_outbox o JOIN mail_messages m ON m.id = o.message_id JOIN channels c ON c.id = o.channel_id WHERE o.id = ?`, id).
			Scan(&it.ID, &it.OrgID, &it.ChannelID, &it.ConversationID, &it.MessageRowID, &it.Attempts, &queued, &to, &cc, &it.InReplyTo, &refs,
				&it.From, &it.ChannelName, &it.Subject, &it.Body, &it.MessageID, &date)
		if err != nil {
			return fmt.Errorf("load outbox row: %w", err)
		}
		it.QueuedAt, it.Date = fromMS(queued), fromMS(date)
		it.To, it.Cc, it.References = splitList(to, ","), splitList(cc, ","), strings.Fields(refs)
		it.ReplyKey, err = tx.ConversationReplyKey(ctx, it.OrgID, it.ConversationID)
		return err
	})
	return it, err
}

func splitList(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// OutboxOutcome is the result of one delivery attempt.
type OutboxOutcome struct {
	Status  string    // gallra.DeliverySent, DeliveryFailed or DeliveryPending (retry)
	Error   string    // no personal data: an SMTP code and a short reason
	RetryAt time.Time // with DeliveryPending
}

// FinishOutbox records the outcome of owner's attempt on a claimed row. A
// row that is no longer owner's (its lease expired and another worker took
// it, or erasure or a purge removed it) is left alone. A sent or failed row
// keeps no recipients or threading ids: mail_messages keeps who it went to.
func (db *DB) FinishOutbox(ctx context.Context, id int64, owner string, out OutboxOutcome) error {
	return db.Update(ctx, func(tx *Tx) error {
		var err error
		now := ms(tx.Now)
		switch out.Status {
		case gallra.DeliverySent:
			_, err = tx.exec(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '', lease_owner = '', to_addrs = '', cc_addrs = '', in_reply_to = '', refs = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, now, id, owner)
		case gallra.DeliveryFailed:
			_, err = tx.exec(ctx, `UPDATE mail_outbox SET status = 'failed', failed_at = ?, last_error = ?, lease_owner = '', to_addrs = '', cc_addrs = '', in_reply_to = '', refs = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, now, out.Error, id, owner)
		case gallra.DeliveryPending:
			_, err = tx.exec(ctx, `UPDATE mail_outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_owner = ''
				WHERE id = ? AND status = 'sending' AND lease_owner = ?`, ms(out.RetryAt), out.Error, id, owner)
		default:
			return fmt.Errorf("finish outbox row: unknown status %q", out.Status)
		}
		if err != nil {
			return fmt.Errorf("finish outbox row: %w", err)
		}
		return nil
	})
}

// FailStaleOutbox marks failed the rows still unsent that were queued
// before cutoff and are due: replies are not kept waiting beyond
// gallra.MaxDeliveryAge, nor sent days late once a relay is back (or
// configured). last_error becomes reason when the row has none, else
// prefix followed by the row's own (its last SMTP code is kept). It
// returns how many.
func (db *DB) FailStaleOutbox(ctx context.Context, cutoff time.Time, reason, prefix string) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		n, err = countChanged(tx.exec(ctx, `UPDATE mail_outbox SET status = 'failed', failed_at = ?, last_error = CASE WHEN last_error = '' THEN ? ELSE ? || last_error END,
			lease_owner = '', to_addrs = '', cc_addrs = '', in_reply_to = '', refs = ''
			WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? AND created_at < ?`, ms(tx.Now), reason, prefix, ms(tx.Now), ms(cutoff)))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fail stale outbox rows: %w", err)
	}
	return n, nil
}

// attachDelivery sets the delivery state of the outbound messages among
// msgs from their outbox rows.
func (tx *Tx) attachDelivery(ctx context.Context, msgs []gallra.MailMessage) error {
	idx := map[int64]int{}
	var convs []int64
	seen := map[int64]bool{}
	for i, m := range msgs {
		if m.Direction != gallra.DirectionOut {
			continue
		}
		idx[m.ID] = i
		if !seen[m.ConversationID] {
			seen[m.ConversationID] = true
			convs = append(convs, m.ConversationID)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	in, arg := tx.idIn("conversation_id", convs)
	rows, err := tx.query(ctx, `SELECT message_id, status, attempts, last_error, next_attempt_at, sent_at, failed_at FROM mail_outbox WHERE `+in, arg)
	if err != nil {
		return fmt.Errorf("read delivery state: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, next int64
		var d gallra.MailDelivery
		var sent, failed sql.NullInt64
		if err := rows.Scan(&mid, &d.Status, &d.Attempts, &d.LastError, &next, &sent, &failed); err != nil {
			return err
		}
		i, ok := idx[mid]
		if !ok {
			continue
		}
		if d.Status == gallra.DeliveryPending || d.Status == gallra.DeliverySending {
			t := fromMS(next)
			d.NextAttemptAt = &t
		}
		d.SentAt, d.FailedAt = fromNullMS(sent), fromNullMS(failed)
		msgs[i].Delivery = &d
	}
	return rows.Err()
}

// dropOutboxRecipient takes an erased person's address out of the unsent
// outbox rows of a conversation, and removes (cancels) the rows left
// without a recipient. A worker sending one of them at this moment may
// still deliver it (at least once); its FinishOutbox then finds no row.
func (tx *Tx) dropOutboxRecipient(ctx context.Context, conv int64, email string) error {
	if email == "" {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT id, to_addrs, cc_addrs FROM mail_outbox WHERE conversation_id = ? AND status IN ('pending', 'sending')`, conv)
	if err != nil {
		return fmt.Errorf("read outbox recipients: %w", err)
	}
	type change struct {
		id     int64
		to, cc []string
	}
	var changes []change
	for rows.Next() {
		var c change
		var to, cc string
		if err := rows.Scan(&c.id, &to, &cc); err != nil {
			rows.Close()
			return fmt.Errorf("read outbox recipients: %w", err)
		}
		drop := func(list string) ([]string, bool) {
			var keep []string
			hit := false
			for _, a := range splitList(list, ",") {
				if gallra.NormalizeEmail(a) == email {
					hit = true
				} else {
					keep = append(keep, a)
				}
			}
			return keep, hit
		}
		var h1, h2 bool
		c.to, h1 = drop(to)
		c.cc, h2 = drop(cc)
		if h1 || h2 {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read outbox recipients: %w", err)
	}
	for _, c := range changes {
		if len(c.to) == 0 {
			c.to, c.cc = c.cc, nil
		}
		if len(c.to) == 0 {
			if _, err := tx.exec(ctx, `DELETE FROM mail_outbox WHERE id = ?`, c.id); err != nil {
				return fmt.Errorf("cancel outbox row: %w", err)
			}
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE mail_outbox SET to_addrs = ?, cc_addrs = ? WHERE id = ?`, strings.Join(c.to, ","), strings.Join(c.cc, ","), c.id); err != nil {
			return fmt.Errorf("scrub outbox recipients: %w", err)
		}
	}
	return nil
}

// OutboxStatus counts the outbox rows of every organisation by status (for
// operators: no ids, addresses or subjects).
type OutboxStatus struct {
	Pending int64 `json:"pending"`
	Sending int64 `json:"sending"`
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`
	// OldestUnsent is when the oldest pending or sending reply was queued.
	OldestUnsent *time.Time `json:"oldest_unsent,omitempty"`
}

// OutboxCounts returns the outbox's OutboxStatus.
func (db *DB) OutboxCounts(ctx context.Context) (*OutboxStatus, error) {
	st, err := db.deliveryCounts(ctx, "mail_outbox")
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return st, nil
}

// deliveryCounts counts the rows of a delivery table (mail_outbox,
// site_notify_outbox: a status and a created_at column) by status, with
// the oldest unsent row's time. table is a constant, never input.
func (db *DB) deliveryCounts(ctx context.Context, table string) (*OutboxStatus, error) {
	st := &OutboxStatus{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT status, COUNT(*) FROM `+table+` GROUP BY status`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int64
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			switch s {
			case gallra.DeliveryPending:
				st.Pending = n
			case gallra.DeliverySending:
				st.Sending = n
			case gallra.DeliverySent:
				st.Sent = n
			case gallra.DeliveryFailed:
				st.Failed = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		var oldest sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT MIN(created_at) FROM `+table+` WHERE status IN ('pending', 'sending')`).Scan(&oldest); err != nil {
			return err
		}
		st.OldestUnsent = fromNullMS(oldest)
		return nil
	})
	return st, err
}
