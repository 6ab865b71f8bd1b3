package takeout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
)

// RegisterJobs registers the background jobs: requests.process (one request
// with a payload; with an empty payload every request with work left, run
// every minute) and requests.expire_artefacts (expiry, the reduction of
// long-finished requests to the keyed hash, and the sweep of orphaned
// files), run hourly.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobProcess, s.processJob)
	r.Every(JobProcess, time.Minute)
	r.Handle(JobExpireArtefacts, func(ctx context.Context, _ *store.Job) error {
		n, err := s.ExpireArtefacts(ctx)
		if n > 0 {
			s.log.Info("expired request artefacts", "count", n)
		}
		if err != nil {
			return err
		}
		reduced, err := s.ReduceFinishedRequests(ctx)
		if reduced > 0 {
			s.log.Info("reduced finished requests to the keyed hash", "count", reduced)
		}
		if err != nil {
			return err
		}
		swept, err := s.SweepArtefacts(ctx)
		if swept > 0 {
			s.log.Info("removed orphaned request artefacts", "count", swept)
		}
		return err
	})
	r.Every(JobExpireArtefacts, time.Hour)
}

func (s *Service) processJob(ctx context.Context, job *store.Job) error {
	var p ProcessPayload
	if err := json.Unmarshal([]byte(job.Payload), &p); err != nil {
		return fmt.Errorf("decode %s payload: %w", JobProcess, err)
	}
	if p.RequestID != 0 {
		_, err := s.Process(ctx, p.OrgID, p.RequestID)
		if gallra.ErrorCode(err) == gallra.ECONFLICT {
			return nil // another worker is on it
		}
		return err
	}
	_, err := s.ProcessPending(ctx)
	return err
}

// ProcessPending works every request with work left (all organisations):
// received ones, processing ones abandoned by a dead worker (no heartbeat
// for Config.StaleAfter), failed ones due for a retry, and completed ones
// whose mention search is pending. It returns how many it processed; one
// request's failure does not stop the others (the failure is recorded on
// the request), and the first such error is returned at the end.
func (s *Service) ProcessPending(ctx context.Context) (int, error) {
	n := 0
	var first error
	// Paged by id: requests that stay workable (a failure retried at once,
	// another worker's conflict) never hide the ones after them.
	var after int64
	for {
		list, err := s.db.WorkableSubjectRequests(ctx, s.db.Now().Add(-s.cfg.StaleAfter), after, 100)
		if err != nil {
			return n, err
		}
		if len(list) == 0 {
			return n, first
		}
		for _, r := range list {
			after = r.ID
			if err := ctx.Err(); err != nil {
				return n, err
			}
			_, err := s.Process(ctx, r.OrgID, r.ID)
			switch {
			case err == nil:
				n++
			case gallra.ErrorCode(err) == gallra.ECONFLICT:
			case errors.Is(err, context.Canceled) && ctx.Err() != nil:
				return n, err
			default:
				if first == nil {
					first = err
				}
			}
		}
	}
}
