package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// MentionSource is one module's part of the search for mentions of a data
// subject: the items of Module in ChannelIDs not written by ExcludePerson.
type MentionSource struct {
	OrgID      int64
	Module     gallra.Module // forum, mail, chat or social
	ChannelIDs []int64
	// ExcludePerson is the data subject, whose own items (and, for mail,
	// whose conversations) are skipped; 0 skips nothing.
	ExcludePerson int64
	// OnlyWithAt keeps only bodies containing "@" (enough when only an
	// address is looked for); the same on SQLite and PostgreSQL.
	OnlyWithAt bool
	// Limit bounds the rows read (by id).
	Limit int
}

// mentionQuery returns the type of item of module m and a query of id,
// channel, parent, body of the items not by the person; "(…)" stands for
// the channel list, the arguments are org id, the channels, the person.
func mentionQuery(m gallra.Module) (typ, q string, ok bool) {
	switch m {
	case gallra.ModuleForum:
		return "forum_post", `SELECT id, channel_id, topic_id, body FROM forum_posts b
			WHERE org_id = ? AND channel_id IN (…) AND (person_id IS NULL OR person_id <> ?)`, true
	case gallra.ModuleMail:
		return "mail_message", `SELECT b.id, b.channel_id, b.conversation_id, b.body FROM mail_messages b
			WHERE b.org_id = ? AND b.channel_id IN (…) AND NOT EXISTS (SELECT 1 FROM mail_participants mp WHERE mp.conversation_id = b.conversation_id AND mp.person_id = ?)`, true
	case gallra.ModuleChat:
		return "chat_message", `SELECT b.id, c.channel_id, c.id, b.body FROM chat_messages b JOIN chat_conversations c ON c.id = b.conversation_id
			WHERE c.org_id = ? AND c.channel_id IN (…) AND (c.person_id IS NULL OR c.person_id <> ?)`, true
	case gallra.ModuleSocial:
		return "social_item", `SELECT id, channel_id, 0, body FROM social_items b
			WHERE org_id = ? AND channel_id IN (…) AND (person_id IS NULL OR person_id <> ?)`, true
	}
	return "", "", false
}

// EachMentionCandidate streams the items of src in id order, at most
// src.Limit rows, to fn with the item (Type, ID, ChannelID, ParentID set)
// and its body. No index can serve a substring search: this reads every
// item in scope, so callers bound it. An error of fn ends the stream and is
// returned as it is.
func (tx *Tx) EachMentionCandidate(ctx context.Context, src MentionSource, fn func(m gallra.Mention, body string) error) error {
	typ, mq, ok := mentionQuery(src.Module)
	if !ok {
		return gallra.Errorf(gallra.EINVALID, "no mentions are searched in %s channels", src.Module)
	}
	if len(src.ChannelIDs) == 0 {
		return nil
	}
	list, args := inList(src.ChannelIDs)
	q := strings.Replace(mq, "(…)", "("+list+")", 1)
	if src.OnlyWithAt {
		q += ` AND b.body LIKE '%@%'`
	}
	args = append(append([]any{src.OrgID}, args...), src.ExcludePerson, src.Limit)
	rows, err := tx.query(ctx, q+` ORDER BY 1 LIMIT ?`, args...)
	if err != nil {
		return fmt.Errorf("read %s items for mentions: %w", src.Module, err)
	}
	defer rows.Close()
	for rows.Next() {
		m := gallra.Mention{Type: typ}
		var body string
		var parent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.ChannelID, &parent, &body); err != nil {
			return fmt.Errorf("read %s items for mentions: %w", src.Module, err)
		}
		m.ParentID = parent.Int64
		if err := fn(m, body); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s items for mentions: %w", src.Module, err)
	}
	return nil
}
