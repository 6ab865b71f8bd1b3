package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// Search implements gallra.SearchService.
type Search struct{ d Deps }

var _ gallra.SearchService = (*Search)(nil)

// Search implements gallra.SearchService. Any channel's content may be
// searched by staff who may view the channel.
func (s *Search) Search(ctx context.Context, staff *gallra.Staff, channelID int64, q string, limit int) ([]gallra.SearchHit, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermViewChannel, channelID, "")
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if err := gallra.ValidateText("q", q, true, 200); err != nil {
		return nil, err
	}
	return s.d.DB.SearchChannel(ctx, c.OrgID, c.ID, q, limit)
}
