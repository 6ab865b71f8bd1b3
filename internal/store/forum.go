package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// CreateTopic starts a topic in a forum channel with its first post, linking
// both to the author's person record. The input is validated by the caller
// (the forum service).
func (db *DB) CreateTopic(ctx context.Context, orgID int64, in gallra.NewTopic) (*gallra.ForumTopic, error) {
	var topic *gallra.ForumTopic
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, in.ChannelID, gallra.ModuleForum); err != nil {
			return err
		}
		pid, err := tx.UpsertPerson(ctx, orgID, in.Author.Email, in.Author.Name)
		if err != nil {
			return err
		}
		now := ms(tx.Now)
		tid, err := tx.insert(ctx, `INSERT INTO forum_topics (org_id, channel_id, title, person_id, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?)`,
			orgID, in.ChannelID, in.Title, pid, now, now)
		if err != nil {
			return fmt.Errorf("insert topic: %w", err)
		}
		post, err := tx.insertPost(ctx, orgID, in.ChannelID, tid, nil, pid, in.Author, in.Body)
		if err != nil {
			return err
		}
		if err := tx.flagSensitive(ctx, "forum_topics", tid, in.Title); err != nil {
			return err
		}
		topic = &gallra.ForumTopic{ID: tid, OrgID: orgID, ChannelID: in.ChannelID, Title: in.Title, PersonID: &pid,
			CreatedAt: tx.Now, LastActivityAt: tx.Now, Posts: []gallra.ForumPost{*post}}
		return nil
	})
	return topic, err
}

