package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// StartChat opens a chat in a chat channel with the customer's first message
// and returns it with an access secret: the customer's key to post to this
// chat (stored hashed, shown once). The input is validated by the caller
// (the chat service).
func (db *DB) StartChat(ctx context.Context, orgID int64, in gallra.NewChat) (*gallra.ChatConversation, string, error) {
	return db.startChat(ctx, orgID, in, false)
}

func (db *DB) startChat(ctx context.Context, orgID int64, in gallra.NewChat, offline bool) (*gallra.ChatConversation, string, error) {
	a := gallra.Author{Name: in.Name, Email: in.Email, IP: in.IP}
	secret, err := NewSecret()
	if err != nil {
		return nil, "", err
	}
	var c *gallra.ChatConversation
	err = db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, in.ChannelID, gallra.ModuleChat); err != nil {
			return err
		}
		pid, err := tx.UpsertPerson(ctx, orgID, a.Email, a.Name)
		if err != nil {
			return err
		}
		now := ms(tx.Now)
		id, err := tx.insert(ctx, `INSERT INTO chat_conversations (org_id, channel_id, person_id, participant_name, participant_email, participant_ip, access_hash, opened_at, last_message_at, offline)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, in.ChannelID, pid, a.Name, a.Email, a.IP, hashSecret(secret), now, now, boolInt(offline))
		if err != nil {
			return fmt.Errorf("insert chat: %w", err)
		}
		m, err := tx.insertChatMessage(ctx, orgID, id, gallra.SenderCustomer, nil, in.Message)
		if err != nil {
			return err
		}
		c = &gallra.ChatConversation{ID: id, OrgID: orgID, ChannelID: in.ChannelID, PersonID: &pid, ParticipantName: a.Name, ParticipantEmail: a.Email,
			ParticipantIP: a.IP, OpenedAt: tx.Now, LastMessageAt: tx.Now, Messages: []gallra.ChatMessage{*m}}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

func (tx *Tx) insertChatMessage(ctx context.Context, orgID, convID int64, sender gallra.ChatSender, staffID *int64, body string) (*gallra.ChatMessage, error) {
	m, _, err := tx.insertChatEvent(ctx, orgID, convID, gallra.ChatEventMessage, sender, staffID, body)
	return m, err
}

// insertChatEvent stores one line of a chat with the conversation's next
// sequence number (the UPDATE … RETURNING takes the conversation's row lock
// on PostgreSQL, so numbers have no gaps or duplicates) and, on
// PostgreSQL, queues a notification that wakes the other processes'
// readers when the transaction commits (chat_live.go).
func (tx *Tx) insertChatEvent(ctx context.Context, orgID, convID int64, kind gallra.ChatEventKind, sender gallra.ChatSender, staffID *int64, body string) (*gallra.ChatMessage, int64, error) {
	var seq int64
	last := ms(tx.Now)
	if kind != gallra.ChatEventMessage {
		// Joining and closing are not activity that keeps a chat open.
		if err := tx.queryRow(ctx, `UPDATE chat_conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`, convID).Scan(&seq); err != nil {
			return nil, 0, fmt.Errorf("next chat sequence number: %w", err)
		}
	} else if err := tx.queryRow(ctx, `UPDATE chat_conversations SET last_seq = last_seq + 1, last_message_at = ? WHERE id = ? RETURNING last_seq`, last, convID).Scan(&seq); err != nil {
		return nil, 0, fmt.Errorf("next chat sequence number: %w", err)
	}
	var id int64
	var err error
	if kind == gallra.ChatEventMessage {
		id, err = tx.insert(ctx, `INSERT INTO chat_messages (org_id, conversation_id, sender, staff_id, body, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			orgID, convID, string(sender), idArg(staffID), body, ms(tx.Now), seq)
	} else {
		body = "" // joined and closed lines carry no content
		id, err = tx.insert(ctx, `INSERT INTO chat_events (org_id, conversation_id, seq, kind, staff_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			orgID, convID, seq, string(kind), idArg(staffID), ms(tx.Now))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("insert chat %s: %w", kind, err)
	}
	if body != "" {
		if err := tx.flagSensitive(ctx, "chat_conversations", convID, body); err != nil {
			return nil, 0, err
		}
	}
	if kind == gallra.ChatEventMessage {
		channel := func() (ch int64, err error) {
			err = tx.queryRow(ctx, `SELECT channel_id FROM chat_conversations WHERE id = ?`, convID).Scan(&ch)
			return ch, err
		}
		if err := tx.indexText(ctx, orgID, EntityChatMessage, id, 0, convID, channel, body); err != nil {
			return nil, 0, err
		}
	}
	if err := tx.notifyChat(ctx, ChatNotice{Kind: "", OrgID: orgID, ChatID: convID, Seq: seq}); err != nil {
		return nil, 0, err
	}
	return &gallra.ChatMessage{ID: id, ConversationID: convID, Sender: sender, StaffID: staffID, Body: body, CreatedAt: tx.Now}, seq, nil
}

// CustomerChatMessage adds the customer's message to their open chat. The
// access secret must match the one StartChat returned; a wrong secret or a
// chat of another organisation answers ENOTFOUND alike.
func (db *DB) CustomerChatMessage(ctx context.Context, orgID, convID int64, secret, body string) (*gallra.ChatMessage, error) {
	var m *gallra.ChatMessage
	err := db.Update(ctx, func(tx *Tx) error {
		var hash string
		var closed sql.NullInt64
		err := tx.queryRow(ctx, `SELECT access_hash, closed_at FROM chat_conversations WHERE id = ? AND org_id = ?`, convID, orgID).Scan(&hash, &closed)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(secret))) != 1) {
			return notFound("chat", convID)
		} else if err != nil {
			return err
		}
		if closed.Valid {
			return gallra.Errorf(gallra.EUNPROCESS, "chat %d is closed", convID)
		}
		m, err = tx.insertChatMessage(ctx, orgID, convID, gallra.SenderCustomer, nil, body)
		return err
	})
	return m, err
}

// StaffChatMessage adds a staff member's message to an open chat.
func (db *DB) StaffChatMessage(ctx context.Context, orgID, convID, staffID int64, body string) (*gallra.ChatMessage, error) {
	var m *gallra.ChatMessage
	err := db.Update(ctx, func(tx *Tx) error {
		var closed sql.NullInt64
		err := tx.queryRow(ctx, `SELECT closed_at FROM chat_conversations WHERE id = ? AND org_id = ?`, convID, orgID).Scan(&closed)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("chat", convID)
		} else if err != nil {
			return err
		}
		if closed.Valid {
			return gallra.Errorf(gallra.EUNPROCESS, "chat %d is closed", convID)
		}
		m, err = tx.insertChatMessage(ctx, orgID, convID, gallra.SenderStaff, &staffID, body)
		return err
	})
	return m, err
}

// CloseChat closes a chat, starting its retention clock. Closing a closed
// chat changes nothing (the clock is not restarted). Audited.
func (db *DB) CloseChat(ctx context.Context, actor gallra.Actor, orgID, convID int64) (*gallra.ChatConversation, error) {
	err := db.Update(ctx, func(tx *Tx) error {
		var exists int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM chat_conversations WHERE id = ? AND org_id = ?`, convID, orgID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return notFound("chat", convID)
		}
		res, err := tx.exec(ctx, `UPDATE chat_conversations SET closed_at = ? WHERE id = ? AND org_id = ? AND closed_at IS NULL`, ms(tx.Now), convID, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, _, err := tx.insertChatEvent(ctx, orgID, convID, gallra.ChatEventClosed, gallra.SenderSystem, nil, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "chat.closed", "chat_conversation", convID, nil)
	})
	if err != nil {
		return nil, err
	}
	return db.GetChat(ctx, orgID, convID)
}

