package takeout

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// RemovedTitle replaces the title of a deleted person's forum topic that
// stays because others posted in it.
const RemovedTitle = "[removed]"

// eraseStep erases up to limit items in tx, adding what it did to counts,
// and returns how many items it handled (0: the step is finished).
type eraseStep func(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error)

// eraser holds one erasure's fixed inputs.
type eraser struct {
	s   *Service
	r   *store.SubjectRequest
	sub *subject
	// redact is the organisation's redactor, read once per erasure run.
	redact func(string) string
}

func (e *eraser) ids(m gallra.Module) (string, []any, bool) {
	ids := e.sub.byModule[m]
	if e.sub.personID == 0 || len(ids) == 0 {
		return "", nil, false
	}
	list, args := in(ids)
	return list, args, true
}

// erase deletes the person's data in the request's scope in batches. Each
// batch is one transaction that first locks the request and checks the
// worker still holds its claim (errLostClaim otherwise), then deletes and
// saves the request's running counts and refreshes the heartbeat, so
// counts are exact however often the erasure is interrupted, resumed or
// taken over. What is deleted is folded into channel_daily_stats first, as
// the retention purge does.
func (s *Service) erase(ctx context.Context, r *store.SubjectRequest) error {
	var sub *subject
	if err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		sub, err = loadSubject(ctx, tx, r)
		return err
	}); err != nil {
		return err
	}
	redact, err := s.redactors.Redactor(ctx, r.OrgID)
	if err != nil {
		return err
	}
	e := &eraser{s: s, r: r, sub: sub, redact: redact}
	var done int64
	for _, c := range r.Counts {
		done += c
	}
	for _, step := range []eraseStep{eraseSocial, eraseChats, eraseMail, eraseForumComments, eraseForumPosts, eraseForumTopics, erasePerson} {
		for {
			if err := alive(ctx); err != nil {
				return err
			}
			var n int
			delta := map[string]int64{}
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				if cur.Status != store.StatusProcessing || cur.Claim != r.Claim {
					return errLostClaim
				}
				if n, err = step(ctx, tx, e, s.cfg.BatchSize, delta); err != nil || n == 0 {
					return err
				}
				for k, v := range delta {
					if v != 0 {
						cur.Counts[k] += v
					}
				}
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				if _, err := tx.TouchSubjectRequest(ctx, r.OrgID, r.ID, r.Claim); err != nil {
					return err
				}
				r.Counts = cur.Counts
				return nil
			})
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			done += int64(n)
			if err := s.progress(r, Progress{Phase: "erase", Done: done}); err != nil {
				return err
			}
		}
	}
	// What is left is under a legal hold (Art. 17(3)(e)); report it.
	left, err := s.find(ctx, &store.SubjectRequest{OrgID: r.OrgID, Email: r.Email, ChannelIDs: r.ChannelIDs})
	if err != nil {
		return err
	}
	if n := left.ForumPosts + left.MailMessages + left.ChatChats + left.SocialItems; n > 0 {
		r.Counts["retained_legal_hold"] = n
	}
	return nil
}

