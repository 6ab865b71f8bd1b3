package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gallra/gallra"
)

// Live chat storage: events by sequence number, the queue, acceptance,
// agent presence, the organisation's chat settings, the visitor's own
// deletion, and PostgreSQL LISTEN/NOTIFY as the cross-process wake-up.

// ChatNotifyChannel is the PostgreSQL notification channel of chat
// wake-ups.
const ChatNotifyChannel = "gallra_chat"

// ChatNotice is one wake-up between processes: a stored event (Kind "")
// up to Seq in chat ChatID, or a passing signal (typing, seen) by Sender.
// Origin names the process that sent it, so it can ignore its own.
type ChatNotice struct {
	Origin string
	Kind   gallra.ChatEventKind
	OrgID  int64
	ChatID int64
	Seq    int64
	Sender gallra.ChatSender
}

// encode renders the notice as the NOTIFY payload (ids and kinds only,
// never content): "origin kind org chat seq sender".
func (n ChatNotice) encode() string {
	k := string(n.Kind)
	if k == "" {
		k = "-"
	}
	s := string(n.Sender)
	if s == "" {
		s = "-"
	}
	return fmt.Sprintf("%s %s %d %d %d %s", n.Origin, k, n.OrgID, n.ChatID, n.Seq, s)
}

// ParseChatNotice parses a NOTIFY payload; anything malformed is an error
// (a foreign notification on the channel is ignored by the caller).
func ParseChatNotice(s string) (ChatNotice, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return ChatNotice{}, fmt.Errorf("chat notice: %d fields, want 6", len(f))
	}
	var n ChatNotice
	var err error
	n.Origin = f[0]
	if f[1] != "-" {
		n.Kind = gallra.ChatEventKind(f[1])
	}
	nums := []*int64{&n.OrgID, &n.ChatID, &n.Seq}
	for i, p := range nums {
		if *p, err = strconv.ParseInt(f[2+i], 10, 64); err != nil {
			return ChatNotice{}, fmt.Errorf("chat notice: field %d is not a number", 3+i)
		}
	}
	if f[5] != "-" {
		n.Sender = gallra.ChatSender(f[5])
	}
	return n, nil
}

// notifyChat queues a chat notification (PostgreSQL only; delivered when
// the transaction commits), naming the origin set by WithChatOrigin.
func (tx *Tx) notifyChat(ctx context.Context, n ChatNotice) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	n.Origin = tx.db.chatOrigin
	if n.Origin == "" {
		n.Origin = "-"
	}
	if _, err := tx.exec(ctx, `SELECT pg_notify(?, ?)`, ChatNotifyChannel, n.encode()); err != nil {
		return fmt.Errorf("notify chat: %w", err)
	}
	return nil
}

// WithChatOrigin returns a handle whose chat notifications name origin (a
// random id of this process), sharing the connection pools.
func (db *DB) WithChatOrigin(origin string) *DB {
	c := *db
	c.chatOrigin = origin
	return &c
}

// NotifyChat sends a passing signal (typing, seen) to the other processes;
// on SQLite (one process) it does nothing.
func (db *DB) NotifyChat(ctx context.Context, n ChatNotice) error {
	if db.dialect != Postgres {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error { return tx.notifyChat(ctx, n) })
}

// ErrNoNotify is returned by ListenChat on an engine without LISTEN/NOTIFY;
// readers then rely on polling.
var ErrNoNotify = errors.New("chat notifications need PostgreSQL")

// ListenChat holds one PostgreSQL connection listening on the chat channel
// and calls fn with each notice until ctx ends or the connection fails
// (the caller reconnects, and catches up by polling meanwhile). ready is
// called once the LISTEN is in place.
func (db *DB) ListenChat(ctx context.Context, ready func(), fn func(ChatNotice)) error {
	if db.dialect != Postgres {
		return ErrNoNotify
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen for chat notices: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("listen for chat notices: not a pgx connection")
		}
		c := pc.Conn()
		if _, err := c.Exec(ctx, `LISTEN `+ChatNotifyChannel); err != nil {
			return fmt.Errorf("listen for chat notices: %w", err)
		}
		defer func() {
			// The connection goes back to the pool: stop listening first.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_, _ = c.Exec(uctx, `UNLISTEN `+ChatNotifyChannel)
		}()
		if ready != nil {
			ready()
		}
		for {
			nt, err := c.WaitForNotification(ctx)
			if err != nil {
				return fmt.Errorf("wait for chat notices: %w", err)
			}
			if n, err := ParseChatNotice(nt.Payload); err == nil {
				fn(n)
			}
		}
	})
}

