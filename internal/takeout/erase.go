package takeout

import (
	"context"
	"fmt"
	"slices"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// eraseStep erases up to limit items in tx, adding what it did to counts,
// and returns how many items it handled (0: the step is finished).
type eraseStep func(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error)

// eraser holds one erasure's fixed inputs.
type eraser struct {
	s   *Service
	r   *gallra.SubjectRequest
	sub *subject
	// redact is the organisation's redactor (built-in kinds and its own
	// patterns), read once per erasure run.
	redact func(string) string
}

// scope is what the erasure's steps of module m look at.
func (e *eraser) scope(m gallra.Module) store.ErasureScope {
	return store.ErasureScope{OrgID: e.r.OrgID, PersonID: e.sub.personID, ChannelIDs: e.sub.byModule[m]}
}

// anonymize reports whether the request keeps forum posts readable.
func (e *eraser) anonymize() bool { return e.r.ForumAction == ForumAnonymize }

// erase deletes the person's data in the request's scope in batches. Each
// batch is one transaction that first locks the request and checks the
// worker still holds its claim (errLostClaim otherwise), then deletes and
// saves the request's running counts and refreshes the heartbeat, so
// counts are exact however often the erasure is interrupted, resumed or
// taken over. What is deleted is folded into channel_daily_stats first, as
// the retention purge does.
//
// It returns the topics and conversations under a legal hold that it had
// to leave (ids only): the request then waits on them.
func (s *Service) erase(ctx context.Context, r *gallra.SubjectRequest) ([]gallra.HeldItem, error) {
	var sub *subject
	if err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		sub, err = loadSubject(ctx, tx, r)
		return err
	}); err != nil {
		return nil, err
	}
	redact, err := s.redactors.Redactor(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	e := &eraser{s: s, r: r, sub: sub, redact: redact}
	var done int64
	for _, c := range r.Counts {
		done += c
	}
	for _, step := range []eraseStep{eraseSocial, eraseChats, eraseMail, eraseForumComments, eraseForumPosts, eraseForumTopics, erasePerson} {
		for {
			if err := alive(ctx); err != nil {
				return nil, err
			}
			var n int
			delta := map[string]int64{}
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				if cur.Status != gallra.StatusProcessing || cur.Claim != r.Claim {
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
				return nil, err
			}
			if n == 0 {
				break
			}
			done += int64(n)
			if err := s.progress(r, Progress{Phase: "erase", Done: done}); err != nil {
				return nil, err
			}
		}
	}
	// What is left is under a legal hold (Art. 17(3)(e)); report it.
	left, err := s.find(ctx, &gallra.SubjectRequest{OrgID: r.OrgID, Email: r.Email, ChannelIDs: r.ChannelIDs})
	if err != nil {
		return nil, err
	}
	if n := left.ForumPosts + left.MailMessages + left.ChatChats + left.SocialItems; n > 0 {
		r.Counts["retained_legal_hold"] = n
	} else {
		delete(r.Counts, "retained_legal_hold") // an earlier pass's, now erased
	}
	var held []gallra.HeldItem
	err = s.db.View(ctx, func(tx *store.Tx) error {
		sub, err := loadSubject(ctx, tx, r)
		if err != nil {
			return err
		}
		held, err = tx.HeldSubjectsOf(ctx, sub.scope(r.OrgID))
		return err
	})
	return held, err
}

