package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// The statements of a data subject's erasure (internal/takeout erases in
// batches, one transaction each, and keeps the counts). Each step picks up
// to limit of the person's items in the channels in scope, in id order, and
// removes them; an item on legal hold is never picked. Every step is
// idempotent: what it removed is no longer found, so a step interrupted and
// run again, or run by another worker, goes on where the last commit left.
//
// The person's own rows are found through the person_id index: the org_id
// and channel_id terms are written +org_id / +channel_id (a no-op on both
// engines) so that the planner does not scan a whole channel instead.

// ErasureScope is whose data an erasure step removes, and where.
type ErasureScope struct {
	OrgID, PersonID int64
	// ChannelIDs are the channels of the step's module in the request's
	// scope; none: the step finds nothing.
	ChannelIDs []int64
}

// Erased counts what one erasure step removed (forum steps: ForumRemoved).
type Erased struct {
	ForumRemoved
	ChatConversations, ChatMessages int64
	MailConversations, MailMessages int64
	MailAttachments, CustomFields   int64
}

// args returns the scope's channels as "(?, …)" for "+channel_id IN", and
// the arguments of a step's query: person, organisation, the channels and
// then extra; false when the step has nothing to look for.
func (s ErasureScope) args(extra ...any) (string, []any, bool) {
	if s.PersonID == 0 || len(s.ChannelIDs) == 0 {
		return "", nil, false
	}
	list, args := inList(s.ChannelIDs)
	return "(" + list + ")", append(append([]any{s.PersonID, s.OrgID}, args...), extra...), true
}

// ErasableSocialItems returns up to limit of the person's mirrored social
// items, comments first (an item's replies go with it: a comment taken
// first is not found again under its post).
func (tx *Tx) ErasableSocialItems(ctx context.Context, s ErasureScope, limit int) ([]int64, error) {
	list, args, ok := s.args(limit)
	if !ok {
		return nil, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM social_items WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+`
		ORDER BY CASE kind WHEN 'comment' THEN 0 ELSE 1 END, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("find social items to erase: %w", err)
	}
	return ids, nil
}

// EraseChats deletes up to limit of the person's whole chats (not those
// under a legal hold) with their messages and custom fields, after folding
// them into the daily statistics. It returns how many chats it handled (0:
// none left) and what it deleted.
func (tx *Tx) EraseChats(ctx context.Context, s ErasureScope, limit int) (int, Erased, error) {
	var e Erased
	list, args, ok := s.args(limit)
	if !ok {
		return 0, e, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM chat_conversations WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+`
		AND held_at IS NULL ORDER BY id LIMIT ?`, args...)
	if err != nil || len(ids) == 0 {
		return 0, e, annotate("find chats to erase", err)
	}
	if err := tx.foldConversations(ctx, chatPurge, ids); err != nil {
		return 0, e, err
	}
	in, arg := tx.idIn("conversation_id", ids)
	if e.ChatMessages, err = countChanged(tx.exec(ctx, `DELETE FROM chat_messages WHERE `+in+` AND org_id = ?`, arg, s.OrgID)); err != nil {
		return 0, e, fmt.Errorf("delete chat messages: %w", err)
	}
	in, arg = tx.idIn("subject_id", ids)
	if e.CustomFields, err = countChanged(tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = 'chat_conversation' AND `+in,
		s.OrgID, arg)); err != nil {
		return 0, e, fmt.Errorf("delete chat fields: %w", err)
	}
	in, arg = tx.idIn("id", ids)
	if e.ChatConversations, err = countChanged(tx.exec(ctx, `DELETE FROM chat_conversations WHERE `+in+` AND org_id = ?`, arg, s.OrgID)); err != nil {
		return 0, e, fmt.Errorf("delete chats: %w", err)
	}
	return len(ids), e, nil
}