// ChatLastSeqs returns the last sequence number of each of the chats that
// still exist (a deleted chat is absent): the polling fallback.
func (db *DB) ChatLastSeqs(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := db.View(ctx, func(tx *Tx) error {
		in, arg := tx.idIn("id", ids)
		rows, err := tx.query(ctx, `SELECT id, last_seq FROM chat_conversations WHERE `+in, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				return err
			}
			out[id] = seq
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read chat sequence numbers: %w", err)
	}
	return out, nil
}

// ChatEvents returns up to limit stored events of a chat of the
// organisation after sequence number after, in order.
func (db *DB) ChatEvents(ctx context.Context, orgID, chatID, after int64, limit int) ([]gallra.ChatEvent, error) {
	var out []gallra.ChatEvent
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.chatEvents(ctx, orgID, chatID, after, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read chat events: %w", err)
	}
	return out, nil
}

// ChatRead returns a chat's state and up to limit events after `after` in
// one read transaction (what a stream reads on every wake-up).
func (db *DB) ChatRead(ctx context.Context, orgID, chatID, after int64, limit int) (*gallra.ChatState, []gallra.ChatEvent, error) {
	var st *gallra.ChatState
	var evs []gallra.ChatEvent
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		if st, err = tx.chatState(ctx, orgID, chatID); err != nil {
			return err
		}
		evs, err = tx.chatEvents(ctx, orgID, chatID, after, limit)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read chat: %w", err)
	}
	return st, evs, nil
}

// ChatAccessOrg checks a chat's access secret and returns its
// organisation (one read); a wrong secret, a missing chat or an inactive
// organisation is ENOTFOUND alike.
func (db *DB) ChatAccessOrg(ctx context.Context, id int64, secret string) (int64, error) {
	var orgID int64
	var hash string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT c.org_id, c.access_hash FROM chat_conversations c JOIN organisations o ON o.id = c.org_id AND o.status = 'active' WHERE c.id = ?`, id).Scan(&orgID, &hash)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(secret))) != 1) {
		return 0, notFound("chat", id)
	}
	return orgID, err
}

func (tx *Tx) chatEvents(ctx context.Context, orgID, chatID, after int64, limit int) ([]gallra.ChatEvent, error) {
	out := []gallra.ChatEvent{}
	rows, err := tx.query(ctx, `SELECT e.seq, e.kind, e.sender, COALESCE(s.name, ''), e.body, e.created_at, a.id, a.filename, a.content_type, a.size, a.sha256 FROM (
			SELECT id AS mid, seq, 'message' AS kind, sender, staff_id, body, created_at FROM chat_messages WHERE conversation_id = ? AND org_id = ? AND seq > ?
			UNION ALL
			SELECT CAST(NULL AS BIGINT), seq, kind, 'system', staff_id, '', created_at FROM chat_events WHERE conversation_id = ? AND org_id = ? AND seq > ?
		) e LEFT JOIN staff s ON s.id = e.staff_id LEFT JOIN chat_attachments a ON a.message_id = e.mid ORDER BY e.seq LIMIT ?`, chatID, orgID, after, chatID, orgID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e gallra.ChatEvent
		var kind, sender string
		var at int64
		var fid, fsize sql.NullInt64
		var fname, ftype, fsum sql.NullString
		if err := rows.Scan(&e.Seq, &kind, &sender, &e.AgentName, &e.Body, &at, &fid, &fname, &ftype, &fsize, &fsum); err != nil {
			return nil, err
		}
		if fid.Valid {
			e.File = &gallra.ChatFile{ID: fid.Int64, Filename: fname.String, ContentType: ftype.String, Size: fsize.Int64, SHA256: fsum.String}
		}
		e.Kind, e.Sender, e.At = gallra.ChatEventKind(kind), gallra.ChatSender(sender), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// agentsOnlineSQL counts the active staff of the organisation with a fresh
// "online" heartbeat who may work the channel (admins, or editors who are
// members of it).
const agentsOnlineSQL = `SELECT COUNT(*) FROM chat_presence p JOIN staff s ON s.id = p.staff_id AND s.active = 1
	WHERE p.org_id = ? AND p.status = 'online' AND p.seen_at > ?
	AND (s.role = 'admin' OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.staff_id = s.id AND cm.channel_id = ?))`

// AgentsOnline counts the agents online for a channel of the organisation.
func (db *DB) AgentsOnline(ctx context.Context, orgID, channelID int64) (int, error) {
	var n int
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, agentsOnlineSQL, orgID, ms(tx.Now.Add(-gallra.AgentHeartbeatTTL)), channelID).Scan(&n)
	})
	return n, err
}

// ChatState returns a chat's state: closed, accepted, queue position (open
// unaccepted chats of its channel opened before it, plus one) and agents
// online for its channel.
func (db *DB) ChatState(ctx context.Context, orgID, chatID int64) (*gallra.ChatState, error) {
	var st *gallra.ChatState
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		st, err = tx.chatState(ctx, orgID, chatID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read chat state: %w", err)
	}
	return st, nil
}

func (tx *Tx) chatState(ctx context.Context, orgID, chatID int64) (*gallra.ChatState, error) {
	st := &gallra.ChatState{ChatID: chatID}
	var closed, accepted sql.NullInt64
	var opened int64
	err := tx.queryRow(ctx, `SELECT channel_id, last_seq, closed_at, accepted_by, opened_at FROM chat_conversations WHERE id = ? AND org_id = ?`, chatID, orgID).
		Scan(&st.ChannelID, &st.LastSeq, &closed, &accepted, &opened)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("chat", chatID)
	} else if err != nil {
		return nil, err
	}
	st.Closed, st.Accepted = closed.Valid, accepted.Valid
	if !st.Closed && !st.Accepted {
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM chat_conversations WHERE org_id = ? AND channel_id = ? AND closed_at IS NULL AND accepted_by IS NULL AND offline = 0
			AND (opened_at < ? OR (opened_at = ? AND id < ?))`, orgID, st.ChannelID, opened, opened, chatID).Scan(&st.Position); err != nil {
			return nil, err
		}
		st.Position++
	}
	if err := tx.queryRow(ctx, agentsOnlineSQL, orgID, ms(tx.Now.Add(-gallra.AgentHeartbeatTTL)), st.ChannelID).Scan(&st.Agents); err != nil {
		return nil, err
	}
	return st, nil
}