// CreatePost adds a post or comment to a topic. A comment's parent must be a
// post of the same topic (comments do not nest further). The input is
// validated by the caller (the forum service).
func (db *DB) CreatePost(ctx context.Context, orgID int64, in gallra.NewPost) (*gallra.ForumPost, error) {
	var post *gallra.ForumPost
	err := db.Update(ctx, func(tx *Tx) error {
		var channelID int64
		err := tx.queryRow(ctx, `SELECT channel_id FROM forum_topics WHERE id = ? AND org_id = ?`, in.TopicID, orgID).Scan(&channelID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("topic", in.TopicID)
		} else if err != nil {
			return err
		}
		if in.ParentID != nil {
			var kind string
			var removed int
			err := tx.queryRow(ctx, `SELECT kind, removed FROM forum_posts WHERE id = ? AND topic_id = ? AND org_id = ?`, *in.ParentID, in.TopicID, orgID).Scan(&kind, &removed)
			if errors.Is(err, sql.ErrNoRows) {
				return gallra.Errorf(gallra.EINVALID, "parent_id %d is not a post of topic %d", *in.ParentID, in.TopicID)
			} else if err != nil {
				return err
			}
			if kind != string(gallra.PostKindPost) {
				return gallra.Errorf(gallra.EINVALID, "parent_id must be a post, not a comment")
			}
		}
		pid, err := tx.UpsertPerson(ctx, orgID, in.Author.Email, in.Author.Name)
		if err != nil {
			return err
		}
		post, err = tx.insertPost(ctx, orgID, channelID, in.TopicID, in.ParentID, pid, in.Author, in.Body)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE forum_topics SET last_activity_at = ? WHERE id = ?`, ms(tx.Now), in.TopicID)
		return err
	})
	return post, err
}

func (tx *Tx) insertPost(ctx context.Context, orgID, channelID, topicID int64, parentID *int64, personID int64, a gallra.Author, body string) (*gallra.ForumPost, error) {
	kind := gallra.PostKindPost
	if parentID != nil {
		kind = gallra.PostKindComment
	}
	now := ms(tx.Now)
	id, err := tx.insert(ctx, `INSERT INTO forum_posts (org_id, channel_id, topic_id, parent_id, kind, person_id, author_name, author_email, author_ip, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, channelID, topicID, idArg(parentID), string(kind), personID, a.Name, a.Email, a.IP, body, now, now)
	if err != nil {
		return nil, fmt.Errorf("insert post: %w", err)
	}
	if err := tx.flagSensitive(ctx, "forum_topics", topicID, body); err != nil {
		return nil, err
	}
	if err := tx.indexText(ctx, orgID, EntityForumPost, id, channelID, topicID, nil, body); err != nil {
		return nil, err
	}
	return &gallra.ForumPost{ID: id, OrgID: orgID, ChannelID: channelID, TopicID: topicID, ParentID: parentID, Kind: kind,
		PersonID: &personID, AuthorName: a.Name, AuthorEmail: a.Email, AuthorIP: a.IP, Body: body, CreatedAt: tx.Now, UpdatedAt: tx.Now}, nil
}

// requireModule checks that the channel belongs to the organisation and is of
// the module.
func (tx *Tx) requireModule(ctx context.Context, orgID, channelID int64, m gallra.Module) error {
	c, err := tx.getChannel(ctx, orgID, channelID)
	if err != nil {
		return err
	}
	if c.Module != m {
		return gallra.Errorf(gallra.EINVALID, "channel %d is a %s channel, not %s", channelID, c.Module, m)
	}
	return nil
}

const topicCols = `id, org_id, channel_id, title, person_id, created_at, last_activity_at, hold_reason, held_at, held_by, sensitive_kinds`

func scanTopic(sc interface{ Scan(...any) error }) (*gallra.ForumTopic, error) {
	var t gallra.ForumTopic
	var person, heldAt, heldBy sql.NullInt64
	var created, last int64
	var reason sql.NullString
	var kinds string
	if err := sc.Scan(&t.ID, &t.OrgID, &t.ChannelID, &t.Title, &person, &created, &last, &reason, &heldAt, &heldBy, &kinds); err != nil {
		return nil, err
	}
	t.SensitiveKinds = splitKinds(kinds)
	t.PersonID, t.CreatedAt, t.LastActivityAt = fromNullID(person), fromMS(created), fromMS(last)
	t.Hold = holdFrom(reason, heldAt, heldBy)
	return &t, nil
}

func holdFrom(reason sql.NullString, at, by sql.NullInt64) *gallra.LegalHold {
	if !at.Valid {
		return nil
	}
	return &gallra.LegalHold{Reason: reason.String, HeldAt: fromMS(at.Int64), HeldBy: by.Int64}
}

// ListTopics returns a page of a forum channel's topics, newest first.
func (db *DB) ListTopics(ctx context.Context, orgID, channelID int64, p gallra.Page) ([]gallra.ForumTopic, error) {
	out := []gallra.ForumTopic{}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleForum); err != nil {
			return err
		}
		q, args := pageQuery(`SELECT `+topicCols+` FROM forum_topics WHERE org_id = ? AND channel_id = ?`, []any{orgID, channelID}, p)
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("list topics: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTopic(rows)
			if err != nil {
				return err
			}
			out = append(out, *t)
		}
		return rows.Err()
	})
	return out, err
}

func pageQuery(q string, args []any, p gallra.Page) (string, []any) {
	if p.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, p.BeforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	return q, append(args, clampLimit(p.Limit, 50, 200))
}

// GetTopic returns a topic of the organisation with the first page of its
// posts and comments (see TopicPage).
func (db *DB) GetTopic(ctx context.Context, orgID, id int64) (*gallra.ForumTopic, error) {
	return db.TopicPage(ctx, orgID, id, gallra.ThreadPage{})
}

// TopicHead returns a topic of the organisation without its posts.
func (db *DB) TopicHead(ctx context.Context, orgID, id int64) (*gallra.ForumTopic, error) {
	return db.topic(ctx, orgID, id, nil)
}

// TopicPage returns a topic of the organisation with one page of its posts
// and comments, oldest first, and the cursor of the next page
// (gallra.ThreadPage); ENOTFOUND when absent or another organisation's.
func (db *DB) TopicPage(ctx context.Context, orgID, id int64, p gallra.ThreadPage) (*gallra.ForumTopic, error) {
	return db.topic(ctx, orgID, id, &p)
}

