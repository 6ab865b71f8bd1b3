package service

import (
	"context"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
)

// RegisterSocialJobs wires the social connectors' jobs: webhook processing
// (kicked by each delivery), the deletion outbox (kicked by a deletion) and
// the Instagram reconciliation. With schedule (a connector is configured)
// the first two also run every minute, for retries, and the
// reconciliation every reconcileEvery; without, the handlers are there (a
// kick finds its handler) and nothing is scheduled.
func RegisterSocialJobs(r *jobs.Runner, p gallra.SocialPlatformService, schedule bool, reconcileEvery time.Duration) {
	r.Handle(store.SocialWebhookJob, func(ctx context.Context, _ *store.Job) error {
		_, err := p.ProcessWebhooks(ctx)
		return err
	})
	r.Handle(store.SocialDeletionJob, func(ctx context.Context, _ *store.Job) error {
		_, err := p.DeliverDeletions(ctx)
		return err
	})
	r.Handle(store.SocialReconcileJob, func(ctx context.Context, _ *store.Job) error {
		_, err := p.Reconcile(ctx)
		return err
	})
	if schedule {
		r.Every(store.SocialWebhookJob, time.Minute)
		r.Every(store.SocialDeletionJob, time.Minute)
		r.Every(store.SocialReconcileJob, reconcileEvery)
	}
}
