package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// The public site's storage: settings, the topics and posts visitors see,
// writes with their moderation state, staff answers and moderation, public
// data-subject requests. Validation and spam rules live in the site service.

const siteSettingsCols = `s.org_id, s.slug, s.host, s.ip_storage, s.moderate_first`

func scanSiteSettings(sc interface{ Scan(...any) error }) (*gallra.SiteSettings, error) {
	var s gallra.SiteSettings
	var ip string
	var mod int
	if err := sc.Scan(&s.OrgID, &s.Slug, &s.Host, &ip, &mod); err != nil {
		return nil, err
	}
	s.IPStorage, s.ModerateFirst = gallra.IPStorage(ip), mod == 1
	return &s, nil
}

// SiteSettings returns an organisation's site settings; ENOTFOUND when it
// has never published a site.
func (db *DB) SiteSettings(ctx context.Context, orgID int64) (*gallra.SiteSettings, error) {
	var s *gallra.SiteSettings
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		s, err = scanSiteSettings(tx.queryRow(ctx, `SELECT `+siteSettingsCols+` FROM site_settings s WHERE s.org_id = ?`, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("site of organisation", orgID)
		}
		return err
	})
	return s, err
}

// SaveSiteSettings creates or replaces an organisation's site settings,
// validated by the caller; a slug or host another organisation has is
// ECONFLICT. Audited with the settings (no personal data in them).
func (db *DB) SaveSiteSettings(ctx context.Context, actor gallra.Actor, s gallra.SiteSettings) error {
	return db.Update(ctx, func(tx *Tx) error {
		var other int64
		err := tx.queryRow(ctx, `SELECT org_id FROM site_settings WHERE org_id <> ? AND (slug = ? OR (host = ? AND host <> ''))`, s.OrgID, s.Slug, s.Host).Scan(&other)
		if err == nil {
			return gallra.Errorf(gallra.ECONFLICT, "another organisation's site has this slug or host name")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		mod := 0
		if s.ModerateFirst {
			mod = 1
		}
		res, err := tx.exec(ctx, `UPDATE site_settings SET slug = ?, host = ?, ip_storage = ?, moderate_first = ?, updated_at = ? WHERE org_id = ?`,
			s.Slug, s.Host, string(s.IPStorage), mod, ms(tx.Now), s.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO site_settings (org_id, slug, host, ip_storage, moderate_first, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				s.OrgID, s.Slug, s.Host, string(s.IPStorage), mod, ms(tx.Now)); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, s.OrgID, actor, "site.settings_changed", "organisation", s.OrgID,
			map[string]any{"slug": s.Slug, "host": s.Host, "ip_storage": string(s.IPStorage), "moderate_first": s.ModerateFirst})
	})
}

// SiteBy returns the site settings with the slug (byHost false) or host
// name (byHost true) of an active organisation, with the organisation and
// its forum and knowledge channels; ENOTFOUND otherwise.
func (db *DB) SiteBy(ctx context.Context, key string, byHost bool) (*gallra.Site, error) {
	col := "slug"
	if byHost {
		col = "host"
	}
	var site gallra.Site
	err := db.View(ctx, func(tx *Tx) error {
		var created int64
		row := tx.queryRow(ctx, `SELECT `+siteSettingsCols+`, o.name, o.language, o.created_at FROM site_settings s
			JOIN organisations o ON o.id = s.org_id AND o.status = 'active' WHERE s.`+col+` = ? AND s.`+col+` <> ''`, key)
		var s gallra.SiteSettings
		var ip string
		var mod int
		err := row.Scan(&s.OrgID, &s.Slug, &s.Host, &ip, &mod, &site.Org.Name, &site.Org.Language, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return gallra.Errorf(gallra.ENOTFOUND, "no site here")
		} else if err != nil {
			return fmt.Errorf("find site: %w", err)
		}
		s.IPStorage, s.ModerateFirst = gallra.IPStorage(ip), mod == 1
		site.Settings, site.Org.ID, site.Org.CreatedAt = s, s.OrgID, fromMS(created)
		rows, err := tx.query(ctx, `SELECT `+channelCols+` FROM channels WHERE org_id = ? AND module IN ('forum', 'knowledge') ORDER BY id`, s.OrgID)
		if err != nil {
			return fmt.Errorf("site channels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanChannel(rows)
			if err != nil {
				return err
			}
			site.Channels = append(site.Channels, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return &site, nil
}

const siteTopicCols = `t.id, t.org_id, t.channel_id, t.title, t.status, t.answered_post_id, t.created_at, t.last_activity_at,
	(SELECT COUNT(*) FROM forum_posts p WHERE p.topic_id = t.id AND p.status = 'visible')`

func scanSiteTopic(sc interface{ Scan(...any) error }) (*gallra.SiteTopic, error) {
	var t gallra.SiteTopic
	var answered sql.NullInt64
	var created, last int64
	if err := sc.Scan(&t.ID, &t.OrgID, &t.ChannelID, &t.Title, &t.Status, &answered, &created, &last, &t.Posts); err != nil {
		return nil, err
	}
	t.AnsweredPostID, t.CreatedAt, t.LastActivityAt = fromNullID(answered), fromMS(created), fromMS(last)
	return &t, nil
}

// SiteTopics returns a page of a channel's visible topics, newest first,
// with id < beforeID when beforeID > 0, filtered by sort.
func (db *DB) SiteTopics(ctx context.Context, orgID, channelID int64, sort gallra.TopicSort, beforeID int64, limit int) ([]gallra.SiteTopic, error) {
	q := `SELECT ` + siteTopicCols + ` FROM forum_topics t WHERE t.channel_id = ? AND t.org_id = ? AND t.status = 'visible'`
	args := []any{channelID, orgID}
	switch sort {
	case gallra.SortAnswered:
		q += ` AND t.answered_post_id IS NOT NULL`
	case gallra.SortUnanswered:
		q += ` AND t.answered_post_id IS NULL`
	}
	if beforeID > 0 {
		q += ` AND t.id < ?`
		args = append(args, beforeID)
	}
	q += ` ORDER BY t.id DESC LIMIT ?`
	args = append(args, clampLimit(limit, 20, 100))
	out := []gallra.SiteTopic{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("list site topics: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanSiteTopic(rows)
			if err != nil {
				return err
			}
			out = append(out, *t)
		}
		return rows.Err()
	})
	return out, err
}

// SiteTopicsForSitemap returns the ids, channels and last activity of an
// organisation's visible topics, newest first, at most limit.
func (db *DB) SiteTopicsForSitemap(ctx context.Context, orgID int64, limit int) ([]gallra.SiteTopic, error) {
	out := []gallra.SiteTopic{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, channel_id, title, last_activity_at FROM forum_topics WHERE org_id = ? AND status = 'visible' ORDER BY id DESC LIMIT ?`, orgID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t gallra.SiteTopic
			var last int64
			if err := rows.Scan(&t.ID, &t.ChannelID, &t.Title, &last); err != nil {
				return err
			}
			t.LastActivityAt = fromMS(last)
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

const sitePostCols = `id, topic_id, parent_id, author_name, body, status, staff_id, anonymized_at, removed, created_at, updated_at`

func scanSitePost(sc interface{ Scan(...any) error }) (*gallra.SitePost, error) {
	var p gallra.SitePost
	var parent, staff, anon sql.NullInt64
	var removed int
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.TopicID, &parent, &p.AuthorName, &p.Body, &p.Status, &staff, &anon, &removed, &created, &updated); err != nil {
		return nil, err
	}
	p.ParentID, p.Staff, p.Anonymized, p.Removed = fromNullID(parent), staff.Valid, anon.Valid, removed == 1
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	if p.Anonymized || p.Removed {
		p.AuthorName = ""
	}
	if p.Removed {
		p.Body = ""
	}
	return &p, nil
}

// SiteTopic returns a topic of the organisation (any status) without posts.
func (db *DB) SiteTopic(ctx context.Context, orgID, topicID int64) (*gallra.SiteTopic, error) {
	var t *gallra.SiteTopic
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		t, err = scanSiteTopic(tx.queryRow(ctx, `SELECT `+siteTopicCols+` FROM forum_topics t WHERE t.id = ? AND t.org_id = ?`, topicID, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("topic", topicID)
		}
		return err
	})
	return t, err
}

// SiteThread returns a page of a topic's visible top-level posts with id >
// afterID, oldest first, each with its visible comments, and whether the
// topic's first post is removed.
func (db *DB) SiteThread(ctx context.Context, orgID, topicID, afterID int64, limit int) (*gallra.SiteThread, error) {
	limit = clampLimit(limit, 20, 100)
	var th gallra.SiteThread
	err := db.View(ctx, func(tx *Tx) error {
		t, err := scanSiteTopic(tx.queryRow(ctx, `SELECT `+siteTopicCols+` FROM forum_topics t WHERE t.id = ? AND t.org_id = ?`, topicID, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("topic", topicID)
		} else if err != nil {
			return err
		}
		th.Topic = *t
		var firstRemoved int
		err = tx.queryRow(ctx, `SELECT removed FROM forum_posts WHERE topic_id = ? ORDER BY id LIMIT 1`, topicID).Scan(&firstRemoved)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		th.Gone = firstRemoved == 1 || errors.Is(err, sql.ErrNoRows) || t.Status == gallra.StatusHidden
		if th.Gone || t.Status != gallra.StatusVisible {
			return nil
		}
		rows, err := tx.query(ctx, `SELECT `+sitePostCols+` FROM forum_posts WHERE topic_id = ? AND parent_id IS NULL AND status = 'visible' AND id > ? ORDER BY id LIMIT ?`, topicID, afterID, limit+1)
		if err != nil {
			return fmt.Errorf("site thread: %w", err)
		}
		idx := map[int64]int{}
		var ids []any
		for rows.Next() {
			p, err := scanSitePost(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if len(th.Posts) == limit {
				next := th.Posts[limit-1].ID
				th.NextAfterID = &next
				break
			}
			idx[p.ID] = len(th.Posts)
			ids = append(ids, p.ID)
			th.Posts = append(th.Posts, *p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
		rows, err = tx.query(ctx, `SELECT `+sitePostCols+` FROM forum_posts WHERE topic_id = ? AND parent_id IN (`+in+`) AND status = 'visible' ORDER BY id LIMIT 2000`, append([]any{topicID}, ids...)...)
		if err != nil {
			return fmt.Errorf("site comments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanSitePost(rows)
			if err != nil {
				return err
			}
			i := idx[*c.ParentID]
			th.Posts[i].Comments = append(th.Posts[i].Comments, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return &th, nil
}

// SiteWriteRow is a validated public write as the store takes it: the IP
// already reduced by the organisation's setting; ModerateFirst asks that the
// post wait for moderation when its author has no visible post yet.
type SiteWriteRow struct {
	gallra.SiteWrite
	ModerateFirst bool
}

// CreateSiteWrite stores a topic (in.TopicID == 0) or reply from the public
// site, pending when the organisation moderates first posts and the
// author's e-mail has no visible post in the organisation, else visible.
func (db *DB) CreateSiteWrite(ctx context.Context, orgID int64, in SiteWriteRow) (*gallra.SiteWritten, error) {
	var out gallra.SiteWritten
	err := db.Update(ctx, func(tx *Tx) error {
		channelID, topicID := in.ChannelID, in.TopicID
		if topicID == 0 {
			if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleForum); err != nil {
				return err
			}
		} else {
			var status string
			err := tx.queryRow(ctx, `SELECT channel_id, status FROM forum_topics WHERE id = ? AND org_id = ?`, topicID, orgID).Scan(&channelID, &status)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && status != gallra.StatusVisible) {
				return notFound("topic", topicID)
			} else if err != nil {
				return err
			}
			if in.ParentID != nil {
				var kind, pstatus string
				var removed int
				err := tx.queryRow(ctx, `SELECT kind, status, removed FROM forum_posts WHERE id = ? AND topic_id = ?`, *in.ParentID, topicID).Scan(&kind, &pstatus, &removed)
				if errors.Is(err, sql.ErrNoRows) || (err == nil && (pstatus != gallra.StatusVisible || removed == 1)) {
					return gallra.Errorf(gallra.EINVALID, "parent_id %d is not a post of topic %d", *in.ParentID, topicID)
				} else if err != nil {
					return err
				}
				if kind != string(gallra.PostKindPost) {
					return gallra.Errorf(gallra.EINVALID, "parent_id must be a post, not a comment")
				}
			}
		}
		pid, err := tx.UpsertPerson(ctx, orgID, in.Author.Email, in.Author.Name)
		if err != nil {
			return err
		}
		status := gallra.StatusVisible
		if in.ModerateFirst {
			var one int
			err := tx.queryRow(ctx, `SELECT 1 FROM forum_posts WHERE person_id = ? AND status = 'visible' LIMIT 1`, pid).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				status = gallra.StatusPending
			} else if err != nil {
				return err
			}
		}
		now := ms(tx.Now)
		if topicID == 0 {
			topicID, err = tx.insert(ctx, `INSERT INTO forum_topics (org_id, channel_id, title, person_id, created_at, last_activity_at, status) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				orgID, channelID, in.Title, pid, now, now, status)
			if err != nil {
				return fmt.Errorf("insert topic: %w", err)
			}
			if err := tx.flagSensitive(ctx, "forum_topics", topicID, in.Title); err != nil {
				return err
			}
		}
		post, err := tx.insertPost(ctx, orgID, channelID, topicID, in.ParentID, pid, in.Author, in.Body)
		if err != nil {
			return err
		}
		if status != gallra.StatusVisible {
			if _, err := tx.exec(ctx, `UPDATE forum_posts SET status = ? WHERE id = ?`, status, post.ID); err != nil {
				return err
			}
		}
		if in.Notify && in.TopicID == 0 {
			// The asker's opt-in to an answer notification (site_notify_outbox.go).
			if _, err := tx.exec(ctx, `UPDATE forum_posts SET notify_opt_in = 1 WHERE id = ?`, post.ID); err != nil {
				return err
			}
		}
		if status == gallra.StatusVisible && in.TopicID != 0 {
			if _, err := tx.exec(ctx, `UPDATE forum_topics SET last_activity_at = ? WHERE id = ?`, now, topicID); err != nil {
				return err
			}
		}
		out = gallra.SiteWritten{TopicID: topicID, PostID: post.ID, Pending: status == gallra.StatusPending}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateStaffAnswer adds a staff user's post to a topic, marked as staff,
// and with answered marks the topic answered by it; audited.
func (db *DB) CreateStaffAnswer(ctx context.Context, staff *gallra.Staff, topicID int64, body string, answered bool) (*gallra.SiteWritten, error) {
	var out *gallra.SiteWritten
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.createStaffAnswer(ctx, staff, topicID, body, answered)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createStaffAnswer is CreateStaffAnswer in tx.
func (tx *Tx) createStaffAnswer(ctx context.Context, staff *gallra.Staff, topicID int64, body string, answered bool) (*gallra.SiteWritten, error) {
	var out gallra.SiteWritten
	err := func() error {
		var channelID int64
		err := tx.queryRow(ctx, `SELECT channel_id FROM forum_topics WHERE id = ? AND org_id = ?`, topicID, staff.OrgID).Scan(&channelID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("topic", topicID)
		} else if err != nil {
			return err
		}
		now := ms(tx.Now)
		id, err := tx.insert(ctx, `INSERT INTO forum_posts (org_id, channel_id, topic_id, parent_id, kind, person_id, author_name, author_email, author_ip, body, created_at, updated_at, staff_id)
			VALUES (?, ?, ?, NULL, ?, NULL, ?, '', '', ?, ?, ?, ?)`, staff.OrgID, channelID, topicID, string(gallra.PostKindPost), staff.Name, body, now, now, staff.ID)
		if err != nil {
			return fmt.Errorf("insert answer: %w", err)
		}
		q := `UPDATE forum_topics SET last_activity_at = ? WHERE id = ?`
		args := []any{now, topicID}
		if answered {
			q = `UPDATE forum_topics SET last_activity_at = ?, answered_post_id = ? WHERE id = ?`
			args = []any{now, id, topicID}
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return err
		}
		out = gallra.SiteWritten{TopicID: topicID, PostID: id}
		return tx.Audit(ctx, staff.OrgID, gallra.Actor{Type: gallra.ActorStaff, ID: staff.ID}, "site.answered", "forum_topic", topicID, map[string]any{"post_id": id})
	}()
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetTopicAnswered marks a topic answered by one of its visible posts, or
// with postID 0 not answered; audited.
func (db *DB) SetTopicAnswered(ctx context.Context, actor gallra.Actor, orgID, topicID, postID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		var arg any
		if postID > 0 {
			var one int
			err := tx.queryRow(ctx, `SELECT 1 FROM forum_posts WHERE id = ? AND topic_id = ? AND org_id = ? AND status = 'visible' AND removed = 0`, postID, topicID, orgID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return gallra.Errorf(gallra.EINVALID, "post %d is not a visible post of topic %d", postID, topicID)
			} else if err != nil {
				return err
			}
			arg = postID
		}
		res, err := tx.exec(ctx, `UPDATE forum_topics SET answered_post_id = ? WHERE id = ? AND org_id = ?`, arg, topicID, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("topic", topicID)
		}
		return tx.Audit(ctx, orgID, actor, "site.answered_marked", "forum_topic", topicID, map[string]any{"post_id": postID})
	})
}

// SetPostStatus sets a post's status (visible or hidden, approving a
// pending post); a topic's first post carries the topic with it. Audited.
// Retention clocks are untouched: created_at never changes.
func (db *DB) SetPostStatus(ctx context.Context, actor gallra.Actor, orgID, postID int64, status string) error {
	return db.Update(ctx, func(tx *Tx) error {
		var topicID int64
		err := tx.queryRow(ctx, `SELECT topic_id FROM forum_posts WHERE id = ? AND org_id = ?`, postID, orgID).Scan(&topicID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("post", postID)
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE forum_posts SET status = ? WHERE id = ?`, status, postID); err != nil {
			return err
		}
		var first int64
		if err := tx.queryRow(ctx, `SELECT MIN(id) FROM forum_posts WHERE topic_id = ?`, topicID).Scan(&first); err != nil {
			return err
		}
		if first == postID {
			if _, err := tx.exec(ctx, `UPDATE forum_topics SET status = ? WHERE id = ?`, status, topicID); err != nil {
				return err
			}
		}
		if status == gallra.StatusHidden {
			if _, err := tx.exec(ctx, `UPDATE forum_topics SET answered_post_id = NULL WHERE id = ? AND answered_post_id = ?`, topicID, postID); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, orgID, actor, "site.post_"+status, "forum_post", postID, nil)
	})
}

// MoveTopic moves a topic with its posts to another forum channel of the
// organisation; audited.
func (db *DB) MoveTopic(ctx context.Context, actor gallra.Actor, orgID, topicID, channelID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleForum); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE forum_topics SET channel_id = ? WHERE id = ? AND org_id = ?`, channelID, topicID, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("topic", topicID)
		}
		if _, err := tx.exec(ctx, `UPDATE forum_posts SET channel_id = ? WHERE topic_id = ?`, channelID, topicID); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "site.topic_moved", "forum_topic", topicID, map[string]any{"channel_id": channelID})
	})
}

// ModerationQueue lists an organisation's posts in the given status
// (pending or hidden), oldest first, at most limit, in the channels given
// (nil: all).
func (db *DB) ModerationQueue(ctx context.Context, orgID int64, status string, channelIDs []int64, limit int) ([]gallra.ModerationItem, error) {
	q := `SELECT p.id, p.topic_id, p.parent_id, p.author_name, p.body, p.status, p.staff_id, p.anonymized_at, p.removed, p.created_at, p.updated_at,
		t.title, t.channel_id, (SELECT MIN(id) FROM forum_posts f WHERE f.topic_id = p.topic_id)
		FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id WHERE p.org_id = ? AND p.status = ? AND p.removed = 0`
	args := []any{orgID, status}
	if channelIDs != nil {
		if len(channelIDs) == 0 {
			return nil, nil
		}
		q += ` AND p.channel_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(channelIDs)), ",") + `)`
		for _, id := range channelIDs {
			args = append(args, id)
		}
	}
	q += ` ORDER BY p.id LIMIT ?`
	args = append(args, clampLimit(limit, 100, 500))
	var out []gallra.ModerationItem
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("moderation queue: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var it gallra.ModerationItem
			var parent, staff, anon sql.NullInt64
			var removed int
			var created, updated, first int64
			p := &it.Post
			if err := rows.Scan(&p.ID, &p.TopicID, &parent, &p.AuthorName, &p.Body, &p.Status, &staff, &anon, &removed, &created, &updated, &it.TopicTitle, &it.ChannelID, &first); err != nil {
				return err
			}
			p.ParentID, p.Staff, p.Anonymized = fromNullID(parent), staff.Valid, anon.Valid
			p.CreatedAt, p.UpdatedAt, it.FirstPost = fromMS(created), fromMS(updated), first == p.ID
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

// CreateSiteRequest records an unverified data-subject request from the
// public privacy page; audited with its kind only.
func (db *DB) CreateSiteRequest(ctx context.Context, r gallra.SiteRequest) (*gallra.SiteRequest, error) {
	err := db.Update(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO site_requests (org_id, kind, status, name, email, message, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.OrgID, string(r.Kind), gallra.SiteRequestUnverified, r.Name, r.Email, r.Message, ms(tx.Now))
		if err != nil {
			return fmt.Errorf("insert site request: %w", err)
		}
		r.ID, r.Status, r.ReceivedAt = id, gallra.SiteRequestUnverified, tx.Now
		return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "site.request_received", "site_request", id, map[string]any{"kind": string(r.Kind)})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// SiteRequests lists an organisation's unverified public requests, oldest
// first.
func (db *DB) SiteRequests(ctx context.Context, orgID int64) ([]gallra.SiteRequest, error) {
	var out []gallra.SiteRequest
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, org_id, kind, status, name, email, message, received_at FROM site_requests WHERE org_id = ? ORDER BY id LIMIT 500`, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r gallra.SiteRequest
			var kind string
			var at int64
			if err := rows.Scan(&r.ID, &r.OrgID, &kind, &r.Status, &r.Name, &r.Email, &r.Message, &at); err != nil {
				return err
			}
			r.Kind, r.ReceivedAt = gallra.RequestKind(kind), fromMS(at)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteSiteRequest removes a public request once staff have registered or
// rejected it (its e-mail address goes with it); audited.
func (db *DB) DeleteSiteRequest(ctx context.Context, actor gallra.Actor, orgID, id int64, outcome string) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM site_requests WHERE id = ? AND org_id = ?`, id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("site request", id)
		}
		return tx.Audit(ctx, orgID, actor, "site.request_"+outcome, "site_request", id, nil)
	})
}