// StartOfflineChat stores a message left while no agent was online as an
// open chat flagged offline (it is not in the live queue; agents see it in
// the console's offline list). Validated by the caller.
func (db *DB) StartOfflineChat(ctx context.Context, orgID int64, in gallra.NewChat) (*gallra.ChatConversation, error) {
	c, _, err := db.startChat(ctx, orgID, in, true)
	return c, err
}

// openChatForWrite checks inside tx that the chat exists in the
// organisation and is open.
func (tx *Tx) openChatForWrite(ctx context.Context, orgID, chatID int64) (accepted sql.NullInt64, err error) {
	var closed sql.NullInt64
	q := `SELECT closed_at, accepted_by FROM chat_conversations WHERE id = ? AND org_id = ?`
	if tx.Dialect() == Postgres {
		q += ` FOR UPDATE`
	}
	err = tx.queryRow(ctx, q, chatID, orgID).Scan(&closed, &accepted)
	if errors.Is(err, sql.ErrNoRows) {
		return accepted, notFound("chat", chatID)
	} else if err != nil {
		return accepted, err
	}
	if closed.Valid {
		return accepted, gallra.Errorf(gallra.EUNPROCESS, "chat %d is closed", chatID)
	}
	return accepted, nil
}

// AddChatMessage adds a message to an open chat and returns it as an event.
// A staff message (staffID set) to a chat nobody has accepted accepts it
// for that agent first (a "joined" event). Validated and authorized by the
// caller.
func (db *DB) AddChatMessage(ctx context.Context, orgID, chatID int64, staffID *int64, body string) (*gallra.ChatEvent, error) {
	var ev *gallra.ChatEvent
	err := db.Update(ctx, func(tx *Tx) error {
		accepted, err := tx.openChatForWrite(ctx, orgID, chatID)
		if err != nil {
			return err
		}
		sender := gallra.SenderCustomer
		if staffID != nil {
			sender = gallra.SenderStaff
			if !accepted.Valid {
				if err := tx.acceptChat(ctx, orgID, chatID, *staffID); err != nil {
					return err
				}
			}
		}
		_, seq, err := tx.insertChatEvent(ctx, orgID, chatID, gallra.ChatEventMessage, sender, staffID, body)
		if err != nil {
			return err
		}
		ev = &gallra.ChatEvent{Seq: seq, Kind: gallra.ChatEventMessage, Sender: sender, Body: body, At: tx.Now}
		return nil
	})
	return ev, err
}