// EraseMail handles up to limit mail conversations the person took part in
// (not those under a legal hold): when only they and staff wrote in one,
// the whole conversation goes; otherwise the person's messages (with their
// attachments) and custom fields go, the person leaves the participants
// and email (normalized) is taken out of the remaining messages'
// recipients. What is deleted is folded into the daily statistics first.
// It returns how many conversations it handled (0: none left).
func (tx *Tx) EraseMail(ctx context.Context, s ErasureScope, email string, limit int) (int, Erased, error) {
	var e Erased
	list, args, ok := s.args(limit)
	if !ok {
		return 0, e, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT c.id FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
		WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN `+list+` AND c.held_at IS NULL ORDER BY c.id LIMIT ?`, args...)
	if err != nil {
		return 0, e, fmt.Errorf("find mail to erase: %w", err)
	}
	for _, conv := range ids {
		if err := tx.eraseMailConversation(ctx, s, email, conv, &e); err != nil {
			return 0, e, err
		}
	}
	return len(ids), e, nil
}

func (tx *Tx) eraseMailConversation(ctx context.Context, s ErasureScope, email string, conv int64, e *Erased) error {
	pid, org := s.PersonID, s.OrgID
	var others int
	if err := tx.queryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM mail_participants WHERE conversation_id = ? AND person_id <> ?)
		OR EXISTS (SELECT 1 FROM mail_messages WHERE conversation_id = ? AND person_id IS NOT NULL AND person_id <> ?) THEN 1 ELSE 0 END`,
		conv, pid, conv, pid).Scan(&others); err != nil {
		return fmt.Errorf("look for others in mail conversation: %w", err)
	}
	cond, arg := `conversation_id = ? AND person_id = ?`, []any{conv, pid}
	if others == 0 {
		cond, arg = `conversation_id = ?`, []any{conv}
		if err := tx.foldConversations(ctx, mailPurge, []int64{conv}); err != nil {
			return err
		}
	} else {
		mine, err := queryIDs(ctx, tx, `SELECT id FROM mail_messages WHERE `+cond, arg...)
		if err != nil {
			return fmt.Errorf("find mail messages to erase: %w", err)
		}
		if err := tx.foldMailMessages(ctx, mine); err != nil {
			return err
		}
	}
	if others == 0 { // the conversation goes whole: its outbox rows first
		if _, err := tx.exec(ctx, `DELETE FROM mail_outbox WHERE conversation_id = ?`, conv); err != nil {
			return fmt.Errorf("delete mail outbox: %w", err)
		}
	}
	n, err := countChanged(tx.exec(ctx, `DELETE FROM mail_attachments WHERE message_id IN (SELECT id FROM mail_messages WHERE `+cond+`)`, arg...))
	if err != nil {
		return fmt.Errorf("delete mail attachments: %w", err)
	}
	e.MailAttachments += n
	if n, err = countChanged(tx.exec(ctx, `DELETE FROM mail_messages WHERE `+cond, arg...)); err != nil {
		return fmt.Errorf("delete mail messages: %w", err)
	}
	e.MailMessages += n
	if others == 0 {
		if n, err = countChanged(tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = 'mail_conversation' AND subject_id = ?`, org, conv)); err != nil {
			return fmt.Errorf("delete mail conversation fields: %w", err)
		}
		e.CustomFields += n
		if _, err := tx.exec(ctx, `DELETE FROM mail_participants WHERE conversation_id = ?`, conv); err != nil {
			return fmt.Errorf("delete mail participants: %w", err)
		}
		if _, err := tx.deleteNotes(ctx, gallra.SubjectMailConversation, []int64{conv}); err != nil {
			return err
		}
		if n, err = countChanged(tx.exec(ctx, `DELETE FROM mail_conversations WHERE id = ? AND org_id = ?`, conv, org)); err != nil {
			return fmt.Errorf("delete mail conversation: %w", err)
		}
		e.MailConversations += n
		return nil
	}
	if n, err = countChanged(tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = 'mail_conversation' AND subject_id = ? AND person_id = ?`,
		org, conv, pid)); err != nil {
		return fmt.Errorf("delete mail conversation fields: %w", err)
	}
	e.CustomFields += n
	if _, err := tx.exec(ctx, `DELETE FROM mail_participants WHERE conversation_id = ? AND person_id = ?`, conv, pid); err != nil {
		return fmt.Errorf("delete mail participant: %w", err)
	}
	if err := tx.dropOutboxRecipient(ctx, conv, email); err != nil {
		return err
	}
	if err := tx.scrubNotes(ctx, gallra.SubjectMailConversation, conv, email); err != nil {
		return err
	}
	return tx.scrubRecipients(ctx, conv, email)
}

