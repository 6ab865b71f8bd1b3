package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// The reads of a data-subject request: finding what a person has in a
// request's scope, and the rows its export streams.
//
// In queries driven by person_id, the org_id and channel_id terms are
// written +org_id / +channel_id. The unary plus (a no-op on both engines)
// keeps the planner from scanning a whole channel through the (org_id,
// channel_id, …) indexes instead of using the person_id index, so finding a
// person's data costs the same at any database size.

// SubjectScope is what a data-subject request reaches: the rows of one
// person in the request's channels, grouped by module. A reader given a
// scope without a person, or without channels of its module, finds nothing.
type SubjectScope struct {
	OrgID    int64
	PersonID int64 // 0: no person has the address
	Channels map[gallra.Module][]int64
}

// personIn returns the "?, ?, …" list of the scope's channels of module m
// and the arguments person id, org id, channel ids; false when the scope
// reaches nothing of m.
func (s SubjectScope) personIn(m gallra.Module) (string, []any, bool) {
	ids := s.Channels[m]
	if s.PersonID == 0 || len(ids) == 0 {
		return "", nil, false
	}
	list, args := inList(ids)
	return list, append([]any{s.PersonID, s.OrgID}, args...), true
}

// ChannelsByID returns the organisation's channels among ids, in id order
// (ids of other organisations' channels, or of none, are left out).
func (tx *Tx) ChannelsByID(ctx context.Context, orgID int64, ids []int64) ([]gallra.Channel, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, args := inList(ids)
	rows, err := tx.query(ctx, `SELECT `+channelCols+` FROM channels WHERE org_id = ? AND id IN (`+list+`) ORDER BY id`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list channels by id: %w", err)
	}
	defer rows.Close()
	var out []gallra.Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("list channels by id: %w", err)
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// SubjectCounts is what a person has in a request's scope.
type SubjectCounts struct {
	ForumPosts        int64
	MailMessages      int64 // written by the person
	MailConversations int64 // the person takes part in
	ChatConversations int64
	ChatMessages      int64 // in the person's chats, by anyone
	SocialItems       int64
	CustomFields      int64 // all of the person's, whatever their subject
}

// CountSubjectData counts the person's rows in the scope through the
// person_id indexes (no channel scan). All zero without a person.
func (tx *Tx) CountSubjectData(ctx context.Context, s SubjectScope) (SubjectCounts, error) {
	var c SubjectCounts
	if s.PersonID == 0 {
		return c, nil
	}
	for _, q := range []struct {
		dst *int64
		m   gallra.Module
		q   string
	}{
		{&c.ForumPosts, gallra.ModuleForum, `SELECT COUNT(*) FROM forum_posts WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`},
		{&c.MailMessages, gallra.ModuleMail, `SELECT COUNT(*) FROM mail_messages WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`},
		{&c.MailConversations, gallra.ModuleMail, `SELECT COUNT(*) FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
			WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…)`},
		{&c.ChatConversations, gallra.ModuleChat, `SELECT COUNT(*) FROM chat_conversations WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`},
		{&c.ChatMessages, gallra.ModuleChat, `SELECT COUNT(*) FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
			WHERE c.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…)`},
		{&c.SocialItems, gallra.ModuleSocial, `SELECT COUNT(*) FROM social_items WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`},
	} {
		list, args, ok := s.personIn(q.m)
		if !ok {
			continue
		}
		if err := tx.queryRow(ctx, strings.ReplaceAll(q.q, "(…)", "("+list+")"), args...).Scan(q.dst); err != nil {
			return c, fmt.Errorf("count subject's %s data: %w", q.m, err)
		}
	}
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE person_id = ? AND +org_id = ?`, s.PersonID, s.OrgID).Scan(&c.CustomFields); err != nil {
		return c, fmt.Errorf("count subject's custom fields: %w", err)
	}
	return c, nil
}

// PersonCustomFields returns every custom field that points to the person,
// whatever its subject (an indexed lookup by person_id).
func (tx *Tx) PersonCustomFields(ctx context.Context, orgID, personID int64) ([]gallra.CustomField, error) {
	rows, err := tx.query(ctx, `SELECT `+customFieldCols+` FROM custom_fields WHERE person_id = ? AND org_id = ?`, personID, orgID)
	if err != nil {
		return nil, fmt.Errorf("list person's custom fields: %w", err)
	}
	defer rows.Close()
	var out []gallra.CustomField
	for rows.Next() {
		f, err := scanCustomField(rows)
		if err != nil {
			return nil, fmt.Errorf("list person's custom fields: %w", err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// SubjectMailConversationIDs returns the ids of the mail conversations the
// person takes part in within the scope, in id order.
func (tx *Tx) SubjectMailConversationIDs(ctx context.Context, s SubjectScope) ([]int64, error) {
	list, args, ok := s.personIn(gallra.ModuleMail)
	if !ok {
		return nil, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT c.id FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
		WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (`+list+`) ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list subject's mail conversations: %w", err)
	}
	return ids, nil
}

// SubjectChatIDs returns the ids of the person's chats within the scope,
// in id order.
func (tx *Tx) SubjectChatIDs(ctx context.Context, s SubjectScope) ([]int64, error) {
	list, args, ok := s.personIn(gallra.ModuleChat)
	if !ok {
		return nil, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM chat_conversations WHERE person_id = ? AND +org_id = ? AND +channel_id IN (`+list+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list subject's chats: %w", err)
	}
	return ids, nil
}