// CloseIdleChats closes every open chat (all organisations) whose last
// message is older than idle, in batches, and returns how many it closed.
// Open chats are never purged, so this is what lets abandoned chats age out.
func (db *DB) CloseIdleChats(ctx context.Context, idle time.Duration, batch int) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n := 0
		err := db.Update(ctx, func(tx *Tx) error {
			cutoff := ms(tx.Now.Add(-idle))
			rows, err := tx.query(ctx, `SELECT id, org_id FROM chat_conversations WHERE closed_at IS NULL AND last_message_at < ? ORDER BY last_message_at LIMIT ?`, cutoff, batch)
			if err != nil {
				return err
			}
			type item struct{ id, org int64 }
			var items []item
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.id, &it.org); err != nil {
					rows.Close()
					return err
				}
				items = append(items, it)
			}
			rows.Close()
			for _, it := range items {
				// The close time is the last activity plus the idle limit, not
				// "now": a chat idle for a month is as old as it really is.
				if _, err := tx.exec(ctx, `UPDATE chat_conversations SET closed_at = last_message_at + ? WHERE id = ? AND closed_at IS NULL`, idle.Milliseconds(), it.id); err != nil {
					return err
				}
				if _, _, err := tx.insertChatEvent(ctx, it.org, it.id, gallra.ChatEventClosed, gallra.SenderSystem, nil, ""); err != nil {
					return err
				}
				if err := tx.Audit(ctx, it.org, gallra.Actor{Type: gallra.ActorSystem}, "chat.auto_closed", "chat_conversation", it.id, map[string]any{"idle_hours": idle.Hours()}); err != nil {
					return err
				}
			}
			n = len(items)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("close idle chats: %w", err)
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

const chatCols = `id, org_id, channel_id, person_id, participant_name, participant_email, participant_ip, opened_at, closed_at, last_message_at, hold_reason, held_at, held_by, sensitive_kinds`

func scanChat(sc interface{ Scan(...any) error }) (*gallra.ChatConversation, error) {
	var c gallra.ChatConversation
	var person, closed, heldAt, heldBy sql.NullInt64
	var opened, last int64
	var reason sql.NullString
	var kinds string
	if err := sc.Scan(&c.ID, &c.OrgID, &c.ChannelID, &person, &c.ParticipantName, &c.ParticipantEmail, &c.ParticipantIP, &opened, &closed, &last, &reason, &heldAt, &heldBy, &kinds); err != nil {
		return nil, err
	}
	c.SensitiveKinds = splitKinds(kinds)
	c.PersonID, c.OpenedAt, c.ClosedAt, c.LastMessageAt = fromNullID(person), fromMS(opened), fromNullMS(closed), fromMS(last)
	c.Hold = holdFrom(reason, heldAt, heldBy)
	return &c, nil
}