// scrubRecipients removes the (normalized) address from the To lists of a
// conversation's remaining messages (staff replies to the person and
// others).
func (tx *Tx) scrubRecipients(ctx context.Context, conv int64, email string) error {
	if email == "" {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT id, to_addrs FROM mail_messages WHERE conversation_id = ?`, conv)
	if err != nil {
		return fmt.Errorf("read mail recipients: %w", err)
	}
	defer rows.Close()
	ids, tos := []int64{}, []string{}
	for rows.Next() {
		var id int64
		var to string
		if err := rows.Scan(&id, &to); err != nil {
			return fmt.Errorf("read mail recipients: %w", err)
		}
		if !strings.Contains(strings.ToLower(to), email) {
			continue
		}
		var keep []string
		for _, a := range strings.Split(to, ",") {
			if gallra.NormalizeEmail(a) != email {
				keep = append(keep, a)
			}
		}
		ids, tos = append(ids, id), append(tos, strings.Join(keep, ","))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read mail recipients: %w", err)
	}
	rows.Close()
	for i, id := range ids {
		if _, err := tx.exec(ctx, `UPDATE mail_messages SET to_addrs = ? WHERE id = ?`, tos[i], id); err != nil {
			return fmt.Errorf("scrub mail recipients: %w", err)
		}
	}
	return nil
}

// EraseForumPosts removes up to limit of the person's forum posts of the
// kind (comments first: nothing replies to a comment, and a post whose
// comments by the person went first may then go whole) whose topic is not
// on legal hold, by the forum removal rule the retention purge applies
// (forum_remove.go): anonymized with redact, or deleted, a content-free
// placeholder staying where others answered. A topic losing its author
// keeps its custom fields, no longer linked to the person: the topic lives
// on for the others in it. It returns how many posts it handled (0: none
// left).
func (tx *Tx) EraseForumPosts(ctx context.Context, s ErasureScope, kind gallra.PostKind, anonymize bool, redact func(string) string, limit int) (int, Erased, error) {
	var e Erased
	list, args, ok := s.args(string(kind), limit)
	if !ok {
		return 0, e, nil
	}
	// Only posts the statements below change, so that every batch makes
	// progress (removing or anonymizing a post always cuts its person link).
	live := `p.removed = 0`
	if anonymize {
		live += ` AND p.anonymized_at IS NULL`
	}
	ids, err := queryIDs(ctx, tx, `SELECT p.id FROM forum_posts p WHERE p.person_id = ? AND +p.org_id = ? AND +p.channel_id IN `+list+` AND p.kind = ?
		AND `+live+` AND NOT EXISTS (SELECT 1 FROM forum_topics t WHERE t.id = p.topic_id AND t.held_at IS NOT NULL) ORDER BY p.id LIMIT ?`, args...)
	if err != nil || len(ids) == 0 {
		return 0, e, annotate("find forum posts to erase", err)
	}
	// Their answer notifications go whatever becomes of the posts.
	if err := tx.deleteAnswerNotices(ctx, ids); err != nil {
		return 0, e, err
	}
	rule := forumRule{orgID: s.OrgID, fieldsOf: s.PersonID}
	redact = orKeep(redact)
	if anonymize && tx.Dialect() == SQLite {
		// One writer: nothing changes the rows between the selection and
		// the UPDATE.
		in, arg := tx.idIn("id", ids)
		e.ForumRemoved, err = tx.anonymizeRows(ctx, rule, tx.byID(), in+` AND org_id = ? AND anonymized_at IS NULL AND removed = 0`,
			[]any{arg, s.OrgID}, redact)
		return len(ids), e, err
	}
	posts, err := tx.erasablePosts(ctx, s.OrgID, ids, anonymize)
	if err != nil {
		return 0, e, err
	}
	// The topics locked against holds, as the purge's batches do.
	if posts, _, err = tx.keepUnheld(ctx, posts); err != nil {
		return 0, e, err
	}
	if anonymize {
		for i := range posts {
			posts[i].redacted = redact(posts[i].body)
		}
		e.ForumRemoved, err = tx.anonymizePostsPG(ctx, rule, posts, redact)
	} else {
		e.ForumRemoved, err = tx.deleteForumPosts(ctx, rule, posts)
	}
	return len(ids), e, err
}

// erasablePosts reads the live posts among ids, with their bodies and row
// versions (PostgreSQL) when they are to be anonymized.
func (tx *Tx) erasablePosts(ctx context.Context, orgID int64, ids []int64, bodies bool) ([]purgePost, error) {
	cols := `'', ''`
	if bodies {
		cols = `body, xmin::text`
	}
	in, arg := tx.idIn("id", ids)
	rows, err := tx.query(ctx, `SELECT id, topic_id, parent_id, person_id, kind, `+cols+` FROM forum_posts `+tx.byID()+`
		WHERE `+in+` AND org_id = ? AND removed = 0 ORDER BY id`, arg, orgID)
	if err != nil {
		return nil, fmt.Errorf("load posts to erase: %w", err)
	}
	defer rows.Close()
	var out []purgePost
	for rows.Next() {
		var p purgePost
		var parent, person sql.NullInt64
		if err := rows.Scan(&p.id, &p.topicID, &parent, &person, &p.kind, &p.body, &p.version); err != nil {
			return nil, fmt.Errorf("load posts to erase: %w", err)
		}
		p.parentID, p.personID = fromNullID(parent), fromNullID(person)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load posts to erase: %w", err)
	}
	return out, nil
}

// EraseForumTopics handles up to limit of the person's forum topics left
// after their posts (not those under a legal hold): a topic without posts
// is deleted with its custom fields; one others posted in is detached from
// the person, its title (the person's text) redacted when anonymizing or
// else replaced by RemovedTopicTitle, its custom fields kept but no longer
// linked to the person. It returns how many topics it handled (0: none
// left).
func (tx *Tx) EraseForumTopics(ctx context.Context, s ErasureScope, anonymize bool, redact func(string) string, limit int) (int, Erased, error) {
	var e Erased
	list, args, ok := s.args(limit)
	if !ok {
		return 0, e, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM forum_topics WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+`
		AND held_at IS NULL ORDER BY id LIMIT ?`, args...)
	if err != nil || len(ids) == 0 {
		return 0, e, annotate("find forum topics to erase", err)
	}
	in, arg := tx.idIn("topic_id", ids)
	withPosts, err := queryIDs(ctx, tx, `SELECT DISTINCT topic_id FROM forum_posts WHERE `+in, arg)
	if err != nil {
		return 0, e, fmt.Errorf("count topic posts: %w", err)
	}
	left := map[int64]bool{}
	for _, id := range withPosts {
		left[id] = true
	}
	var empty, kept []int64
	for _, id := range ids {
		if left[id] {
			kept = append(kept, id)
		} else {
			empty = append(empty, id)
		}
	}
	rule := forumRule{orgID: s.OrgID, fieldsOf: s.PersonID}
	if e.FieldsDeleted, err = tx.deleteTopics(ctx, s.OrgID, empty); err != nil {
		return 0, e, err
	}
	e.TopicsDeleted, e.TopicsDetached = int64(len(empty)), int64(len(kept))
	if !anonymize {
		_, err = tx.removeTopicTitles(ctx, rule, kept)
		return len(ids), e, err
	}
	if len(kept) == 0 {
		return len(ids), e, nil
	}
	heads, err := tx.topicHeads(ctx, kept)
	if err != nil {
		return 0, e, err
	}
	return len(ids), e, tx.anonymizeTopics(ctx, rule, heads, orKeep(redact))
}

// ErasePerson deletes the person, and the custom fields on the person,
// when nothing else refers to them any more (DeletePersonIfUnused), and
// reports whether it did and how many such fields went with them.
func (tx *Tx) ErasePerson(ctx context.Context, orgID, personID int64) (gone bool, fields int64, err error) {
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE org_id = ? AND person_id = ? AND subject_type = 'person'`,
		orgID, personID).Scan(&fields); err != nil {
		return false, 0, fmt.Errorf("count person fields: %w", err)
	}
	if gone, err = tx.DeletePersonIfUnused(ctx, orgID, personID); err != nil || !gone {
		return false, 0, err
	}
	return true, fields, nil
}

// countChanged returns the rows a statement changed.
func countChanged(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// annotate wraps err (nil stays nil) with what failed.
func annotate(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
