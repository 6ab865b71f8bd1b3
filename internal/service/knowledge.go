package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// Knowledge implements gallra.KnowledgeService.
type Knowledge struct{ d Deps }

var _ gallra.KnowledgeService = (*Knowledge)(nil)

// ListArticles implements gallra.KnowledgeService.
func (k *Knowledge) ListArticles(ctx context.Context, staff *gallra.Staff, channelID int64, p gallra.Page) ([]gallra.KnowledgeArticle, error) {
	c, err := channelFor(ctx, k.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleKnowledge)
	if err != nil {
		return nil, err
	}
	return k.d.DB.ListArticles(ctx, c.OrgID, c.ID, p)
}

// article loads an article of the staff user's organisation and checks
// permission p on its channel.
func (k *Knowledge) article(ctx context.Context, staff *gallra.Staff, p gallra.Permission, id int64) (*gallra.KnowledgeArticle, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	a, err := k.d.DB.GetArticle(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(p, a.ChannelID); err != nil {
		return nil, err
	}
	return a, nil
}

// Article implements gallra.KnowledgeService.
func (k *Knowledge) Article(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.KnowledgeArticle, error) {
	return k.article(ctx, staff, gallra.PermViewChannel, id)
}

// validateArticle trims the title and checks title and body.
func validateArticle(a *gallra.KnowledgeArticle) error {
	a.Title = strings.TrimSpace(a.Title)
	if err := gallra.ValidateText("title", a.Title, true, gallra.MaxTitleLen); err != nil {
		return err
	}
	return gallra.ValidateText("body", a.Body, true, gallra.MaxBodyLen)
}

// CreateArticle implements gallra.KnowledgeService.
func (k *Knowledge) CreateArticle(ctx context.Context, staff *gallra.Staff, channelID int64, title, body string) (*gallra.KnowledgeArticle, error) {
	c, err := channelFor(ctx, k.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleKnowledge)
	if err != nil {
		return nil, err
	}
	sid := staff.ID
	a := &gallra.KnowledgeArticle{OrgID: c.OrgID, ChannelID: c.ID, StaffID: &sid, Title: title, Body: body}
	if err := validateArticle(a); err != nil {
		return nil, err
	}
	return k.d.DB.SaveArticle(ctx, actor(staff), a)
}

// UpdateArticle implements gallra.KnowledgeService.
func (k *Knowledge) UpdateArticle(ctx context.Context, staff *gallra.Staff, id int64, title, body string) (*gallra.KnowledgeArticle, error) {
	a, err := k.article(ctx, staff, gallra.PermWorkChannel, id)
	if err != nil {
		return nil, err
	}
	a.Title, a.Body = title, body
	if err := validateArticle(a); err != nil {
		return nil, err
	}
	return k.d.DB.SaveArticle(ctx, actor(staff), a)
}

// DeleteArticle implements gallra.KnowledgeService.
func (k *Knowledge) DeleteArticle(ctx context.Context, staff *gallra.Staff, id int64) error {
	a, err := k.article(ctx, staff, gallra.PermWorkChannel, id)
	if err != nil {
		return err
	}
	return k.d.DB.DeleteArticle(ctx, actor(staff), a.OrgID, a.ID)
}