func (db *DB) topic(ctx context.Context, orgID, id int64, p *gallra.ThreadPage) (*gallra.ForumTopic, error) {
	var t *gallra.ForumTopic
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		t, err = scanTopic(tx.queryRow(ctx, `SELECT `+topicCols+` FROM forum_topics WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("topic", id)
		} else if err != nil {
			return fmt.Errorf("get topic: %w", err)
		}
		if p == nil {
			return nil
		}
		t.Posts, t.NextAfterID, err = tx.topicPosts(ctx, id, *p)
		return err
	})
	return t, err
}

const postCols = `id, org_id, channel_id, topic_id, parent_id, kind, person_id, author_name, author_email, author_ip, body, created_at, updated_at, anonymized_at, removed`

func scanPost(sc interface{ Scan(...any) error }) (*gallra.ForumPost, error) {
	var p gallra.ForumPost
	var parent, person, anon sql.NullInt64
	var kind string
	var created, updated int64
	var removed int
	if err := sc.Scan(&p.ID, &p.OrgID, &p.ChannelID, &p.TopicID, &parent, &kind, &person, &p.AuthorName, &p.AuthorEmail, &p.AuthorIP, &p.Body, &created, &updated, &anon, &removed); err != nil {
		return nil, err
	}
	p.ParentID, p.Kind, p.PersonID = fromNullID(parent), gallra.PostKind(kind), fromNullID(person)
	p.CreatedAt, p.UpdatedAt, p.AnonymizedAt, p.Removed = fromMS(created), fromMS(updated), fromNullMS(anon), removed == 1
	return &p, nil
}

func (tx *Tx) topicPosts(ctx context.Context, topicID int64, p gallra.ThreadPage) ([]gallra.ForumPost, *int64, error) {
	q, args := threadQuery(`SELECT `+postCols+` FROM forum_posts WHERE topic_id = ?`, []any{topicID}, p)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list posts: %w", err)
	}
	posts, next, err := readThread(rows, p, func(rows *sql.Rows) (gallra.ForumPost, error) {
		post, err := scanPost(rows)
		if err != nil {
			return gallra.ForumPost{}, err
		}
		return *post, nil
	}, func(post gallra.ForumPost) int { return len(post.Body) }, func(post gallra.ForumPost) int64 { return post.ID })
	if err != nil {
		return nil, nil, fmt.Errorf("list posts: %w", err)
	}
	return posts, next, nil
}

// GetPost returns one post or comment of the organisation.
func (db *DB) GetPost(ctx context.Context, orgID, id int64) (*gallra.ForumPost, error) {
	var p *gallra.ForumPost
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		p, err = scanPost(tx.queryRow(ctx, `SELECT `+postCols+` FROM forum_posts WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("post", id)
		}
		return err
	})
	return p, err
}

// EditPost replaces a post's body (staff moderation); audited. The retention
// clock still runs from the post's creation: editing never extends how long
// personal data is kept.
func (db *DB) EditPost(ctx context.Context, actor gallra.Actor, orgID, id int64, body string) (*gallra.ForumPost, error) {
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE forum_posts SET body = ?, updated_at = ? WHERE id = ? AND org_id = ? AND removed = 0`, body, ms(tx.Now), id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("post", id)
		}
		var channelID, topicID int64
		if err := tx.queryRow(ctx, `SELECT channel_id, topic_id FROM forum_posts WHERE id = ?`, id).Scan(&channelID, &topicID); err != nil {
			return err
		}
		if err := tx.reindexText(ctx, orgID, EntityForumPost, id, channelID, topicID, body); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "forum.post_edited", "forum_post", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return db.GetPost(ctx, orgID, id)
}

// TopicOrg returns the organisation of a forum topic by id alone, for the
// unauthenticated API; ENOTFOUND when absent or its organisation is not
// active (disabled or being deleted).
func (db *DB) TopicOrg(ctx context.Context, id int64) (int64, error) {
	var orgID int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT t.org_id FROM forum_topics t JOIN organisations o ON o.id = t.org_id AND o.status = 'active' WHERE t.id = ?`, id).Scan(&orgID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("topic", id)
	}
	return orgID, err
}
