package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gallra/gallra"
)

// IngestMail stores an inbound e-mail in a mail channel and threads it
// (see findThread): it joins a conversation or starts a new one. Ingest is
// idempotent on Message-ID per inbox: a message already stored in this inbox
// is returned as is (SMTP retries deliver twice). The message is validated
// by the caller (the mail service, gallra.InboundMail.Validate); message ids
// are cleaned here too, since threading matches on them. Everything is
// stored in one transaction: never half a message.
func (db *DB) IngestMail(ctx context.Context, orgID, channelID int64, in gallra.InboundMail) (*gallra.MailMessage, error) {
	msg, _, err := db.ingestMail(ctx, orgID, channelID, in, nil)
	return msg, err
}

// DeliverMail is IngestMail for mail the system received (SMTP, LMTP,
// IMAP): a newly stored message is audited as "mail.received" by the
// system, with ids and counts only, in the same transaction. created is
// false when the message was already stored (a duplicate delivery).
func (db *DB) DeliverMail(ctx context.Context, orgID, channelID int64, in gallra.InboundMail) (msg *gallra.MailMessage, created bool, err error) {
	return db.ingestMail(ctx, orgID, channelID, in, &gallra.Actor{Type: gallra.ActorSystem})
}

func (db *DB) ingestMail(ctx context.Context, orgID, channelID int64, in gallra.InboundMail, audit *gallra.Actor) (*gallra.MailMessage, bool, error) {
	in.MessageID, in.InReplyTo = gallra.CleanMessageID(in.MessageID), gallra.CleanMessageID(in.InReplyTo)
	in.BouncedMessageID = gallra.CleanMessageID(in.BouncedMessageID)
	// The sensitive-data scan of a long body is done before the write
	// transaction: on SQLite that transaction holds the one writer.
	pre, err := db.preScan(ctx, orgID, in.Subject+"\n"+in.Body)
	if err != nil {
		return nil, false, err
	}
	var msg *gallra.MailMessage
	created := false
	err = db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleMail); err != nil {
			return err
		}
		if in.MessageID != "" {
			// Per inbox: the same message sent to two inboxes is two messages,
			// and an editor of one must not be handed the other's copy. The
			// claim makes a concurrent second delivery wait for the first
			// and then find its message.
			claimed, err := tx.claimMessageID(ctx, orgID, channelID, in.MessageID)
			if err != nil {
				return err
			}
			if !claimed {
				id, err := tx.mailMessageByID(ctx, orgID, channelID, in.MessageID)
				if err != nil {
					return err
				}
				if id != 0 {
					var e error
					msg, e = tx.getMailMessage(ctx, orgID, id)
					return e
				}
			}
		}
		// A bounce is from a machine: no person record, no participant (it
		// must not make its sender someone staff replies reach).
		var pid *int64
		if in.Kind != gallra.MailKindBounce {
			id, err := tx.UpsertPerson(ctx, orgID, in.From, in.FromName)
			if err != nil {
				return err
			}
			pid = &id
		}
		convID, err := tx.findThread(ctx, orgID, channelID, in, pid)
		if err != nil {
			return err
		}
		if convID == 0 {
			if convID, err = tx.newMailConversation(ctx, orgID, channelID, in.Subject); err != nil {
				return err
			}
		}
		if pid != nil {
			if _, err := tx.exec(ctx, `INSERT INTO mail_participants (conversation_id, person_id, org_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, convID, *pid, orgID); err != nil {
				return fmt.Errorf("add participant: %w", err)
			}
		}
		if msg, err = tx.insertMailMessageScanned(ctx, orgID, channelID, convID, gallra.DirectionIn, pid, nil, in, pre); err != nil {
			return err
		}
		if in.MessageID != "" {
			if _, err := tx.exec(ctx, `UPDATE mail_message_claims SET mail_message_id = ? WHERE channel_id = ? AND message_id = ?`, msg.ID, channelID, in.MessageID); err != nil {
				return fmt.Errorf("tie Message-ID claim to its message: %w", err)
			}
		}
		created = true
		if audit == nil {
			return nil
		}
		return tx.Audit(ctx, orgID, *audit, "mail.received", "mail_conversation", convID,
			map[string]any{"message_id": msg.ID, "channel_id": channelID, "attachments": len(msg.Attachments), "kind": in.Kind})
	})
	return msg, created, err
}

// mailMessageByID returns the id of the first message of the inbox with the
// Message-ID, or 0. The query says the id is not empty so that the partial
// index serves it: SQLite cannot tell that a bound parameter is not empty.
func (tx *Tx) mailMessageByID(ctx context.Context, orgID, channelID int64, messageID string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM mail_messages WHERE channel_id = ? AND message_id = ? AND message_id <> '' AND org_id = ? ORDER BY id LIMIT 1`, channelID, messageID, orgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("find mail message by Message-ID: %w", err)
	}
	return id, nil
}