// SubjectPost is a forum post or comment of a data subject with the title
// of its topic.
type SubjectPost struct {
	gallra.ForumPost
	TopicTitle string
}

// EachSubjectPost streams the person's posts and comments in the scope, in
// creation order, to fn (one row in memory at a time). An error of fn ends
// the stream and is returned as it is.
func (tx *Tx) EachSubjectPost(ctx context.Context, s SubjectScope, fn func(p *SubjectPost) error) error {
	list, args, ok := s.personIn(gallra.ModuleForum)
	if !ok {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT `+qualified("p", postCols)+`, t.title FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id
		WHERE p.person_id = ? AND +p.org_id = ? AND +p.channel_id IN (`+list+`) ORDER BY p.created_at, p.id`, args...)
	if err != nil {
		return fmt.Errorf("read subject's posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var title string
		p, err := scanPost(withExtra(rows, &title))
		if err != nil {
			return fmt.Errorf("read subject's posts: %w", err)
		}
		if err := fn(&SubjectPost{ForumPost: *p, TopicTitle: title}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read subject's posts: %w", err)
	}
	return nil
}

// EachSubjectSocialItem streams the person's mirrored social items in the
// scope, in creation order, to fn. An error of fn ends the stream and is
// returned as it is.
func (tx *Tx) EachSubjectSocialItem(ctx context.Context, s SubjectScope, fn func(it *gallra.SocialItem) error) error {
	list, args, ok := s.personIn(gallra.ModuleSocial)
	if !ok {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT `+socialCols+` FROM social_items
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (`+list+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return fmt.Errorf("read subject's social items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanSocial(rows)
		if err != nil {
			return fmt.Errorf("read subject's social items: %w", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read subject's social items: %w", err)
	}
	return nil
}

// EachSubjectCustomField streams the person's custom fields in id order to
// fn: those on topics and conversations of the scope's channels, and, when
// personLevel is set, those on the person (which lie in no channel). An
// error of fn ends the stream and is returned as it is.
func (tx *Tx) EachSubjectCustomField(ctx context.Context, s SubjectScope, personLevel bool, fn func(f *gallra.CustomField) error) error {
	if s.PersonID == 0 {
		return nil
	}
	var conds []string
	if personLevel {
		conds = append(conds, `subject_type = 'person'`)
	}
	args := []any{s.PersonID, s.OrgID}
	for _, c := range []struct {
		st    gallra.SubjectType
		table string
		m     gallra.Module
	}{{gallra.SubjectForumTopic, "forum_topics", gallra.ModuleForum}, {gallra.SubjectMailConversation, "mail_conversations", gallra.ModuleMail},
		{gallra.SubjectChatConversation, "chat_conversations", gallra.ModuleChat}} {
		if ids := s.Channels[c.m]; len(ids) > 0 {
			list, a := inList(ids)
			conds = append(conds, `(subject_type = '`+string(c.st)+`' AND EXISTS (SELECT 1 FROM `+c.table+` s WHERE s.id = cf.subject_id AND s.channel_id IN (`+list+`)))`)
			args = append(args, a...)
		}
	}
	if len(conds) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT `+qualified("cf", customFieldCols)+` FROM custom_fields cf WHERE person_id = ? AND org_id = ? AND (`+
		strings.Join(conds, " OR ")+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("read subject's custom fields: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanCustomField(rows)
		if err != nil {
			return fmt.Errorf("read subject's custom fields: %w", err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read subject's custom fields: %w", err)
	}
	return nil
}

// MailThread returns a mail conversation of the organisation with all its
// messages in order and their attachments' metadata (no content), without
// its participants. ENOTFOUND when there is none.
func (tx *Tx) MailThread(ctx context.Context, orgID, id int64) (*gallra.MailConversation, error) {
	c, err := scanMailConv(tx.queryRow(ctx, `SELECT `+mailConvCols+` FROM mail_conversations WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("conversation", id)
	} else if err != nil {
		return nil, fmt.Errorf("get mail conversation %d: %w", id, err)
	}
	if c.Messages, err = tx.mailMessages(ctx, orgID, `conversation_id = ?`, id); err != nil {
		return nil, err
	}
	return c, nil
}

// ChatThread returns a chat of the organisation with all its messages in
// order. ENOTFOUND when there is none.
func (tx *Tx) ChatThread(ctx context.Context, orgID, id int64) (*gallra.ChatConversation, error) {
	c, err := scanChat(tx.queryRow(ctx, `SELECT `+chatCols+` FROM chat_conversations WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("chat", id)
	} else if err != nil {
		return nil, fmt.Errorf("get chat %d: %w", id, err)
	}
	if c.Messages, err = tx.allChatMessages(ctx, id); err != nil {
		return nil, err
	}
	return c, nil
}

// ThreadAttachment is an attachment of a mail conversation with the
// direction and person of the message that carries it.
type ThreadAttachment struct {
	ID        int64
	Filename  string
	Direction gallra.Direction
	PersonID  *int64
}

// MailThreadAttachments lists the attachments of a mail conversation in id
// order (metadata only; AttachmentContent reads one's content).
func (tx *Tx) MailThreadAttachments(ctx context.Context, orgID, convID int64) ([]ThreadAttachment, error) {
	rows, err := tx.query(ctx, `SELECT a.id, a.filename, m.direction, m.person_id FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
		WHERE m.conversation_id = ? AND a.org_id = ? ORDER BY a.id`, convID, orgID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of conversation %d: %w", convID, err)
	}
	defer rows.Close()
	var out []ThreadAttachment
	for rows.Next() {
		var a ThreadAttachment
		var dir string
		var person sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Filename, &dir, &person); err != nil {
			return nil, fmt.Errorf("list attachments of conversation %d: %w", convID, err)
		}
		a.Direction, a.PersonID = gallra.Direction(dir), fromNullID(person)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments of conversation %d: %w", convID, err)
	}
	return out, nil
}

// AttachmentContent returns the content of one attachment of the
// organisation. ENOTFOUND when there is none.
func (tx *Tx) AttachmentContent(ctx context.Context, orgID, id int64) ([]byte, error) {
	var content []byte
	err := tx.queryRow(ctx, `SELECT content FROM mail_attachments WHERE id = ? AND org_id = ?`, id, orgID).Scan(&content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("attachment", id)
	} else if err != nil {
		return nil, fmt.Errorf("read attachment %d: %w", id, err)
	}
	return content, nil
}

// qualified prefixes each column of the list cols (as written for the
// entity's scanner) with alias, for queries that join other tables.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// extraScanner scans an entity's columns followed by extra columns of the
// same row, so a join can reuse the entity's scanner.
type extraScanner struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

// withExtra returns sc scanning extra after the columns its caller asks for.
func withExtra(sc interface{ Scan(...any) error }, extra ...any) extraScanner {
	return extraScanner{sc: sc, extra: extra}
}
