package retention

import (
	"context"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// accessLogBatch is how many access-log entries one purge transaction
// deletes: entries are small rows, so a batch stays a short transaction.
const accessLogBatch = 2000

// AccessLogDue is one organisation's part of the access-log purge: entries
// read before Cutoff (its period of Months) go.
type AccessLogDue struct {
	OrgID   int64     `json:"org_id"`
	Months  int       `json:"months"`
	Cutoff  time.Time `json:"cutoff"`
	Deleted int64     `json:"deleted"` // in a dry run: would be deleted
}

// purgeAccessLog deletes the access-log entries older than each
// organisation's period (o.OrgID: that organisation only; a run for one
// channel leaves the log alone), oldest first, accessLogBatch per
// transaction, and audits each organisation's count (access_log.purged).
// Killed at any point it leaves whole batches done; the next run deletes
// the rest. In a dry run it counts instead.
func (e *Engine) purgeAccessLog(ctx context.Context, o RunOptions, now time.Time, res *RunResult) error {
	if o.ChannelID != 0 {
		return nil
	}
	orgs, err := e.db.AccessLogRetentions(ctx)
	if err != nil {
		return err
	}
	for _, r := range orgs {
		if o.OrgID != 0 && r.OrgID != o.OrgID {
			continue
		}
		d := AccessLogDue{OrgID: r.OrgID, Months: r.Months, Cutoff: gallra.AccessLogCutoff(now, r.Months)}
		if o.DryRun {
			if d.Deleted, err = e.db.CountAccessLog(ctx, r.OrgID, time.Time{}, d.Cutoff); err != nil {
				return err
			}
		} else {
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				n, err := e.db.PurgeAccessLogBatch(ctx, r.OrgID, d.Cutoff, accessLogBatch)
				d.Deleted += n
				res.AccessLogDeleted += n
				if err != nil {
					return err
				}
				if n < accessLogBatch {
					break
				}
			}
			if d.Deleted > 0 {
				err := e.db.Update(ctx, func(tx *store.Tx) error {
					return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "access_log.purged", "purge_run", res.RunID,
						map[string]any{"deleted": d.Deleted, "months": d.Months, "cutoff": d.Cutoff})
				})
				if err != nil {
					return err
				}
			}
		}
		if d.Deleted > 0 {
			if o.DryRun {
				res.AccessLogDeleted += d.Deleted
			}
			res.AccessLog = append(res.AccessLog, d)
		}
	}
	return nil
}