// claimMessageID claims an inbound Message-ID for the inbox; false when it
// is claimed already (by a stored message, or by a delivery of the same
// message that is still running: on PostgreSQL the insert waits for that
// one to commit or roll back). A claim whose message is gone (the purge or
// an erasure deleted it, or a claim left without one) is taken over.
func (tx *Tx) claimMessageID(ctx context.Context, orgID, channelID int64, messageID string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO mail_message_claims (channel_id, message_id, org_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, channelID, messageID, orgID)
	if err != nil {
		return false, fmt.Errorf("claim Message-ID: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	res, err = tx.exec(ctx, `UPDATE mail_message_claims SET mail_message_id = NULL WHERE channel_id = ? AND message_id = ? AND mail_message_id IS NULL`, channelID, messageID)
	if err != nil {
		return false, fmt.Errorf("take over Message-ID claim: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// newMailConversation starts a conversation with a fresh reply key.
func (tx *Tx) newMailConversation(ctx context.Context, orgID, channelID int64, subject string) (int64, error) {
	if strings.TrimSpace(subject) == "" {
		subject = "(no subject)"
	}
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return 0, fmt.Errorf("make reply key: %w", err)
	}
	id, err := tx.insert(ctx, `INSERT INTO mail_conversations (org_id, channel_id, subject, created_at, last_message_at, reply_key) VALUES (?, ?, ?, ?, ?, ?)`,
		orgID, channelID, subject, ms(tx.Now), ms(tx.Now), hex.EncodeToString(key))
	if err != nil {
		return 0, fmt.Errorf("insert conversation: %w", err)
	}
	return id, nil
}

// findThread returns the conversation of the inbox that the mail belongs
// to, or 0 for a new one:
//  1. the reply key (plus address or subject tag): unguessable, handed out
//     only in our own mail, so whoever writes with it joins;
//  2. a bounce: the conversation of the message that bounced;
//  3. In-Reply-To/References, newest first — but only when the sender
//     (person pid) already takes part in that conversation. Someone who
//     merely quotes a Message-ID (anyone a customer wrote to knows it)
//     starts a conversation of their own instead of joining the customer's.
func (tx *Tx) findThread(ctx context.Context, orgID, channelID int64, in gallra.InboundMail, pid *int64) (int64, error) {
	if in.ReplyKey != "" {
		var conv int64
		err := tx.queryRow(ctx, `SELECT id FROM mail_conversations WHERE reply_key = ? AND channel_id = ? AND org_id = ?`, in.ReplyKey, channelID, orgID).Scan(&conv)
		if err == nil {
			return conv, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find thread by reply key: %w", err)
		}
	}
	if in.Kind == gallra.MailKindBounce {
		if in.BouncedMessageID == "" {
			return 0, nil
		}
		return tx.conversationOfMessage(ctx, orgID, channelID, in.BouncedMessageID)
	}
	if pid == nil {
		return 0, nil
	}
	refs := append([]string{in.InReplyTo}, in.References...)
	for i := len(refs) - 1; i >= 0; i-- { // newest reference first
		ref := gallra.CleanMessageID(refs[i])
		if ref == "" {
			continue
		}
		conv, err := tx.conversationOfMessage(ctx, orgID, channelID, ref)
		if err != nil {
			return 0, err
		} else if conv == 0 {
			continue
		}
		var one int
		err = tx.queryRow(ctx, `SELECT 1 FROM mail_participants WHERE conversation_id = ? AND person_id = ?`, conv, *pid).Scan(&one)
		if err == nil {
			return conv, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("check participant: %w", err)
		}
	}
	return 0, nil
}

// conversationOfMessage returns the conversation of the inbox's message with
// the Message-ID, or 0.
func (tx *Tx) conversationOfMessage(ctx context.Context, orgID, channelID int64, messageID string) (int64, error) {
	var conv int64
	err := tx.queryRow(ctx, `SELECT conversation_id FROM mail_messages WHERE channel_id = ? AND message_id = ? AND message_id <> '' AND org_id = ? ORDER BY id LIMIT 1`, channelID, messageID, orgID).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("find thread: %w", err)
	}
	return conv, nil
}

// MailLoopToken returns this installation's mail loop token: outbound mail
// carries it in the X-Gallra-Loop header, and inbound mail carrying it is
// our own and is dropped.
func (db *DB) MailLoopToken(ctx context.Context) (string, error) {
	var tok string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT loop_token FROM mail_installation WHERE id = 1`).Scan(&tok)
	})
	if err != nil {
		return "", fmt.Errorf("read mail loop token: %w", err)
	}
	return tok, nil
}

func (tx *Tx) insertMailMessage(ctx context.Context, orgID, channelID, convID int64, dir gallra.Direction, personID, staffID *int64, in gallra.InboundMail) (*gallra.MailMessage, error) {
	return tx.insertMailMessageScanned(ctx, orgID, channelID, convID, dir, personID, staffID, in, nil)
}

// insertMailMessageScanned is insertMailMessage with the sensitive-data
// scan of the text possibly done already (pre; nil scans here).
func (tx *Tx) insertMailMessageScanned(ctx context.Context, orgID, channelID, convID int64, dir gallra.Direction, personID, staffID *int64, in gallra.InboundMail, pre *sensitiveScan) (*gallra.MailMessage, error) {
	id, err := tx.insert(ctx, `INSERT INTO mail_messages (org_id, channel_id, conversation_id, direction, person_id, staff_id, from_addr, from_name, to_addrs, subject, body, message_id, created_at, body_html, kind, bounced_message_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, channelID, convID, string(dir), idArg(personID), idArg(staffID), in.From, in.FromName, strings.Join(in.To, ","), in.Subject, in.Body, in.MessageID, ms(tx.Now), in.HTML, in.Kind, in.BouncedMessageID)
	if err != nil {
		return nil, fmt.Errorf("insert mail message: %w", err)
	}
	if pre != nil {
		err = tx.flagScanned(ctx, convID, pre)
	} else {
		err = tx.flagSensitive(ctx, "mail_conversations", convID, in.Subject+"\n"+in.Body)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.indexText(ctx, orgID, EntityMailMessage, id, channelID, convID, nil, in.Body); err != nil {
		return nil, err
	}
	// A customer's message (re)opens the conversation; a staff reply leaves
	// it waiting for the customer (the workspace's statuses).
	status := gallra.StatusOpen
	if dir == gallra.DirectionOut {
		status = gallra.StatusWaiting
	}
	if _, err := tx.exec(ctx, `UPDATE mail_conversations SET last_message_at = ?, status = ? WHERE id = ?`, ms(tx.Now), string(status), convID); err != nil {
		return nil, err
	}
	m := &gallra.MailMessage{ID: id, OrgID: orgID, ConversationID: convID, ChannelID: channelID, Direction: dir, PersonID: personID, StaffID: staffID,
		FromAddr: in.From, FromName: in.FromName, To: append([]string{}, in.To...), Subject: in.Subject, Body: in.Body, MessageID: in.MessageID, CreatedAt: tx.Now,
		BodyHTML: in.HTML, Kind: in.Kind, BouncedMessageID: in.BouncedMessageID}
	for _, a := range in.Attachments {
		sum := sha256.Sum256(a.Content)
		aid, err := tx.insert(ctx, `INSERT INTO mail_attachments (org_id, message_id, filename, content_type, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			orgID, id, a.Filename, a.ContentType, int64(len(a.Content)), hex.EncodeToString(sum[:]), a.Content)
		if err != nil {
			return nil, fmt.Errorf("insert attachment: %w", err)
		}
		m.Attachments = append(m.Attachments, gallra.MailAttachment{ID: aid, MessageID: id, Filename: a.Filename, ContentType: a.ContentType, Size: int64(len(a.Content)), SHA256: hex.EncodeToString(sum[:])})
	}
	return m, nil
}

// OutboundReply is a staff reply as ReplyMail records it: the service has
// validated the body and the form of the addresses and made the reply's
// Message-ID (ours, without angle brackets).
type OutboundReply struct {
	Body      string
	To, Cc    []string // To empty: the sender of the last inbound message
	FromAddr  string   // the inbox address
	MessageID string
	// Queue puts the reply in the outbox for delivery (demo and fixture
	// replies are recorded only).
	Queue bool
}

// ReplyMail records a staff reply in a conversation (outbound) and, with
// r.Queue, queues it in the outbox in the same transaction (with a kick of
// the mail.outbox job), so a reply is never stored without its delivery or
// the reverse. The recipients must be participants of the conversation
// (EINVALID names the field and position, never the address); the stored
// message's To holds To and Cc. Audited with counts only.
func (db *DB) ReplyMail(ctx context.Context, actor gallra.Actor, orgID, convID int64, staff *gallra.Staff, r OutboundReply) (*gallra.MailMessage, error) {
	var msg *gallra.MailMessage
	err := db.Update(ctx, func(tx *Tx) error {
		var channelID int64
		var subject string
		err := tx.queryRow(ctx, `SELECT channel_id, subject FROM mail_conversations WHERE id = ? AND org_id = ?`, convID, orgID).Scan(&channelID, &subject)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("conversation", convID)
		} else if err != nil {
			return err
		}
		to, cc, err := tx.replyRecipients(ctx, convID, r.To, r.Cc)
		if err != nil {
			return err
		}
		sid := staff.ID
		if !strings.HasPrefix(strings.ToLower(subject), "re:") {
			subject = "Re: " + subject
		}
		msg, err = tx.insertMailMessage(ctx, orgID, channelID, convID, gallra.DirectionOut, nil, &sid,
			gallra.InboundMail{From: r.FromAddr, FromName: staff.Name, To: append(append([]string{}, to...), cc...), Subject: subject, Body: r.Body, MessageID: gallra.CleanMessageID(r.MessageID)})
		if err != nil {
			return err
		}
		if r.Queue {
			if msg.Delivery, err = tx.queueReply(ctx, msg, to, cc); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, orgID, actor, "mail.replied", "mail_conversation", convID, map[string]any{"message_id": msg.ID, "to": len(to), "cc": len(cc), "queued": r.Queue})
	})
	return msg, err
}

const mailConvCols = `id, org_id, channel_id, subject, created_at, last_message_at, hold_reason, held_at, held_by, sensitive_kinds, reply_key, status, assignee_id`

func scanMailConv(sc interface{ Scan(...any) error }) (*gallra.MailConversation, error) {
	var c gallra.MailConversation
	var created, last int64
	var reason sql.NullString
	var heldAt, heldBy sql.NullInt64
	var kinds, status string
	var key sql.NullString
	var assignee sql.NullInt64
	if err := sc.Scan(&c.ID, &c.OrgID, &c.ChannelID, &c.Subject, &created, &last, &reason, &heldAt, &heldBy, &kinds, &key, &status, &assignee); err != nil {
		return nil, err
	}
	c.ReplyKey = key.String
	c.Status, c.AssigneeID = gallra.ConversationStatus(status), fromNullID(assignee)
	c.SensitiveKinds = splitKinds(kinds)
	c.CreatedAt, c.LastMessageAt, c.Hold = fromMS(created), fromMS(last), holdFrom(reason, heldAt, heldBy)
	return &c, nil
}

// ListMailConversations returns a page of an inbox's conversations, newest
// first.
func (db *DB) ListMailConversations(ctx context.Context, orgID, channelID int64, p gallra.Page) ([]gallra.MailConversation, error) {
	out := []gallra.MailConversation{}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleMail); err != nil {
			return err
		}
		q, args := pageQuery(`SELECT `+mailConvCols+` FROM mail_conversations WHERE org_id = ? AND channel_id = ?`, []any{orgID, channelID}, p)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanMailConv(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, err
}

// GetMailConversation returns a conversation with the first page of its
// messages and its participant person ids (see MailConversationPage).
func (db *DB) GetMailConversation(ctx context.Context, orgID, id int64) (*gallra.MailConversation, error) {
	return db.MailConversationPage(ctx, orgID, id, gallra.ThreadPage{})
}

func (tx *Tx) getMailMessage(ctx context.Context, orgID, id int64) (*gallra.MailMessage, error) {
	ms, err := tx.mailMessages(ctx, orgID, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, notFound("message", id)
	}
	return &ms[0], nil
}

const mailMessageCols = `id, org_id, conversation_id, channel_id, direction, person_id, staff_id, from_addr, from_name, to_addrs, subject, body, message_id, created_at, body_html, kind, bounced_message_id`

func scanMailMessage(sc interface{ Scan(...any) error }) (gallra.MailMessage, error) {
	var m gallra.MailMessage
	var dir, to string
	var person, staff sql.NullInt64
	var created int64
	if err := sc.Scan(&m.ID, &m.OrgID, &m.ConversationID, &m.ChannelID, &dir, &person, &staff, &m.FromAddr, &m.FromName, &to, &m.Subject, &m.Body, &m.MessageID, &created, &m.BodyHTML, &m.Kind, &m.BouncedMessageID); err != nil {
		return m, err
	}
	m.Direction, m.PersonID, m.StaffID, m.CreatedAt = gallra.Direction(dir), fromNullID(person), fromNullID(staff), fromMS(created)
	m.To = []string{}
	if to != "" {
		m.To = strings.Split(to, ",")
	}
	return m, nil
}

func (tx *Tx) mailMessages(ctx context.Context, orgID int64, cond string, arg int64) ([]gallra.MailMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+mailMessageCols+` FROM mail_messages WHERE org_id = ? AND `+cond+` ORDER BY created_at, id`, orgID, arg)
	if err != nil {
		return nil, fmt.Errorf("list mail messages: %w", err)
	}
	out := []gallra.MailMessage{}
	idx := map[int64]int{}
	for rows.Next() {
		m, err := scanMailMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[m.ID] = len(out)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	arows, err := tx.query(ctx, `SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.sha256 FROM mail_attachments a
		JOIN mail_messages m ON m.id = a.message_id WHERE m.org_id = ? AND m.`+cond+` ORDER BY a.id`, orgID, arg)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a gallra.MailAttachment
		if err := arows.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, err
		}
		if i, ok := idx[a.MessageID]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, arows.Err()
}

// GetAttachment returns an attachment with its content.
func (db *DB) GetAttachment(ctx context.Context, orgID, id int64) (*gallra.MailAttachment, error) {
	var a gallra.MailAttachment
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id, message_id, filename, content_type, size, sha256, content FROM mail_attachments WHERE id = ? AND org_id = ?`, id, orgID).
			Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Content)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("attachment", id)
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}

// AttachmentChannel returns the channel an attachment of the organisation
// belongs to (for the membership check before download); ENOTFOUND when
// absent or another organisation's.
func (db *DB) AttachmentChannel(ctx context.Context, orgID, id int64) (int64, error) {
	var ch int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT m.channel_id FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
			WHERE a.id = ? AND a.org_id = ? AND m.org_id = ?`, id, orgID, orgID).Scan(&ch)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("attachment", id)
	}
	return ch, err
}

// MailInbox returns the mail channel whose inbox address is addr (matched
// lower-cased, as addresses are stored), in any active organisation
// (a disabled organisation's inboxes are unknown); ENOTFOUND when there is
// none. One query: the SMTP receiver asks it for every
// recipient and every delivery.
func (db *DB) MailInbox(ctx context.Context, addr string) (*gallra.Channel, error) {
	var c *gallra.Channel
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = scanChannel(tx.queryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE address = ? AND address <> '' AND module = 'mail'
			AND org_id IN (SELECT id FROM organisations WHERE status = 'active')`, gallra.NormalizeEmail(addr)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no inbox has that address")
	} else if err != nil {
		return nil, fmt.Errorf("find inbox by address: %w", err)
	}
	return c, nil
}

// sensitiveScan is the sensitive-data scan of a text made before the write
// transaction, with the organisation's patterns it was made with.
type sensitiveScan struct {
	text  string
	own   []gallra.PIIPattern
	kinds []string
}

// preScan scans text with the organisation's current patterns (nil when the
// database has no scanner).
func (db *DB) preScan(ctx context.Context, orgID int64, text string) (*sensitiveScan, error) {
	if db.scanner == nil || text == "" {
		return nil, nil
	}
	own, err := db.PIIPatterns(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return &sensitiveScan{text: text, own: own, kinds: db.scanner.SensitiveKinds(text, own)}, nil
}

// flagScanned records a scan made before the transaction on the
// conversation, as flagSensitive does. The patterns are read again in tx:
// when they changed since the scan, the text is scanned again here, so a
// change of patterns still applies to the next write.
func (tx *Tx) flagScanned(ctx context.Context, convID int64, pre *sensitiveScan) error {
	cur, own, err := tx.sensitiveState(ctx, "mail_conversations", convID)
	if err != nil {
		return err
	}
	kinds := pre.kinds
	if !slices.Equal(own, pre.own) {
		kinds = tx.db.scanner.SensitiveKinds(pre.text, own)
	}
	if len(kinds) == 0 {
		return nil
	}
	if merged := mergeKinds(cur, kinds); merged != cur {
		if _, err := tx.exec(ctx, `UPDATE mail_conversations SET sensitive_kinds = ? WHERE id = ?`, merged, convID); err != nil {
			return fmt.Errorf("flag sensitive kinds: %w", err)
		}
	}
	return nil
}
