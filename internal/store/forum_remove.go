package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/gallra/gallra"
)

// Removing forum content: the one rule the retention purge (a channel's due
// posts, retention_purge.go) and an erasure (one person's posts, erase.go)
// both apply to the posts they picked. Each caller keeps its own way of
// picking and batching the posts; the statements that write them are these.
//
//   - Anonymize: name, e-mail and IP are overwritten (not encoded: nothing to
//     reverse), the person link is cut, personal data in the body is
//     redacted and anonymized_at is set. A topic whose first post is
//     anonymized loses its person link and has its title redacted.
//   - Delete: comments go. A post goes too, unless it still has comments or
//     opens a topic with other posts left: then it stays as a content-free
//     placeholder, so the thread stays readable, and its topic's title (the
//     author's text) becomes RemovedTopicTitle. A placeholder left with
//     neither goes, and so does a topic left without posts.
//   - A placeholder sets anonymized_at (if not set yet): that is when its
//     personal data was removed. updated_at stays: nobody edited the post,
//     and the thread must not show it as edited nor sort it as recent.
//   - The end state does not depend on how the posts were split into
//     batches, nor on whether the purge or an erasure removed them.

// RemovedTopicTitle replaces the title of a topic whose first post was
// deleted (it stays as a placeholder) while others posted in it: the title
// is the first post's author's text.
const RemovedTopicTitle = "[removed]"

// forumRule is what removing a set of forum posts does beyond the posts.
type forumRule struct {
	orgID int64
	// fieldsOf says what happens to the custom fields of a topic that
	// loses its first post's author but stays. Zero (the purge): they are
	// deleted with the author's link. A person (an erasure of that person):
	// only that person's link on them is cut; the fields stay with the
	// topic, which lives on for the others in it.
	fieldsOf int64
}

// ForumRemoved counts what removing forum posts did.
type ForumRemoved struct {
	Anonymized     int64 // posts and comments anonymized
	Deleted        int64 // posts and comments deleted
	Placeholders   int64 // posts left as content-free placeholders
	TopicsDeleted  int64 // topics deleted, left without posts
	TopicsDetached int64 // topics kept for others: person link cut, title redacted or replaced
	FieldsDeleted  int64 // custom fields deleted with topics
	// persons are those the removed posts and their topics referred to:
	// the purge deletes (or queues) the unused ones.
	persons map[int64]bool
}

// placeholderSet is the SET clause that makes posts content-free
// placeholders (the rule above).
const placeholderSet = `SET removed = 1, body = '', author_name = '', author_email = '', author_ip = '', person_id = NULL,
	anonymized_at = COALESCE(anonymized_at, ?)`

// anonymizeSet is the SET clause that anonymizes posts (the body is set by
// each statement: redacted in SQL on SQLite, from Go on PostgreSQL).
// created_at and updated_at stay: anonymizing does not restart any clock.
const anonymizeSet = `SET author_name = '', author_email = '', author_ip = '', anonymized_at = ?`

