package retention

import (
	"context"
	"time"

	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
)

// DefaultInterval is how often serve runs the purge.
const DefaultInterval = time.Hour

// Register makes r run the purge as job JobName every interval (default
// hourly). A run that finds another purge holding the lease is not an error:
// that purge does the work.
func (e *Engine) Register(r *jobs.Runner, every time.Duration) {
	if every <= 0 {
		every = DefaultInterval
	}
	r.Handle(JobName, func(ctx context.Context, _ *store.Job) error {
		_, err := e.Run(ctx, RunOptions{Trigger: "schedule"})
		if err == ErrPurgeRunning {
			return nil
		}
		return err
	})
	r.Every(JobName, every)
}
