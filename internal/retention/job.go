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
	e.every = every
	r.Handle(JobName, func(ctx context.Context, job *store.Job) error {
		// A job with an organisation is an administrator's "run now"
		// (RunNow): the same routine, for that organisation.
		o := RunOptions{Trigger: "schedule"}
		if job != nil && job.OrgID != 0 {
			o = RunOptions{Trigger: "staff", OrgID: job.OrgID}
		}
		_, err := e.Run(ctx, o)
		if err == ErrPurgeRunning {
			return nil
		}
		return err
	})
	r.Every(JobName, every)
}
