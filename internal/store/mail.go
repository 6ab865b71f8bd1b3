package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// IngestMail stores an inbound e-mail in a mail channel: it joins the
// conversation that one of its In-Reply-To/References ids belongs to, or
// starts a new one. Ingest is idempotent on Message-ID per inbox: a message
// already stored in this inbox is returned as is (SMTP retries deliver twice).
// The message is validated by the caller (the mail service,
// gallra.InboundMail.Validate); message ids are cleaned here too, since
// threading matches on them.
func (db *DB) IngestMail(ctx context.Context, orgID, channelID int64, in gallra.InboundMail) (*gallra.MailMessage, error) {
	in.MessageID, in.InReplyTo = gallra.CleanMessageID(in.MessageID), gallra.CleanMessageID(in.InReplyTo)
	var msg *gallra.MailMessage
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleMail); err != nil {
			return err
		}
		if in.MessageID != "" {
			var id int64
			// Per inbox: the same message sent to two inboxes is two messages,
			// and an editor of one must not be handed the other's copy.
			err := tx.queryRow(ctx, `SELECT id FROM mail_messages WHERE org_id = ? AND message_id = ? AND channel_id = ? ORDER BY id LIMIT 1`, orgID, in.MessageID, channelID).Scan(&id)
			if err == nil {
				var e error
				msg, e = tx.getMailMessage(ctx, orgID, id)
				return e
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		convID, err := tx.findThread(ctx, orgID, channelID, in)
		if err != nil {
			return err
		}
		if convID == 0 {
			subject := in.Subject
			if strings.TrimSpace(subject) == "" {
				subject = "(no subject)"
			}
			convID, err = tx.insert(ctx, `INSERT INTO mail_conversations (org_id, channel_id, subject, created_at, last_message_at) VALUES (?, ?, ?, ?, ?)`,
				orgID, channelID, subject, ms(tx.Now), ms(tx.Now))
			if err != nil {
				return fmt.Errorf("insert conversation: %w", err)
			}
		}
		pid, err := tx.UpsertPerson(ctx, orgID, in.From, in.FromName)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO mail_participants (conversation_id, person_id, org_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, convID, pid, orgID); err != nil {
			return fmt.Errorf("add participant: %w", err)
		}
		msg, err = tx.insertMailMessage(ctx, orgID, channelID, convID, gallra.DirectionIn, &pid, nil, in)
		return err
	})
	return msg, err
}

// findThread returns the conversation in the channel that the mail replies
// to, or 0.
func (tx *Tx) findThread(ctx context.Context, orgID, channelID int64, in gallra.InboundMail) (int64, error) {
	refs := append([]string{in.InReplyTo}, in.References...)
	for i := len(refs) - 1; i >= 0; i-- { // newest reference first
		ref := gallra.CleanMessageID(refs[i])
		if ref == "" {
			continue
		}
		var conv int64
		err := tx.queryRow(ctx, `SELECT conversation_id FROM mail_messages WHERE org_id = ? AND message_id = ? AND channel_id = ? ORDER BY id LIMIT 1`, orgID, ref, channelID).Scan(&conv)
		if err == nil {
			return conv, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find thread: %w", err)
		}
	}
	return 0, nil
}

