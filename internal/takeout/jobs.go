package takeout

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
)

// RegisterJobs registers the background jobs: requests.process (one request,
// or with an empty payload every request still received) and
// requests.expire_artefacts, scheduled hourly.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobProcess, s.processJob)
	r.Handle(JobExpireArtefacts, func(ctx context.Context, _ *store.Job) error {
		n, err := s.ExpireArtefacts(ctx)
		if n > 0 {
			s.log.Info("expired request artefacts", "count", n)
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
		return err
	}
	list, err := s.db.PendingSubjectRequests(ctx, 100)
	if err != nil {
		return err
	}
	for _, r := range list {
		if _, err := s.Process(ctx, r.OrgID, r.ID); err != nil {
			return err
		}
	}
	return nil
}