// deleteForumPosts deletes the live, unheld posts (id, topic, parent,
// person and kind read; their topics locked against holds where the engine
// needs it) by the rule above, after folding them into the daily
// statistics (same transaction: counted exactly once; a placeholder no
// longer counts as a post either). Set-based: one statement per kind of
// change.
func (tx *Tx) deleteForumPosts(ctx context.Context, r forumRule, posts []purgePost) (ForumRemoved, error) {
	c := ForumRemoved{persons: map[int64]bool{}}
	if len(posts) == 0 {
		return c, nil
	}
	topics := map[int64]bool{}
	parents := map[int64]bool{}
	var live, comments, questions []int64
	for _, p := range posts {
		live = append(live, p.id)
		if p.personID != nil {
			c.persons[*p.personID] = true
		}
		topics[p.topicID] = true
		if p.kind == string(gallra.PostKindComment) {
			comments = append(comments, p.id)
			if p.parentID != nil {
				parents[*p.parentID] = true
			}
		} else {
			questions = append(questions, p.id)
		}
	}
	heads, err := tx.topicHeads(ctx, keys(topics))
	if err != nil {
		return c, err
	}
	if err := tx.foldPosts(ctx, live); err != nil {
		return c, err
	}
	if len(comments) > 0 {
		in, arg := tx.idIn("id", comments)
		if _, err := tx.exec(ctx, `DELETE FROM forum_posts `+tx.byID()+` WHERE `+in, arg); err != nil {
			return c, fmt.Errorf("delete comments: %w", err)
		}
	}
	// Every post first becomes a placeholder; those that need not stay are
	// then deleted with the placeholders emptied of comments.
	if len(questions) > 0 {
		in, arg := tx.idIn("id", questions)
		if _, err := tx.exec(ctx, `UPDATE forum_posts `+tx.byID()+` `+placeholderSet+` WHERE `+in, ms(tx.Now), arg); err != nil {
			return c, fmt.Errorf("leave placeholders: %w", err)
		}
	}
	firsts := map[int64]bool{}
	for _, h := range heads {
		if h.firstPost != 0 {
			firsts[h.firstPost] = true
		}
	}
	var others []int64
	for _, id := range questions {
		if !firsts[id] {
			others = append(others, id)
		}
	}
	for id := range parents {
		if !firsts[id] {
			others = append(others, id)
		}
	}
	// Placeholders without comments go, except a topic's first post...
	if len(others) > 0 {
		in, arg := tx.idIn("id", others)
		if _, err := tx.exec(ctx, `DELETE FROM forum_posts `+tx.byID()+` WHERE `+in+` AND removed = 1
			AND NOT EXISTS (SELECT 1 FROM forum_posts c WHERE c.parent_id = forum_posts.id)`, arg); err != nil {
			return c, fmt.Errorf("delete empty placeholders: %w", err)
		}
	}
	// ... which goes only when nothing else is left in its topic.
	if len(firsts) > 0 {
		in, arg := tx.idIn("id", keys(firsts))
		if _, err := tx.exec(ctx, `DELETE FROM forum_posts `+tx.byID()+` WHERE `+in+` AND removed = 1
			AND NOT EXISTS (SELECT 1 FROM forum_posts c WHERE c.parent_id = forum_posts.id)
			AND NOT EXISTS (SELECT 1 FROM forum_posts o WHERE o.topic_id = forum_posts.topic_id AND o.id <> forum_posts.id)`, arg); err != nil {
			return c, fmt.Errorf("delete empty first posts: %w", err)
		}
	}
	if len(questions) > 0 {
		in, arg := tx.idIn("id", questions)
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM forum_posts `+tx.byID()+` WHERE `+in, arg).Scan(&c.Placeholders); err != nil {
			return c, fmt.Errorf("count placeholders: %w", err)
		}
	}
	c.Deleted = int64(len(live)) - c.Placeholders
	inBatch := make(map[int64]bool, len(live))
	for _, id := range live {
		inBatch[id] = true
	}
	// Topics left without posts go; those whose first post was in the batch
	// (and stays as a placeholder) lose their title, person and fields.
	inT, argT := tx.idIn("topic_id", keys2(heads))
	left := map[int64]bool{}
	withPosts, err := queryIDs(ctx, tx, `SELECT DISTINCT topic_id FROM forum_posts WHERE `+inT, argT)
	if err != nil {
		return c, fmt.Errorf("count topic posts: %w", err)
	}
	for _, id := range withPosts {
		left[id] = true
	}
	var empty, removed []int64
	for tid, h := range heads {
		if h.personID != nil {
			c.persons[*h.personID] = true
		}
		switch {
		case !left[tid]:
			empty = append(empty, tid)
		case inBatch[h.firstPost]:
			removed = append(removed, tid)
		}
	}
	if c.FieldsDeleted, err = tx.deleteTopics(ctx, r.orgID, empty); err != nil {
		return c, err
	}
	c.TopicsDeleted = int64(len(empty))
	n, err := tx.removeTopicTitles(ctx, r, removed)
	c.FieldsDeleted += n
	c.TopicsDetached = int64(len(removed))
	return c, err
}

// removeTopicTitles replaces the topics' titles by RemovedTopicTitle and
// cuts their person links, and their fields' by r's rule: done when a
// topic's first post is deleted but stays as a placeholder. It returns how
// many fields it deleted.
func (tx *Tx) removeTopicTitles(ctx context.Context, r forumRule, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `UPDATE forum_topics `+tx.byID()+` SET person_id = NULL, title = ? WHERE `+in, RemovedTopicTitle, arg); err != nil {
		return 0, fmt.Errorf("remove topic titles: %w", err)
	}
	return tx.topicFieldsOff(ctx, r, ids)
}

// topicFieldsOff applies r's rule to the custom fields of topics that lost
// their author: deleted (the count returned), or detached from the person
// erased.
func (tx *Tx) topicFieldsOff(ctx context.Context, r forumRule, ids []int64) (int64, error) {
	if r.fieldsOf == 0 {
		return tx.deleteTopicFields(ctx, r.orgID, ids)
	}
	in, arg := tx.idIn("subject_id", ids)
	if _, err := tx.exec(ctx, `UPDATE custom_fields SET person_id = NULL WHERE org_id = ? AND subject_type = 'forum_topic' AND person_id = ? AND `+in,
		r.orgID, r.fieldsOf, arg); err != nil {
		return 0, fmt.Errorf("detach topic fields: %w", err)
	}
	return 0, nil
}

// deleteTopicFields deletes the custom fields of the topics and returns
// how many; when the organisation has no topic fields at all, one index
// probe says so and the topics are not looked up one by one.
func (tx *Tx) deleteTopicFields(ctx context.Context, orgID int64, ids []int64) (int64, error) {
	var any bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_fields WHERE org_id = ? AND subject_type = 'forum_topic')`, orgID).Scan(&any); err != nil {
		return 0, fmt.Errorf("look for topic fields: %w", err)
	}
	if !any || len(ids) == 0 {
		return 0, nil
	}
	in, arg := tx.idIn("subject_id", ids)
	res, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = 'forum_topic' AND `+in, orgID, arg)
	if err != nil {
		return 0, fmt.Errorf("delete topic fields: %w", err)
	}
	return res.RowsAffected()
}

// deleteTopics folds the (empty) topics into the daily statistics and
// deletes them with their custom fields, returning how many fields went.
func (tx *Tx) deleteTopics(ctx context.Context, orgID int64, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if err := tx.foldTopics(ctx, ids); err != nil {
		return 0, err
	}
	n, err := tx.deleteTopicFields(ctx, orgID, ids)
	if err != nil {
		return 0, err
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `DELETE FROM forum_topics `+tx.byID()+` WHERE org_id = ? AND `+in, orgID, arg); err != nil {
		return 0, fmt.Errorf("delete topics: %w", err)
	}
	return n, nil
}

// anonymizePostsPG anonymizes the given live, unheld posts, read with their
// bodies (redacted) and row versions (PostgreSQL), by the forum removal
// rule, with the topics whose first post they are. Each
// row is written once: the bodies were redacted when they were read, and
// the UPDATE sets a redacted body only where the row still holds the body
// that was redacted. A row whose body the redactor left is written without
// returning its body while it is still the version that was read (xmin: any
// change to the row makes a new version with the changing transaction's
// id); otherwise its latest body is returned. Every body the UPDATEs leave
// (they see, and from then on lock, the latest version of each row) that
// differs from the one selected, because another connection edited it in
// between, is redacted afterwards.
func (tx *Tx) anonymizePostsPG(ctx context.Context, r forumRule, posts []purgePost, redact func(string) string) (ForumRemoved, error) {
	c := ForumRemoved{persons: map[int64]bool{}}
	if len(posts) == 0 {
		return c, nil
	}
	persons := c.persons
	topics := map[int64]bool{}
	want := make(map[int64]string, len(posts)) // the body each row should end with
	var plain, redactedIDs []int64
	var versions, olds, news []string
	for _, p := range posts {
		if p.personID != nil {
			persons[*p.personID] = true
		}
		topics[p.topicID] = true
		if r := p.redacted; r != p.body {
			redactedIDs, olds, news = append(redactedIDs, p.id), append(olds, p.body), append(news, r)
			want[p.id] = r
		} else {
			plain, versions = append(plain, p.id), append(versions, p.version)
			want[p.id] = p.body
		}
	}
	const set = anonymizeSet + `, person_id = NULL`
	var edited map[int64]string
	inBatch := make(map[int64]bool, len(posts)) // the posts the UPDATEs changed
	collect := func(rows *sql.Rows, err error) error {
		if err != nil {
			return fmt.Errorf("anonymize posts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var body string
			if err := rows.Scan(&id, &body); err != nil {
				return err
			}
			c.Anonymized++
			inBatch[id] = true
			if body != want[id] {
				if r := redact(body); r != body {
					if edited == nil {
						edited = map[int64]string{}
					}
					edited[id] = r
				}
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("anonymize posts: %w", err)
		}
		return nil
	}
	// Rows still in the version that was read keep the body that was read:
	// they are written without returning it. The others (edited since, or
	// anonymized or removed) are written with their latest body returned.
	// Rows with a redacted body are written with it where they still hold
	// the body that was redacted. Each kind goes in one statement, joined
	// to the ids by primary key, with hash and merge joins off for these
	// statements: knowing the arrays' length, the planner would otherwise
	// hash them against a scan of the whole due range once they are a few
	// thousand long, while index probes are what a batch of any size needs.
	// (One statement per batch rather than one per thousand rows: the
	// purge took about 8% less time at 200,000 posts, docs/retention.md.)
	restore, err := tx.indexJoinsOnly(ctx)
	if err != nil {
		return c, err
	}
	var changed []int64
	if len(plain) > 0 {
		done, err := queryIDs(ctx, tx, `UPDATE forum_posts p `+set+`
			FROM (SELECT unnest(CAST(? AS bigint[])) AS id, unnest(CAST(? AS text[])) AS v) r
			WHERE p.id = r.id AND p.xmin = CAST(r.v AS xid) AND p.anonymized_at IS NULL AND p.removed = 0 RETURNING p.id`,
			ms(tx.Now), plain, versions)
		if err != nil {
			return c, fmt.Errorf("anonymize posts: %w", err)
		}
		for _, id := range done {
			c.Anonymized++
			inBatch[id] = true
		}
		if len(done) < len(plain) {
			for _, id := range plain {
				if !inBatch[id] {
					changed = append(changed, id)
				}
			}
		}
	}
	if len(redactedIDs) > 0 {
		if err := collect(tx.query(ctx, `UPDATE forum_posts p `+set+`, body = CASE WHEN p.body = v.old THEN v.new ELSE p.body END
			FROM (SELECT unnest(CAST(? AS bigint[])) AS id, unnest(CAST(? AS text[])) AS old, unnest(CAST(? AS text[])) AS new) v
			WHERE p.id = v.id AND p.anonymized_at IS NULL AND p.removed = 0 RETURNING p.id, p.body`,
			ms(tx.Now), redactedIDs, olds, news)); err != nil {
			return c, err
		}
	}
	if err := restore(); err != nil {
		return c, err
	}
	if len(changed) > 0 {
		in, arg := tx.idIn("id", changed)
		if err := collect(tx.query(ctx, `UPDATE forum_posts `+set+` WHERE `+in+` AND anonymized_at IS NULL AND removed = 0 RETURNING id, body`, ms(tx.Now), arg)); err != nil {
			return c, err
		}
	}
	if err := tx.setTexts(ctx, "forum_posts", "body", edited); err != nil {
		return c, fmt.Errorf("redact edited post bodies: %w", err)
	}
	heads, err := tx.topicHeads(ctx, keys(topics))
	if err != nil {
		return c, err
	}
	first := map[int64]topicHead{}
	for tid, h := range heads {
		if inBatch[h.firstPost] {
			if h.personID != nil {
				persons[*h.personID] = true
			}
			first[tid] = h
		}
	}
	c.TopicsDetached = int64(len(first))
	err = tx.anonymizeTopics(ctx, r, first, redact)
	return c, err
}

// anonymizeTopics redacts the topics' titles and cuts their person links,
// and their fields' by r's rule: done when a topic's first post loses its
// author (PostgreSQL).
func (tx *Tx) anonymizeTopics(ctx context.Context, r forumRule, topics map[int64]topicHead, redact func(string) string) error {
	if len(topics) == 0 {
		return nil
	}
	ids := keys2(topics)
	if tx.Dialect() == Postgres {
		// In id order, the order in which a batch written side by side
		// locks its topics against holds (keepUnheld): two batches never
		// wait for each other's topics in a cycle.
		slices.Sort(ids)
		if _, err := tx.exec(ctx, `SELECT id FROM forum_topics WHERE id = ANY(CAST(? AS bigint[])) ORDER BY id FOR NO KEY UPDATE`, ids); err != nil {
			return fmt.Errorf("lock topics: %w", err)
		}
	}
	in, arg := tx.idIn("id", ids)
	if _, err := tx.exec(ctx, `UPDATE forum_topics SET person_id = NULL WHERE `+in, arg); err != nil {
		return fmt.Errorf("anonymize topics: %w", err)
	}
	if _, err := tx.topicFieldsOff(ctx, r, keys2(topics)); err != nil {
		return err
	}
	titles := map[int64]string{}
	for id, h := range topics {
		if t := redact(h.title); t != h.title {
			titles[id] = t
		}
	}
	if err := tx.setTexts(ctx, "forum_topics", "title", titles); err != nil {
		return fmt.Errorf("redact topic titles: %w", err)
	}
	return nil
}

// anonymizeRows anonymizes, on SQLite, the forum posts of "forum_posts
// <from> WHERE <where>" by the forum removal rule in one UPDATE, redacting
// each body as the row is rewritten and keeping each row's id, topic and
// person for the steps that follow (sqlfuncs.go), so no row is read into
// Go; then the topics whose first post it anonymized. from pins the index
// the caller's condition needs.
func (tx *Tx) anonymizeRows(ctx context.Context, r forumRule, from, where string, whereArgs []any, redact func(string) string) (ForumRemoved, error) {
	c := ForumRemoved{persons: map[int64]bool{}}
	kept := &keeper{cols: 3}
	kk, unbindK := tx.bind(kept)
	defer unbindK()
	rk, unbindR := tx.bind(redact)
	defer unbindR()
	// The person link is cut; gallra_keep keeps it for the persons' step.
	args := append([]any{ms(tx.Now), kk, rk}, whereArgs...)
	res, err := tx.exec(ctx, `UPDATE forum_posts `+from+` `+anonymizeSet+`,
			person_id = gallra_keep(?, id, topic_id, person_id), body = COALESCE(gallra_redact(?, body), body)
		WHERE `+where, args...)
	if err != nil {
		return c, fmt.Errorf("anonymize posts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return c, err
	}
	if int(n) != kept.rows() {
		return c, fmt.Errorf("anonymize posts: %d rows changed, %d kept", n, kept.rows())
	}
	c.Anonymized = n
	if n == 0 {
		return c, nil
	}
	inBatch := make(map[int64]bool, n)
	topics := map[int64]bool{}
	for i := range kept.rows() {
		inBatch[kept.at(i, 0)] = true
		topics[kept.at(i, 1)] = true
		if p := kept.at(i, 2); p != 0 {
			c.persons[p] = true
		}
	}
	c.TopicsDetached, err = tx.anonymizeFirstTopics(ctx, r, keys(topics), inBatch, rk, c.persons)
	return c, err
}

// anonymizeFirstTopics anonymizes those of the topics whose first post is in
// the batch (SQLite): the title redacted by the redactor bound to
// redactKey, the person link cut (the person added to persons) and the
// topic's custom fields dealt with by r's rule, as anonymizeTopics does.
// It returns how many topics it anonymized.
func (tx *Tx) anonymizeFirstTopics(ctx context.Context, r forumRule, topicIDs []int64, inBatch map[int64]bool, redactKey int64, persons map[int64]bool) (int64, error) {
	list, arg := tx.idRows(topicIDs)
	rows, err := tx.query(ctx, `SELECT t.id, COALESCE((SELECT p.id FROM forum_posts p WHERE p.topic_id = t.id ORDER BY p.created_at, p.id LIMIT 1), 0)
		FROM `+list+` t`, arg)
	if err != nil {
		return 0, fmt.Errorf("load first posts: %w", err)
	}
	var firsts []int64
	for rows.Next() {
		var id, first int64
		if err := rows.Scan(&id, &first); err != nil {
			rows.Close()
			return 0, err
		}
		if inBatch[first] {
			firsts = append(firsts, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("load first posts: %w", err)
	}
	if len(firsts) == 0 {
		return 0, nil
	}
	kept := &keeper{cols: 1}
	kk, unbind := tx.bind(kept)
	defer unbind()
	in, arg := tx.idIn("id", firsts)
	if _, err := tx.exec(ctx, `UPDATE forum_topics `+tx.byID()+` SET person_id = gallra_keep(?, person_id), title = COALESCE(gallra_redact(?, title), title)
		WHERE `+in, kk, redactKey, arg); err != nil {
		return 0, fmt.Errorf("anonymize topics: %w", err)
	}
	for i := range kept.rows() {
		if p := kept.at(i, 0); p != 0 {
			persons[p] = true
		}
	}
	if _, err := tx.topicFieldsOff(ctx, r, firsts); err != nil {
		return 0, err
	}
	return int64(len(firsts)), nil
}
