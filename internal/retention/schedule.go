package retention

import (
	"context"
	"strconv"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// manualKey is the unique key of an organisation's "run now" job, so that
// asking twice before it runs queues one run.
func manualKey(orgID int64) string { return "manual:" + JobName + ":" + strconv.FormatInt(orgID, 10) }

// interval is how often the purge is scheduled in this process.
func (e *Engine) interval() time.Duration {
	if e.every > 0 {
		return e.every
	}
	return DefaultInterval
}

// Schedule says when the purge runs: every Interval (what serve registered;
// DefaultInterval when not registered in this process), next at Next (nil:
// nothing queued, e.g. no worker), Running when a run is under way.
func (e *Engine) Schedule(ctx context.Context) (gallra.PurgeSchedule, error) {
	s := gallra.PurgeSchedule{Interval: e.interval()}
	at, running, ok, err := e.db.NextJobRun(ctx, JobName)
	if err != nil {
		return s, err
	}
	if ok {
		s.Next, s.Running = &at, running
	}
	return s, nil
}

// RunNow queues a purge of the staff user's organisation to run at once
// (administrators: PermSetRetention). The worker runs it through the same
// routine as the schedule, trigger "staff"; the request is audited
// ("retention.purge_requested"). Asking again before it ran queues nothing
// more.
func (e *Engine) RunNow(ctx context.Context, staff *gallra.Staff) error {
	if err := staff.AuthorizeOrg(gallra.PermSetRetention); err != nil {
		return err
	}
	if _, err := e.db.EnqueueJob(ctx, JobName, staff.OrgID, manualKey(staff.OrgID), "", e.db.Now()); err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, staff.OrgID, staffActor(staff), "retention.purge_requested", "organisation", staff.OrgID, nil)
	})
}