// eraseSocial records each of the person's mirrored items in the outbox of
// deletions to carry out on the platform and removes the local copy with
// every reply under it, at any depth, deepest first — as on the platform,
// where a deleted post or comment takes its replies with it. Replies by
// others are counted (social_comments_of_others_removed); their authors'
// person records go only when nothing at all refers to them any more (no
// content, no custom fields of their own).
func eraseSocial(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	items, err := tx.ErasableSocialItems(ctx, e.scope(gallra.ModuleSocial), limit)
	if err != nil {
		return 0, err
	}
	if err := e.s.rowFault("social items", len(items)); err != nil {
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

// addErased adds what a step removed to the request's counts.
func addErased(counts map[string]int64, x store.Erased) {
	for k, v := range map[string]int64{
		"chat_conversations_deleted": x.ChatConversations, "chat_messages_deleted": x.ChatMessages,
		"mail_conversations_deleted": x.MailConversations, "mail_messages_deleted": x.MailMessages,
		"mail_attachments_deleted": x.MailAttachments, "custom_fields_deleted": x.CustomFields + x.FieldsDeleted,
		"forum_posts_anonymized": x.Anonymized, "forum_posts_deleted": x.Deleted, "forum_placeholders": x.Placeholders,
		"forum_topics_deleted": x.TopicsDeleted, "forum_topics_detached": x.TopicsDetached,
	} {
		if v != 0 {
			counts[k] += v
		}
	}
}

// eraseChats deletes the person's whole chats (not those under a legal hold).
func eraseChats(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	n, x, err := tx.EraseChats(ctx, e.scope(gallra.ModuleChat), limit)
	addErased(counts, x)
	return n, err
}

// eraseMail handles each mail conversation the person took part in: when
// only they and staff wrote in it, the whole conversation goes; otherwise
// the person's messages go, the person leaves the participants and their
// address is taken out of the remaining messages' recipients.
func eraseMail(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	n, x, err := tx.EraseMail(ctx, e.scope(gallra.ModuleMail), e.r.Email, limit)
	addErased(counts, x)
	return n, err
}

// eraseForumComments deletes (or anonymizes) the person's comments, before
// their posts: a post whose comments went may then go whole.
func eraseForumComments(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	n, x, err := tx.EraseForumPosts(ctx, e.scope(gallra.ModuleForum), gallra.PostKindComment, e.anonymize(), e.redact, limit)
	addErased(counts, x)
	return n, err
}

// eraseForumPosts deletes (or anonymizes) the person's posts by the rule
// the retention purge applies: a post that has comments, or opens a topic
// others posted in, becomes a content-free placeholder so the thread stays
// intact, and a topic it opened loses its title.
func eraseForumPosts(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	n, x, err := tx.EraseForumPosts(ctx, e.scope(gallra.ModuleForum), gallra.PostKindPost, e.anonymize(), e.redact, limit)
	addErased(counts, x)
	return n, err
}

// eraseForumTopics deletes the person's topics that have no posts left
// (with their custom fields), and detaches those others posted in (their
// title, the person's text, is replaced unless the request anonymizes, in
// which case it is redacted). A detached topic keeps its custom fields —
// the topic lives on for the others in it — but they no longer point to
// the person.
func eraseForumTopics(ctx context.Context, tx *store.Tx, e *eraser, limit int, counts map[string]int64) (int, error) {
	n, x, err := tx.EraseForumTopics(ctx, e.scope(gallra.ModuleForum), e.anonymize(), e.redact, limit)
	addErased(counts, x)
	return n, err
}

// erasePerson deletes the person record, and the custom fields on it, once
// nothing else refers to the person. It runs once (returns 0 after). Both
// are person-level data, in no channel: only an admin's request
// (PersonData) touches them.
func erasePerson(ctx context.Context, tx *store.Tx, e *eraser, _ int, counts map[string]int64) (int, error) {
	if e.sub.personID == 0 || !e.r.PersonData {
		return 0, nil
	}
	gone, fields, err := tx.ErasePerson(ctx, e.r.OrgID, e.sub.personID)
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

// scrub makes what an erasure run (or the reduction of finished requests
// to the keyed hash) deleted or overwrote leave the database files
// (store.DB.ScrubErased: on SQLite, secure_delete has zeroed it in the
// pages and a TRUNCATE checkpoint empties the WAL holding their older
// images; on PostgreSQL, VACUUM of the tables holding personal data). It
// runs after the run, outside its transactions, also when the run failed;
// not when ctx is done (shutdown, an inline time budget used up): the run
// that carries on does it. A failure is logged (with logAttrs: ids, never
// personal data), not returned: the erasure itself is done and recorded,
// and the next erasure, purge run, background checkpoint or autovacuum
// gets there.
func (s *Service) scrub(ctx context.Context, logAttrs ...any) {
	if ctx.Err() != nil {
		return
	}
	if err := s.db.ScrubErased(ctx); err != nil {
		s.log.Error("erased data may stay in the database files until the next checkpoint or vacuum", append(logAttrs, "err", err)...)
	}
}