func (tx *Tx) acceptChat(ctx context.Context, orgID, chatID, staffID int64) error {
	if _, err := tx.exec(ctx, `UPDATE chat_conversations SET accepted_by = ?, accepted_at = ? WHERE id = ? AND org_id = ?`, staffID, ms(tx.Now), chatID, orgID); err != nil {
		return fmt.Errorf("accept chat: %w", err)
	}
	if _, _, err := tx.insertChatEvent(ctx, orgID, chatID, gallra.ChatEventJoined, gallra.SenderSystem, &staffID, ""); err != nil {
		return err
	}
	return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorStaff, ID: staffID}, "chat.accepted", "chat_conversation", chatID, nil)
}

// AcceptChat gives a waiting chat to the agent (a "joined" event, audited).
// Accepting a chat one already has changes nothing; one another agent has
// is EUNPROCESS, a closed one EUNPROCESS.
func (db *DB) AcceptChat(ctx context.Context, orgID, chatID, staffID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		accepted, err := tx.openChatForWrite(ctx, orgID, chatID)
		if err != nil {
			return err
		}
		switch {
		case accepted.Valid && accepted.Int64 == staffID:
			return nil
		case accepted.Valid:
			return gallra.Errorf(gallra.EUNPROCESS, "chat %d was accepted by another agent", chatID)
		}
		return tx.acceptChat(ctx, orgID, chatID, staffID)
	})
}

