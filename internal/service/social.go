package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// Social implements gallra.SocialService.
type Social struct{ d Deps }

var _ gallra.SocialService = (*Social)(nil)

// ListItems implements gallra.SocialService.
func (s *Social) ListItems(ctx context.Context, staff *gallra.Staff, channelID int64, p gallra.Page) ([]gallra.SocialItem, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	return s.d.DB.ListSocialItems(ctx, c.OrgID, c.ID, p)
}

// Mirror implements gallra.SocialService.
func (s *Social) Mirror(ctx context.Context, staff *gallra.Staff, channelID int64, in gallra.SocialInput) (*gallra.SocialItem, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	if err := validateSocial(&in); err != nil {
		return nil, err
	}
	return s.d.DB.UpsertSocialItem(ctx, c.OrgID, c.ID, in)
}

// validateSocial trims the ids and checks every field of a mirrored item.
func validateSocial(in *gallra.SocialInput) error {
	in.ExternalID, in.AuthorID = strings.TrimSpace(in.ExternalID), strings.TrimSpace(in.AuthorID)
	for _, f := range []struct {
		name, v string
		req     bool
		max     int
	}{{"external_id", in.ExternalID, true, 200}, {"parent_external_id", in.ParentExternalID, false, 200},
		{"author_id", in.AuthorID, true, 200}, {"author_name", in.AuthorName, false, gallra.MaxNameLen}, {"body", in.Body, false, gallra.MaxBodyLen}} {
		if err := gallra.ValidateText(f.name, f.v, f.req, f.max); err != nil {
			return err
		}
	}
	if in.AuthorEmail != "" {
		if err := gallra.ValidateEmail("author_email", in.AuthorEmail); err != nil {
			return err
		}
	}
	return nil
}

// RemoveMirrored implements gallra.SocialService.
func (s *Social) RemoveMirrored(ctx context.Context, staff *gallra.Staff, channelID int64, externalID string, byAuthor bool) (int64, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return 0, err
	}
	if err := gallra.ValidateText("externalID", externalID, true, 200); err != nil {
		return 0, err
	}
	return s.d.DB.RemoveSocialMirror(ctx, actor(staff), c.OrgID, c.ID, externalID, byAuthor)
}