func queryIDs(ctx context.Context, tx *store.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []int64
	err = eachRow(rows, "ids", func() error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// eraseSocial records each of the person's mirrored items in the outbox of
// deletions to carry out on the platform and removes the local copy with
// every reply under it, at any depth, deepest first — as on the platform,
// where a deleted post or comment takes its replies with it. Replies by
// others are counted (social_comments_of_others_removed); their authors'
// person records go only when nothing at all refers to them any more (no
// content, no custom fields of their own).
func eraseSocial(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	list, args, ok := e.ids(gallra.ModuleSocial)
	if !ok {
		return 0, nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM social_items WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+`
		ORDER BY CASE kind WHEN 'comment' THEN 0 ELSE 1 END, id LIMIT ?`, append(append([]any{e.sub.personID, e.r.OrgID}, args...), limit)...)
	if err != nil {
		return 0, err
	}
	var items []int64
	err = eachRow(rows, "social items", func() error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		items = append(items, id)
		return nil
	})
	if err != nil {
		return 0, err
	}
	authors := map[int64]bool{} // of others' replies that go with the person's items
	for _, id := range items {
		tree, err := tx.SocialTree(ctx, e.r.OrgID, id)
		if err != nil {
			return 0, err
		}
		// Empty when the item already went as a reply under another of the
		// person's items in this batch (and was counted then).
		for _, it := range tree {
			if it.PersonID == e.sub.personID {
				if err := tx.QueueSocialDeletion(ctx, e.r.OrgID, it.ChannelID, it.ExternalID, e.r.ID); err != nil {
					return 0, err
				}
				counts["social_items_deleted"]++
				counts["social_platform_deletions_queued"]++
				continue
			}
			counts["social_comments_of_others_removed"]++
			if it.PersonID != 0 {
				authors[it.PersonID] = true
			}
		}
		if _, err := tx.DeleteSocialTree(ctx, e.r.OrgID, tree); err != nil {
			return 0, err
		}
	}
	if len(authors) > 0 {
		// Social content is never purged, so nothing else would remove
		// them; a person with anything else (content, custom fields such as
		// CRM data) stays.
		ids := make([]int64, 0, len(authors))
		for p := range authors {
			ids = append(ids, p)
		}
		slices.Sort(ids)
		n, err := tx.DeletePersonsWithoutData(ctx, e.r.OrgID, ids)
		if err != nil {
			return 0, err
		}
		counts["social_comment_authors_deleted"] += n
	}
	return len(items), nil
}

// eraseChats deletes the person's whole chats (not those under a legal hold).
func eraseChats(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	list, args, ok := e.ids(gallra.ModuleChat)
	if !ok {
		return 0, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM chat_conversations WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+`
		AND held_at IS NULL ORDER BY id LIMIT ?`, append(append([]any{e.sub.personID, e.r.OrgID}, args...), limit)...)
	if err != nil {
		return 0, err
	}
	if err := tx.FoldErasedChats(ctx, ids); err != nil {
		return 0, err
	}
	for _, id := range ids {
		n, err := affected(tx.Exec(ctx, `DELETE FROM chat_messages WHERE conversation_id = ? AND org_id = ?`, id, e.r.OrgID))
		if err != nil {
			return 0, err
		}
		counts["chat_messages_deleted"] += n
		if err := deleteFields(ctx, tx, e.r.OrgID, gallra.SubjectChatConversation, id, counts); err != nil {
			return 0, err
		}
		if n, err = affected(tx.Exec(ctx, `DELETE FROM chat_conversations WHERE id = ? AND org_id = ?`, id, e.r.OrgID)); err != nil {
			return 0, err
		}
		counts["chat_conversations_deleted"] += n
	}
	return len(ids), nil
}

func deleteFields(ctx context.Context, tx *store.Tx, orgID int64, st gallra.SubjectType, id int64, counts map[string]int64) error {
	n, err := affected(tx.Exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id = ?`, orgID, string(st), id))
	counts["custom_fields_deleted"] += n
	return err
}

// eraseMail handles each mail conversation the person took part in: when
// only they and staff wrote in it, the whole conversation goes; otherwise
// the person's messages go, the person leaves the participants and their
// address is taken out of the remaining messages' recipients.
func eraseMail(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	list, args, ok := e.ids(gallra.ModuleMail)
	if !ok {
		return 0, nil
	}
	pid, org := e.sub.personID, e.r.OrgID
	ids, err := queryIDs(ctx, tx, `SELECT c.id FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
		WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN `+list+` AND c.held_at IS NULL ORDER BY c.id LIMIT ?`,
		append(append([]any{pid, org}, args...), limit)...)
	if err != nil {
		return 0, err
	}
	for _, conv := range ids {
		var others int
		if err := tx.QueryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM mail_participants WHERE conversation_id = ? AND person_id <> ?)
			OR EXISTS (SELECT 1 FROM mail_messages WHERE conversation_id = ? AND person_id IS NOT NULL AND person_id <> ?) THEN 1 ELSE 0 END`,
			conv, pid, conv, pid).Scan(&others); err != nil {
			return 0, err
		}
		cond, arg := `conversation_id = ? AND person_id = ?`, []any{conv, pid}
		if others == 0 {
			cond, arg = `conversation_id = ?`, []any{conv}
			if err := tx.FoldErasedMailConversations(ctx, []int64{conv}); err != nil {
				return 0, err
			}
		} else {
			mine, err := queryIDs(ctx, tx, `SELECT id FROM mail_messages WHERE `+cond, arg...)
			if err != nil {
				return 0, err
			}
			if err := tx.FoldErasedMailMessages(ctx, mine); err != nil {
				return 0, err
			}
		}
		var atts int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM mail_attachments WHERE message_id IN (SELECT id FROM mail_messages WHERE `+cond+`)`, arg...).Scan(&atts); err != nil {
			return 0, err
		}
		counts["mail_attachments_deleted"] += atts
		if _, err := tx.Exec(ctx, `DELETE FROM mail_attachments WHERE message_id IN (SELECT id FROM mail_messages WHERE `+cond+`)`, arg...); err != nil {
			return 0, err
		}
		n, err := affected(tx.Exec(ctx, `DELETE FROM mail_messages WHERE `+cond, arg...))
		if err != nil {
			return 0, err
		}
		counts["mail_messages_deleted"] += n
		if others == 0 {
			if err := deleteFields(ctx, tx, org, gallra.SubjectMailConversation, conv, counts); err != nil {
				return 0, err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM mail_participants WHERE conversation_id = ?`, conv); err != nil {
				return 0, err
			}
			if n, err = affected(tx.Exec(ctx, `DELETE FROM mail_conversations WHERE id = ? AND org_id = ?`, conv, org)); err != nil {
				return 0, err
			}
			counts["mail_conversations_deleted"] += n
			continue
		}
		n, err = affected(tx.Exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id = ? AND person_id = ?`,
			org, string(gallra.SubjectMailConversation), conv, pid))
		if err != nil {
			return 0, err
		}
		counts["custom_fields_deleted"] += n
		if _, err := tx.Exec(ctx, `DELETE FROM mail_participants WHERE conversation_id = ? AND person_id = ?`, conv, pid); err != nil {
			return 0, err
		}
		if err := scrubRecipients(ctx, tx, conv, e.r.Email); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// scrubRecipients removes the address from the To lists of a conversation's
// remaining messages (staff replies to the person and others).
func scrubRecipients(ctx context.Context, tx *store.Tx, conv int64, email string) error {
	if email == "" {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, to_addrs FROM mail_messages WHERE conversation_id = ?`, conv)
	if err != nil {
		return err
	}
	type upd struct {
		id int64
		to string
	}
	var ups []upd
	err = eachRow(rows, "mail recipients", func() error {
		var id int64
		var to string
		if err := rows.Scan(&id, &to); err != nil {
			return err
		}
		if !strings.Contains(strings.ToLower(to), email) {
			return nil
		}
		var keep []string
		for _, a := range strings.Split(to, ",") {
			if gallra.NormalizeEmail(a) != email {
				keep = append(keep, a)
			}
		}
		ups = append(ups, upd{id, strings.Join(keep, ",")})
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range ups {
		if _, err := tx.Exec(ctx, `UPDATE mail_messages SET to_addrs = ? WHERE id = ?`, u.to, u.id); err != nil {
			return err
		}
	}
	return nil
}

const notHeldTopic = ` AND NOT EXISTS (SELECT 1 FROM forum_topics t WHERE t.id = p.topic_id AND t.held_at IS NOT NULL)`

// anonymize removes name, e-mail and IP from a post and redacts personal
// data typed into its text; the post stays readable for others.
func (e *eraser) anonymize(ctx context.Context, tx *store.Tx, id int64, counts map[string]int64) error {
	var body string
	if err := tx.QueryRow(ctx, `SELECT body FROM forum_posts WHERE id = ?`, id).Scan(&body); err != nil {
		return err
	}
	body = e.redact(body)
	n, err := affected(tx.Exec(ctx, `UPDATE forum_posts SET author_name = '', author_email = '', author_ip = '', person_id = NULL, body = ?, anonymized_at = ?
		WHERE id = ? AND org_id = ?`, body, tx.Now.UnixMilli(), id, e.r.OrgID))
	counts["forum_posts_anonymized"] += n
	return err
}

// placeholder empties a post that others replied to, keeping its place in
// the thread.
func placeholder(ctx context.Context, tx *store.Tx, orgID, id int64, counts map[string]int64) error {
	n, err := affected(tx.Exec(ctx, `UPDATE forum_posts SET author_name = '', author_email = '', author_ip = '', person_id = NULL, body = '', removed = 1, updated_at = ?
		WHERE id = ? AND org_id = ?`, tx.Now.UnixMilli(), id, orgID))
	counts["forum_placeholders"] += n
	return err
}

func (e *eraser) forumPosts(ctx context.Context, tx *store.Tx, kind string, limit int) ([]int64, error) {
	list, args, ok := e.ids(gallra.ModuleForum)
	if !ok {
		return nil, nil
	}
	return queryIDs(ctx, tx, `SELECT p.id FROM forum_posts p WHERE p.person_id = ? AND +p.org_id = ? AND p.kind = ? AND +p.channel_id IN `+list+notHeldTopic+
		` ORDER BY p.id LIMIT ?`, append(append([]any{e.sub.personID, e.r.OrgID, kind}, args...), limit)...)
}

// eraseForumComments deletes (or anonymizes) the person's comments; nothing
// replies to a comment, so no placeholder is needed.
func eraseForumComments(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	ids, err := e.forumPosts(ctx, tx, string(gallra.PostKindComment), limit)
	if err != nil {
		return 0, err
	}
	if e.r.ForumAction != ForumAnonymize {
		if err := tx.FoldErasedPosts(ctx, ids); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		if e.r.ForumAction == ForumAnonymize {
			err = e.anonymize(ctx, tx, id, counts)
		} else {
			var n int64
			n, err = affected(tx.Exec(ctx, `DELETE FROM forum_posts WHERE id = ? AND org_id = ?`, id, e.r.OrgID))
			counts["forum_posts_deleted"] += n
		}
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// eraseForumPosts deletes (or anonymizes) the person's posts. A post that
// has comments, or opens a topic others posted in, becomes a content-free
// placeholder so the thread stays intact.
func eraseForumPosts(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	ids, err := e.forumPosts(ctx, tx, string(gallra.PostKindPost), limit)
	if err != nil {
		return 0, err
	}
	if e.r.ForumAction != ForumAnonymize {
		// Deleted posts and placeholders alike leave the post count.
		if err := tx.FoldErasedPosts(ctx, ids); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		if e.r.ForumAction == ForumAnonymize {
			if err := e.anonymize(ctx, tx, id, counts); err != nil {
				return 0, err
			}
			continue
		}
		var keep int
		if err := tx.QueryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM forum_posts WHERE parent_id = ?)
			OR (p.id = (SELECT MIN(id) FROM forum_posts WHERE topic_id = p.topic_id) AND EXISTS (SELECT 1 FROM forum_posts o WHERE o.topic_id = p.topic_id AND o.id <> p.id))
			THEN 1 ELSE 0 END FROM forum_posts p WHERE p.id = ?`, id, id).Scan(&keep); err != nil {
			return 0, err
		}
		if keep == 1 {
			err = placeholder(ctx, tx, e.r.OrgID, id, counts)
		} else {
			var n int64
			n, err = affected(tx.Exec(ctx, `DELETE FROM forum_posts WHERE id = ? AND org_id = ?`, id, e.r.OrgID))
			counts["forum_posts_deleted"] += n
		}
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// eraseForumTopics deletes the person's topics that have no posts left
// (with their custom fields), and detaches those others posted in (their
// title, the person's text, is replaced unless the request anonymizes, in
// which case it is redacted). A detached topic keeps its custom fields —
// the topic lives on for the others in it — but they no longer point to
// the person.
func eraseForumTopics(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	list, args, ok := e.ids(gallra.ModuleForum)
	if !ok {
		return 0, nil
	}
	ids, err := queryIDs(ctx, tx, `SELECT id FROM forum_topics WHERE person_id = ? AND +org_id = ? AND +channel_id IN `+list+` AND held_at IS NULL ORDER BY id LIMIT ?`,
		append(append([]any{e.sub.personID, e.r.OrgID}, args...), limit)...)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		var left int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM forum_posts WHERE topic_id = ?`, id).Scan(&left); err != nil {
			return 0, err
		}
		if left == 0 {
			if err := deleteFields(ctx, tx, e.r.OrgID, gallra.SubjectForumTopic, id, counts); err != nil {
				return 0, err
			}
			if err := tx.FoldErasedTopics(ctx, []int64{id}); err != nil {
				return 0, err
			}
			n, err := affected(tx.Exec(ctx, `DELETE FROM forum_topics WHERE id = ? AND org_id = ?`, id, e.r.OrgID))
			if err != nil {
				return 0, err
			}
			counts["forum_topics_deleted"] += n
			continue
		}
		var title string
		if err := tx.QueryRow(ctx, `SELECT title FROM forum_topics WHERE id = ?`, id).Scan(&title); err != nil {
			return 0, err
		}
		if e.r.ForumAction == ForumAnonymize {
			title = e.redact(title)
		} else {
			title = RemovedTitle
		}
		if _, err := tx.Exec(ctx, `UPDATE forum_topics SET person_id = NULL, title = ? WHERE id = ? AND org_id = ?`, title, id, e.r.OrgID); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE custom_fields SET person_id = NULL WHERE org_id = ? AND subject_type = ? AND subject_id = ? AND person_id = ?`,
			e.r.OrgID, string(gallra.SubjectForumTopic), id, e.sub.personID); err != nil {
			return 0, err
		}
		counts["forum_topics_detached"]++
	}
	return len(ids), nil
}

// erasePerson deletes the person record, and the custom fields on it, once
// nothing else refers to the person. It runs once (returns 0 after). Both
// are person-level data, in no channel: only an admin's request
// (PersonData) touches them.
func erasePerson(ctx context.Context, tx *store.Tx, e *eraser, _ int, counts map[string]int64) (int, error) {
	if e.sub.personID == 0 || !e.r.PersonData {
		return 0, nil
	}
	var fields int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE org_id = ? AND person_id = ? AND subject_type = 'person'`, e.r.OrgID, e.sub.personID).Scan(&fields); err != nil {
		return 0, err
	}
	gone, err := tx.DeletePersonIfUnused(ctx, e.r.OrgID, e.sub.personID)
	if err != nil {
		return 0, fmt.Errorf("delete person: %w", err)
	}
	if !gone {
		return 0, nil
	}
	counts["person_deleted"]++
	counts["custom_fields_deleted"] += fields
	e.sub.personID = 0
	return 1, nil
}
