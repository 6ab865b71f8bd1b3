package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// ChannelPreview is what a request would reach of a person in one channel,
// counted before anything is done: ids and counts only.
type ChannelPreview struct {
	ChannelID int64         `json:"channel_id"`
	Module    gallra.Module `json:"module"`
	// Items are the person's forum posts, mail messages, chat conversations
	// or social items in the channel.
	Items int64 `json:"items"`
	// Held are the person's items in topics or conversations under a legal
	// hold (an erasure keeps them, Art. 17(3)(e)).
	Held int64 `json:"held"`
	// Placeholders are the person's forum posts that others replied to (or
	// that open a topic others posted in): an erasure that deletes leaves a
	// content-free placeholder. Outside held topics.
	Placeholders int64 `json:"placeholders"`
	// SharedConversations are the mail conversations the person shares with
	// other customers: an erasure removes only the person's messages; an
	// export hides the other customers' addresses and attachments.
	SharedConversations int64 `json:"shared_conversations"`
	// OthersReplies are replies by others directly under the person's
	// social items: the platform deletes them with the person's item, and
	// so does the erasure of the local mirror.
	OthersReplies int64 `json:"others_replies"`
}

// previewQueries count, per channel of a module, the person's items and
// what would stay or go with them. (…) is the scope's channel list; the
// arguments are person, organisation, channels.
var previewQueries = []struct {
	m     gallra.Module
	field func(*ChannelPreview) *int64
	q     string
}{
	{gallra.ModuleForum, func(c *ChannelPreview) *int64 { return &c.Items }, `SELECT channel_id, COUNT(*) FROM forum_posts
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) GROUP BY channel_id`},
	{gallra.ModuleForum, func(c *ChannelPreview) *int64 { return &c.Held }, `SELECT p.channel_id, COUNT(*) FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id
		WHERE p.person_id = ? AND +p.org_id = ? AND +p.channel_id IN (…) AND t.held_at IS NOT NULL GROUP BY p.channel_id`},
	{gallra.ModuleForum, func(c *ChannelPreview) *int64 { return &c.Placeholders }, `SELECT p.channel_id, COUNT(*) FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id
		WHERE p.person_id = ? AND +p.org_id = ? AND +p.channel_id IN (…) AND p.kind = 'post' AND t.held_at IS NULL
		AND (EXISTS (SELECT 1 FROM forum_posts c WHERE c.parent_id = p.id AND (c.person_id IS NULL OR c.person_id <> p.person_id))
		  OR (NOT EXISTS (SELECT 1 FROM forum_posts e WHERE e.topic_id = p.topic_id AND e.id < p.id)
		      AND EXISTS (SELECT 1 FROM forum_posts o WHERE o.topic_id = p.topic_id AND (o.person_id IS NULL OR o.person_id <> p.person_id))))
		GROUP BY p.channel_id`},
	{gallra.ModuleMail, func(c *ChannelPreview) *int64 { return &c.Items }, `SELECT channel_id, COUNT(*) FROM mail_messages
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) GROUP BY channel_id`},
	{gallra.ModuleMail, func(c *ChannelPreview) *int64 { return &c.Held }, `SELECT m.channel_id, COUNT(*) FROM mail_messages m JOIN mail_conversations c ON c.id = m.conversation_id
		WHERE m.person_id = ? AND +m.org_id = ? AND +m.channel_id IN (…) AND c.held_at IS NOT NULL GROUP BY m.channel_id`},
	{gallra.ModuleMail, func(c *ChannelPreview) *int64 { return &c.SharedConversations }, `SELECT c.channel_id, COUNT(*) FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
		WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…)
		AND EXISTS (SELECT 1 FROM mail_messages o WHERE o.conversation_id = c.id AND o.person_id IS NOT NULL AND o.person_id <> mp.person_id)
		GROUP BY c.channel_id`},
	{gallra.ModuleChat, func(c *ChannelPreview) *int64 { return &c.Items }, `SELECT channel_id, COUNT(*) FROM chat_conversations
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) GROUP BY channel_id`},
	{gallra.ModuleChat, func(c *ChannelPreview) *int64 { return &c.Held }, `SELECT channel_id, COUNT(*) FROM chat_conversations
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) AND held_at IS NOT NULL GROUP BY channel_id`},
	{gallra.ModuleSocial, func(c *ChannelPreview) *int64 { return &c.Items }, `SELECT channel_id, COUNT(*) FROM social_items
		WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…) GROUP BY channel_id`},
	{gallra.ModuleSocial, func(c *ChannelPreview) *int64 { return &c.OthersReplies }, `SELECT s.channel_id, COUNT(*) FROM social_items s JOIN social_items o ON o.parent_id = s.id
		WHERE s.person_id = ? AND +s.org_id = ? AND +s.channel_id IN (…) AND (o.person_id IS NULL OR o.person_id <> s.person_id) GROUP BY s.channel_id`},
}

// PreviewSubject counts, per channel of the scope, what a request would
// reach of the person and what an erasure would have to leave (held items,
// placeholders, conversations shared with others, others' replies). Every
// channel of the scope is listed, also those where the person has nothing,
// in the scope's module order. Served by the person_id indexes.
func (tx *Tx) PreviewSubject(ctx context.Context, s SubjectScope) ([]ChannelPreview, error) {
	byID := map[int64]*ChannelPreview{}
	var out []*ChannelPreview
	for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat, gallra.ModuleSocial} {
		for _, id := range s.Channels[m] {
			if byID[id] == nil {
				byID[id] = &ChannelPreview{ChannelID: id, Module: m}
				out = append(out, byID[id])
			}
		}
	}
	for _, q := range previewQueries {
		list, args, ok := s.personIn(q.m)
		if !ok {
			continue
		}
		rows, err := tx.query(ctx, strings.ReplaceAll(q.q, "(…)", "("+list+")"), args...)
		if err != nil {
			return nil, fmt.Errorf("preview %s: %w", q.m, err)
		}
		for rows.Next() {
			var ch, n int64
			if err := rows.Scan(&ch, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("preview %s: %w", q.m, err)
			}
			if c := byID[ch]; c != nil {
				*q.field(c) = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("preview %s: %w", q.m, err)
		}
	}
	res := make([]ChannelPreview, len(out))
	for i, c := range out {
		res[i] = *c
	}
	return res, nil
}