func (tx *Tx) insertMailMessage(ctx context.Context, orgID, channelID, convID int64, dir gallra.Direction, personID, staffID *int64, in gallra.InboundMail) (*gallra.MailMessage, error) {
	id, err := tx.insert(ctx, `INSERT INTO mail_messages (org_id, channel_id, conversation_id, direction, person_id, staff_id, from_addr, from_name, to_addrs, subject, body, message_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, channelID, convID, string(dir), idArg(personID), idArg(staffID), in.From, in.FromName, strings.Join(in.To, ","), in.Subject, in.Body, in.MessageID, ms(tx.Now))
	if err != nil {
		return nil, fmt.Errorf("insert mail message: %w", err)
	}
	if err := tx.flagSensitive(ctx, "mail_conversations", convID, in.Subject+"\n"+in.Body); err != nil {
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
		FromAddr: in.From, FromName: in.FromName, To: append([]string{}, in.To...), Subject: in.Subject, Body: in.Body, MessageID: in.MessageID, CreatedAt: tx.Now}
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

// ReplyMail records a staff reply in a conversation (outbound). Delivery is
// the mail transport's job; the reply is stored either way.
func (db *DB) ReplyMail(ctx context.Context, actor gallra.Actor, orgID, convID int64, staff *gallra.Staff, body string, fromAddr string) (*gallra.MailMessage, error) {
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
		var to []string
		rows, err := tx.query(ctx, `SELECT p.email FROM mail_participants mp JOIN persons p ON p.id = mp.person_id WHERE mp.conversation_id = ? AND p.email <> '' ORDER BY p.id`, convID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			to = append(to, e)
		}
		rows.Close()
		sid := staff.ID
		if !strings.HasPrefix(strings.ToLower(subject), "re:") {
			subject = "Re: " + subject
		}
		msg, err = tx.insertMailMessage(ctx, orgID, channelID, convID, gallra.DirectionOut, nil, &sid,
			gallra.InboundMail{From: fromAddr, FromName: staff.Name, To: to, Subject: subject, Body: body})
		if err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "mail.replied", "mail_conversation", convID, map[string]any{"message_id": msg.ID})
	})
	return msg, err
}

const mailConvCols = `id, org_id, channel_id, subject, created_at, last_message_at, hold_reason, held_at, held_by, sensitive_kinds, status, assignee_id`

func scanMailConv(sc interface{ Scan(...any) error }) (*gallra.MailConversation, error) {
	var c gallra.MailConversation
	var created, last int64
	var reason sql.NullString
	var heldAt, heldBy sql.NullInt64
	var kinds, status string
	var assignee sql.NullInt64
	if err := sc.Scan(&c.ID, &c.OrgID, &c.ChannelID, &c.Subject, &created, &last, &reason, &heldAt, &heldBy, &kinds, &status, &assignee); err != nil {
		return nil, err
	}
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

// GetMailConversation returns a conversation with its messages (attachment
// metadata, no content) and participant person ids.
func (db *DB) GetMailConversation(ctx context.Context, orgID, id int64) (*gallra.MailConversation, error) {
	var c *gallra.MailConversation
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = scanMailConv(tx.queryRow(ctx, `SELECT `+mailConvCols+` FROM mail_conversations WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("conversation", id)
		} else if err != nil {
			return err
		}
		if c.Messages, err = tx.mailMessages(ctx, orgID, `conversation_id = ?`, id); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT person_id FROM mail_participants WHERE conversation_id = ? ORDER BY person_id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var pid int64
			if err := rows.Scan(&pid); err != nil {
				return err
			}
			c.PersonIDs = append(c.PersonIDs, pid)
		}
		return rows.Err()
	})
	return c, err
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

func (tx *Tx) mailMessages(ctx context.Context, orgID int64, cond string, arg int64) ([]gallra.MailMessage, error) {
	rows, err := tx.query(ctx, `SELECT id, org_id, conversation_id, channel_id, direction, person_id, staff_id, from_addr, from_name, to_addrs, subject, body, message_id, created_at
		FROM mail_messages WHERE org_id = ? AND `+cond+` ORDER BY created_at, id`, orgID, arg)
	if err != nil {
		return nil, fmt.Errorf("list mail messages: %w", err)
	}
	out := []gallra.MailMessage{}
	idx := map[int64]int{}
	for rows.Next() {
		var m gallra.MailMessage
		var dir, to string
		var person, staff sql.NullInt64
		var created int64
		if err := rows.Scan(&m.ID, &m.OrgID, &m.ConversationID, &m.ChannelID, &dir, &person, &staff, &m.FromAddr, &m.FromName, &to, &m.Subject, &m.Body, &m.MessageID, &created); err != nil {
			rows.Close()
			return nil, err
		}
		m.Direction, m.PersonID, m.StaffID, m.CreatedAt = gallra.Direction(dir), fromNullID(person), fromNullID(staff), fromMS(created)
		m.To = []string{}
		if to != "" {
			m.To = strings.Split(to, ",")
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