// ListChats returns a page of a chat channel's conversations, newest first;
// status "open" or "closed" filters, "" lists all.
func (db *DB) ListChats(ctx context.Context, orgID, channelID int64, status string, p gallra.Page) ([]gallra.ChatConversation, error) {
	out := []gallra.ChatConversation{}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleChat); err != nil {
			return err
		}
		q := `SELECT ` + chatCols + ` FROM chat_conversations WHERE org_id = ? AND channel_id = ?`
		switch status {
		case "":
		case "open":
			q += ` AND closed_at IS NULL`
		case "closed":
			q += ` AND closed_at IS NOT NULL`
		default:
			return gallra.Errorf(gallra.EINVALID, "status must be open or closed")
		}
		q, args := pageQuery(q, []any{orgID, channelID}, p)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanChat(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, err
}

// GetChat returns a chat of the organisation with the first page of its
// messages (see ChatPage).
func (db *DB) GetChat(ctx context.Context, orgID, id int64) (*gallra.ChatConversation, error) {
	return db.ChatPage(ctx, orgID, id, gallra.ThreadPage{})
}

// ChatHead returns a chat of the organisation without its messages.
func (db *DB) ChatHead(ctx context.Context, orgID, id int64) (*gallra.ChatConversation, error) {
	return db.chat(ctx, orgID, id, nil)
}

// ChatPage returns a chat of the organisation with one page of its
// messages, oldest first, and the cursor of the next page
// (gallra.ThreadPage); ENOTFOUND when absent or another organisation's.
func (db *DB) ChatPage(ctx context.Context, orgID, id int64, p gallra.ThreadPage) (*gallra.ChatConversation, error) {
	return db.chat(ctx, orgID, id, &p)
}

func (db *DB) chat(ctx context.Context, orgID, id int64, p *gallra.ThreadPage) (*gallra.ChatConversation, error) {
	var c *gallra.ChatConversation
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = scanChat(tx.queryRow(ctx, `SELECT `+chatCols+` FROM chat_conversations WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("chat", id)
		} else if err != nil {
			return err
		}
		if p == nil {
			return nil
		}
		c.Messages, c.NextAfterID, err = tx.chatMessages(ctx, id, *p)
		return err
	})
	return c, err
}

// chatMessages returns a page of a chat's messages in order (never nil) and
// the cursor of the next page.
func (tx *Tx) chatMessages(ctx context.Context, convID int64, p gallra.ThreadPage) ([]gallra.ChatMessage, *int64, error) {
	q, args := threadQuery(`SELECT id, conversation_id, sender, staff_id, body, created_at FROM chat_messages WHERE conversation_id = ?`, []any{convID}, p)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list chat messages: %w", err)
	}
	out, next, err := readThread(rows, p, func(rows *sql.Rows) (gallra.ChatMessage, error) {
		var m gallra.ChatMessage
		var sender string
		var staff sql.NullInt64
		var created int64
		if err := rows.Scan(&m.ID, &m.ConversationID, &sender, &staff, &m.Body, &created); err != nil {
			return m, err
		}
		m.Sender, m.StaffID, m.CreatedAt = gallra.ChatSender(sender), fromNullID(staff), fromMS(created)
		return m, nil
	}, func(m gallra.ChatMessage) int { return len(m.Body) }, func(m gallra.ChatMessage) int64 { return m.ID })
	if err != nil {
		return nil, nil, fmt.Errorf("list chat messages: %w", err)
	}
	return out, next, nil
}

// allChatMessages returns every message of a chat in order, page by page
// (the export of a data subject's chats, which needs them all).
func (tx *Tx) allChatMessages(ctx context.Context, convID int64) ([]gallra.ChatMessage, error) {
	out := []gallra.ChatMessage{}
	p := gallra.ThreadPage{Limit: gallra.MaxThreadPage}
	for {
		page, next, err := tx.chatMessages(ctx, convID, p)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == nil {
			return out, nil
		}
		p.AfterID = *next
	}
}

// ChatByAccess returns a chat by id, without its messages, when secret is
// its customer access secret; a wrong secret answers ENOTFOUND, like an
// absent chat and a chat of an organisation that is not active.
func (db *DB) ChatByAccess(ctx context.Context, id int64, secret string) (*gallra.ChatConversation, error) {
	var orgID int64
	var hash string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT c.org_id, c.access_hash FROM chat_conversations c JOIN organisations o ON o.id = c.org_id AND o.status = 'active' WHERE c.id = ?`, id).Scan(&orgID, &hash)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(secret))) != 1) {
		return nil, notFound("chat", id)
	} else if err != nil {
		return nil, err
	}
	return db.ChatHead(ctx, orgID, id)
}