// ChatQueue lists the open chats of the given channels of the
// organisation: waiting ones (not accepted, not offline) in queue order,
// then offline messages, then accepted chats, with the first line.
func (db *DB) ChatQueue(ctx context.Context, orgID int64, channelIDs []int64, limit int) ([]gallra.ChatQueueItem, error) {
	out := []gallra.ChatQueueItem{}
	if len(channelIDs) == 0 {
		return out, nil
	}
	err := db.View(ctx, func(tx *Tx) error {
		in, arg := tx.idIn("c.channel_id", channelIDs)
		rows, err := tx.query(ctx, `SELECT c.id, c.channel_id, ch.name, c.participant_name, c.opened_at, c.last_message_at, c.accepted_by, COALESCE(s.name, ''), c.accepted_at, c.offline,
			COALESCE((SELECT m.body FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.seq LIMIT 1), '')
			FROM chat_conversations c JOIN channels ch ON ch.id = c.channel_id LEFT JOIN staff s ON s.id = c.accepted_by
			WHERE c.org_id = ? AND `+in+` AND c.closed_at IS NULL
			ORDER BY CASE WHEN c.accepted_by IS NULL AND c.offline = 0 THEN 0 WHEN c.accepted_by IS NULL THEN 1 ELSE 2 END, c.opened_at, c.id LIMIT ?`, orgID, arg, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it gallra.ChatQueueItem
			var opened, last int64
			var acc, accAt sql.NullInt64
			var offline int
			if err := rows.Scan(&it.ID, &it.ChannelID, &it.ChannelName, &it.ParticipantName, &opened, &last, &acc, &it.AcceptedName, &accAt, &offline, &it.Preview); err != nil {
				return err
			}
			it.OpenedAt, it.LastMessageAt, it.AcceptedBy, it.AcceptedAt, it.Offline = fromMS(opened), fromMS(last), fromNullID(acc), fromNullMS(accAt), offline == 1
			if r := []rune(it.Preview); len(r) > 120 {
				it.Preview = string(r[:120]) + "…"
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read chat queue: %w", err)
	}
	return out, nil
}

// ChatHeartbeat records an agent's availability now.
func (db *DB) ChatHeartbeat(ctx context.Context, orgID, staffID int64, status gallra.AgentStatus) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO chat_presence (staff_id, org_id, status, seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (staff_id) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at, org_id = excluded.org_id`, staffID, orgID, string(status), ms(tx.Now))
		if err != nil {
			return fmt.Errorf("record heartbeat: %w", err)
		}
		return nil
	})
}

// ChatSettings returns the organisation's chat settings (defaults when
// never set: no IP addresses stored).
func (db *DB) ChatSettings(ctx context.Context, orgID int64) (*gallra.ChatSettings, error) {
	var s gallra.ChatSettings
	err := db.View(ctx, func(tx *Tx) error {
		var ip int
		err := tx.queryRow(ctx, `SELECT store_ip FROM chat_settings WHERE org_id = ?`, orgID).Scan(&ip)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		s.StoreIP = ip == 1
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read chat settings: %w", err)
	}
	return &s, nil
}

// SetChatSettings changes the organisation's chat settings; audited when
// something changed.
func (db *DB) SetChatSettings(ctx context.Context, actor gallra.Actor, orgID int64, s gallra.ChatSettings) error {
	return db.Update(ctx, func(tx *Tx) error {
		var cur int
		err := tx.queryRow(ctx, `SELECT store_ip FROM chat_settings WHERE org_id = ?`, orgID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && (cur == 1) == s.StoreIP {
			return nil
		}
		if _, err := tx.exec(ctx, `INSERT INTO chat_settings (org_id, store_ip) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET store_ip = excluded.store_ip`,
			orgID, boolInt(s.StoreIP)); err != nil {
			return fmt.Errorf("save chat settings: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "chat.settings_changed", "organisation", orgID, map[string]any{"store_ip": s.StoreIP})
	})
}

// DeleteChatNow deletes one chat of the organisation at once, for good, at
// its visitor's request: folded into the daily statistics first (counted
// like a purged chat), then its fields, messages and the chat go, and its
// person when nothing else refers to them. Audited with ids and counts
// only. A chat under a legal hold is refused (EUNPROCESS); a chat already
// gone is ENOTFOUND, so a repeated request is safe.
func (db *DB) DeleteChatNow(ctx context.Context, orgID, chatID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		var held sql.NullInt64
		var person sql.NullInt64
		q := `SELECT held_at, person_id FROM chat_conversations WHERE id = ? AND org_id = ?`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE`
		}
		err := tx.queryRow(ctx, q, chatID, orgID).Scan(&held, &person)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("chat", chatID)
		} else if err != nil {
			return err
		}
		if held.Valid {
			return gallra.Errorf(gallra.EUNPROCESS, "this chat is under a legal hold and cannot be deleted now")
		}
		var msgs int64
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM chat_messages WHERE conversation_id = ?`, chatID).Scan(&msgs); err != nil {
			return err
		}
		// A chat still open is closed "now" for the statistics' duration.
		if _, err := tx.exec(ctx, `UPDATE chat_conversations SET closed_at = ? WHERE id = ? AND closed_at IS NULL`, ms(tx.Now), chatID); err != nil {
			return err
		}
		if err := tx.foldConversations(ctx, chatPurge, []int64{chatID}); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = 'chat_conversation' AND subject_id = ?`, orgID, chatID); err != nil {
			return fmt.Errorf("delete chat fields: %w", err)
		}
		for _, d := range chatPurge.deletes {
			if _, err := tx.exec(ctx, withIDs(d, "?"), chatID); err != nil {
				return fmt.Errorf("delete chat: %w", err)
			}
		}
		if person.Valid {
			if _, err := tx.deleteUnusedPersons(ctx, orgID, []int64{person.Int64}, nil); err != nil {
				return err
			}
		}
		if err := tx.notifyChat(ctx, ChatNotice{Kind: gallra.ChatEventClosed, OrgID: orgID, ChatID: chatID}); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorPublic}, "chat.deleted_by_visitor", "chat_conversation", chatID, map[string]any{"messages": msgs})
	})
}

// AuditChatExport records a chat-log export (channel, range, format; no
// content) in the organisation's audit log.
func (db *DB) AuditChatExport(ctx context.Context, actor gallra.Actor, orgID int64, f gallra.ChatLogFilter) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.Audit(ctx, orgID, actor, "chat.log_exported", "channel", f.ChannelID, map[string]any{
			"from": f.From.UTC().Format(time.RFC3339), "to": f.To.UTC().Format(time.RFC3339), "format": f.Format})
	})
}

