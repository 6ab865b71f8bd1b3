package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Health implements gallra.HealthService.
type Health struct{ d Deps }

var _ gallra.HealthService = (*Health)(nil)

// Ready pings the database.
func (h *Health) Ready(ctx context.Context) error {
	return h.d.DB.Ping(ctx)
}
