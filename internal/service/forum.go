package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// Forum implements gallra.ForumService.
type Forum struct{ d Deps }

var _ gallra.ForumService = (*Forum)(nil)

// ListTopics implements gallra.ForumService.
func (f *Forum) ListTopics(ctx context.Context, staff *gallra.Staff, channelID int64, p gallra.Page) ([]gallra.ForumTopic, error) {
	c, err := channelFor(ctx, f.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleForum)
	if err != nil {
		return nil, err
	}
	return f.d.DB.ListTopics(ctx, c.OrgID, c.ID, p)
}

// Topic implements gallra.ForumService. Each page read is recorded in the
// access log (not shown when that fails).
func (f *Forum) Topic(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (*gallra.ForumTopic, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	t, err := f.d.DB.TopicHead(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermViewChannel, t.ChannelID); err != nil {
		return nil, err
	}
	if err := validThreadPage(p); err != nil {
		return nil, err
	}
	page, err := f.d.DB.TopicPage(ctx, org, t.ID, p)
	if err != nil {
		return nil, err
	}
	return page, recordRead(ctx, f.d, staff, gallra.SubjectForumTopic, t.ID, gallra.AccessView, "")
}

// EditPost implements gallra.ForumService.
func (f *Forum) EditPost(ctx context.Context, staff *gallra.Staff, postID int64, body string) (*gallra.ForumPost, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	post, err := f.d.DB.GetPost(ctx, org, postID)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermWorkChannel, post.ChannelID); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", body, true, gallra.MaxBodyLen); err != nil {
		return nil, err
	}
	return f.d.DB.EditPost(ctx, actor(staff), org, post.ID, body)
}

// PublicChannel implements gallra.ForumService.
func (f *Forum) PublicChannel(ctx context.Context, channelID int64, modules ...gallra.Module) (*gallra.Channel, error) {
	return publicChannel(ctx, f.d, channelID, modules...)
}

func publicChannel(ctx context.Context, d Deps, channelID int64, modules ...gallra.Module) (*gallra.Channel, error) {
	c, err := d.DB.PublicChannel(ctx, channelID)
	if err != nil {
		return nil, err
	}
	for _, m := range modules {
		if c.Module == m {
			return c, nil
		}
	}
	return nil, gallra.Errorf(gallra.ENOTFOUND, "channel %d not found", channelID)
}

// PublicTopic implements gallra.ForumService.
func (f *Forum) PublicTopic(ctx context.Context, id int64, p gallra.ThreadPage) (*gallra.ForumTopic, error) {
	org, err := f.d.DB.TopicOrg(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := validThreadPage(p); err != nil {
		return nil, err
	}
	return f.d.DB.TopicPage(ctx, org, id, p)
}

// validThreadPage checks a thread page's cursor and size (EINVALID naming
// the parameter).
func validThreadPage(p gallra.ThreadPage) error {
	if p.AfterID < 0 {
		return gallra.Errorf(gallra.EINVALID, "after_id must be a positive id")
	}
	if p.Limit < 0 || p.Limit > gallra.MaxThreadPage {
		return gallra.Errorf(gallra.EINVALID, "limit must be from 1 to %d", gallra.MaxThreadPage)
	}
	return nil
}

// StartPublicTopic implements gallra.ForumService.
func (f *Forum) StartPublicTopic(ctx context.Context, in gallra.NewTopic) (*gallra.ForumTopic, error) {
	c, err := publicChannel(ctx, f.d, in.ChannelID, gallra.ModuleForum)
	if err != nil {
		return nil, err
	}
	in.Title = strings.TrimSpace(in.Title)
	if err := gallra.ValidateText("title", in.Title, true, gallra.MaxTitleLen); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", in.Body, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	if err := in.Author.Validate(true); err != nil {
		return nil, err
	}
	if in.Author.IP, err = keepIP(ctx, f.d, c.OrgID, gallra.ModuleForum, in.Author.IP); err != nil {
		return nil, err
	}
	return f.d.DB.CreateTopic(ctx, c.OrgID, in)
}

// AddPublicPost implements gallra.ForumService.
func (f *Forum) AddPublicPost(ctx context.Context, in gallra.NewPost) (*gallra.ForumPost, error) {
	if in.ParentID != nil {
		if err := positiveID("parent_id", *in.ParentID); err != nil {
			return nil, err
		}
	}
	org, err := f.d.DB.TopicOrg(ctx, in.TopicID)
	if err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("body", in.Body, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	if err := in.Author.Validate(true); err != nil {
		return nil, err
	}
	if in.Author.IP, err = keepIP(ctx, f.d, org, gallra.ModuleForum, in.Author.IP); err != nil {
		return nil, err
	}
	return f.d.DB.CreatePost(ctx, org, in)
}