// ChatLogBatch returns up to limit chats of the channel opened in
// [from, to) with an id above afterID, in id order, each with all its
// lines (messages and joined/closed), for the streamed export.
func (db *DB) ChatLogBatch(ctx context.Context, orgID, channelID int64, from, to time.Time, afterID int64, limit int) ([]gallra.ChatLogChat, error) {
	var out []gallra.ChatLogChat
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, opened_at, closed_at, participant_name, participant_email, offline FROM chat_conversations
			WHERE org_id = ? AND channel_id = ? AND opened_at >= ? AND opened_at < ? AND id > ? ORDER BY id LIMIT ?`,
			orgID, channelID, ms(from), ms(to), afterID, limit)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		var ids []int64
		for rows.Next() {
			var c gallra.ChatLogChat
			var opened int64
			var closed sql.NullInt64
			var offline int
			if err := rows.Scan(&c.ID, &opened, &closed, &c.ParticipantName, &c.ParticipantEmail, &offline); err != nil {
				rows.Close()
				return err
			}
			c.OpenedAt, c.ClosedAt, c.Offline, c.Lines = fromMS(opened), fromNullMS(closed), offline == 1, []gallra.ChatEvent{}
			idx[c.ID] = len(out)
			ids = append(ids, c.ID)
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		in1, a1 := tx.idIn("conversation_id", ids)
		in2, a2 := tx.idIn("conversation_id", ids)
		lines, err := tx.query(ctx, `SELECT e.conversation_id, e.seq, e.kind, e.sender, COALESCE(s.name, ''), e.body, e.created_at FROM (
				SELECT conversation_id, seq, 'message' AS kind, sender, staff_id, body, created_at FROM chat_messages WHERE `+in1+`
				UNION ALL
				SELECT conversation_id, seq, kind, 'system', staff_id, '', created_at FROM chat_events WHERE `+in2+`
			) e LEFT JOIN staff s ON s.id = e.staff_id ORDER BY e.conversation_id, e.seq`, a1, a2)
		if err != nil {
			return err
		}
		defer lines.Close()
		for lines.Next() {
			var conv, at int64
			var e gallra.ChatEvent
			var kind, sender string
			if err := lines.Scan(&conv, &e.Seq, &kind, &sender, &e.AgentName, &e.Body, &at); err != nil {
				return err
			}
			e.Kind, e.Sender, e.At = gallra.ChatEventKind(kind), gallra.ChatSender(sender), fromMS(at)
			c := &out[idx[conv]]
			c.Lines = append(c.Lines, e)
		}
		return lines.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read chat log: %w", err)
	}
	return out, nil
}

// AddChatFile adds a file as a message (its body the file name) to an open
// chat, sent by the visitor (staffID nil) or an agent. The content is
// checked and cleaned by the caller (the chat service).
func (db *DB) AddChatFile(ctx context.Context, orgID, chatID int64, staffID *int64, f gallra.ChatFile) (*gallra.ChatEvent, error) {
	var ev *gallra.ChatEvent
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.openChatForWrite(ctx, orgID, chatID); err != nil {
			return err
		}
		sender := gallra.SenderCustomer
		if staffID != nil {
			sender = gallra.SenderStaff
		}
		m, seq, err := tx.insertChatEvent(ctx, orgID, chatID, gallra.ChatEventMessage, sender, staffID, f.Filename)
		if err != nil {
			return err
		}
		if f.ID, err = tx.insert(ctx, `INSERT INTO chat_attachments (org_id, message_id, filename, content_type, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			orgID, m.ID, f.Filename, f.ContentType, f.Size, f.SHA256, f.Content); err != nil {
			return fmt.Errorf("insert chat file: %w", err)
		}
		f.Content = nil
		ev = &gallra.ChatEvent{Seq: seq, Kind: gallra.ChatEventMessage, Sender: sender, Body: f.Filename, At: tx.Now, File: &f}
		return nil
	})
	return ev, err
}

// ChatFile returns a file of a chat of the organisation with its content;
// a file of another chat is ENOTFOUND.
func (db *DB) ChatFile(ctx context.Context, orgID, chatID, fileID int64) (*gallra.ChatFile, error) {
	var f gallra.ChatFile
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT a.id, a.filename, a.content_type, a.size, a.sha256, a.content FROM chat_attachments a JOIN chat_messages m ON m.id = a.message_id
			WHERE a.id = ? AND a.org_id = ? AND m.conversation_id = ?`, fileID, orgID, chatID).Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.Content)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("file", fileID)
	}
	if err != nil {
		return nil, fmt.Errorf("read chat file: %w", err)
	}
	return &f, nil
}
