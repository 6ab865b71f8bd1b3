package retention

import (
	"context"
	"fmt"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// offboardBatch is how many copies of a former staff member's name one
// off-boarding transaction renames.
const offboardBatch = 500

// offboardStaff off-boards the staff users due (store.StaffOffboardingDue)
// in the run's organisations: it gives each a pseudonym, renames what they
// wrote to "Former staff member 7F3A" a batch at a time, then removes
// their name, e-mail and avatar (docs/roles.md). Each step is its own
// transaction and the user stays due until the last one commits, so a run
// stopped anywhere is finished by the next. A user reactivated meanwhile
// is skipped. Returns how many users were off-boarded.
func (e *Engine) offboardStaff(ctx context.Context, orgID int64) (int64, error) {
	var due []store.StaffOffboardDue
	if err := e.db.View(ctx, func(tx *store.Tx) error {
		var err error
		due, err = tx.StaffOffboardingDue(ctx, orgID, tx.Now)
		return err
	}); err != nil {
		return 0, err
	}
	var done int64
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		err := e.offboardOne(ctx, d)
		switch {
		case err == nil:
			done++
		case store.IsNoLongerDue(err):
			e.log.Info("staff off-boarding skipped: the user was reactivated or off-boarded meanwhile", "org_id", d.OrgID, "staff_id", d.StaffID)
		default:
			return done, fmt.Errorf("off-board staff user %d of organisation %d: %w", d.StaffID, d.OrgID, err)
		}
	}
	return done, nil
}

func (e *Engine) offboardOne(ctx context.Context, d store.StaffOffboardDue) error {
	code, err := e.db.BeginStaffOffboard(ctx, d.OrgID, d.StaffID)
	if err != nil {
		return err
	}
	name := gallra.FormerStaffName(d.Lang, code)
	size := e.offboardSize
	if size <= 0 {
		size = offboardBatch
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := e.db.RenameStaffWriting(ctx, d.OrgID, d.StaffID, name, size, func(tx *store.Tx) error {
			if ok, err := tx.KeepLease(ctx, LeaseName, e.owner, e.ttl); err != nil {
				return err
			} else if !ok {
				return errLeaseLost
			}
			if e.offboardHook != nil {
				return e.offboardHook(tx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n < int64(size) {
			break
		}
	}
	return e.db.FinishStaffOffboard(ctx, gallra.Actor{Type: gallra.ActorSystem}, d.OrgID, d.StaffID, name)
}

// StaffOffboardingDue counts the organisation's former staff members whose
// name, e-mail and avatar the next purge removes (now), and those it will
// remove within 30 days (soon), for the purge preview.
func (e *Engine) StaffOffboardingDue(ctx context.Context, orgID int64) (now, soon int, err error) {
	return e.db.CountStaffOffboardingDue(ctx, orgID)
}
