package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"golang.org/x/sync/errgroup"
)

// Preview returns what purging the channel would do now and what becomes
// due within 7 and 30 days, under its current policy or, with proposed set,
// under that policy (checked like a save, not saved). It uses the purge's own
// selection (store.SelectDue), so "preview, then purge" purges exactly the
// previewed ids when nothing changed in between.
func (e *Engine) Preview(ctx context.Context, orgID, channelID int64, proposed *gallra.Policy) (*gallra.RetentionPreview, error) {
	return e.preview(ctx, orgID, channelID, proposed, true)
}

// preview is Preview, with the first ids of each bucket when withIDs.
func (e *Engine) preview(ctx context.Context, orgID, channelID int64, proposed *gallra.Policy, withIDs bool) (*gallra.RetentionPreview, error) {
	var pv *gallra.RetentionPreview
	err := e.db.View(ctx, func(tx *store.Tx) error {
		// Counts and ids from one snapshot (PostgreSQL reads each statement
		// at its own instant otherwise).
		if err := tx.Snapshot(ctx); err != nil {
			return err
		}
		c, r, err := e.resolve(ctx, tx, orgID, channelID)
		if err != nil {
			return err
		}
		if proposed != nil {
			if err := e.caps.Validate(c.Module, *proposed); err != nil {
				return err
			}
			r = &gallra.RetentionResolved{ChannelID: c.ID, Module: c.Module, Policy: *proposed, Source: "channel", Cap: e.capOf(c.Module)}
		}
		pv = &gallra.RetentionPreview{ChannelID: c.ID, Module: c.Module, Policy: *r, Proposed: proposed != nil, At: tx.Now, ItemType: ItemType(c.Module), Action: r.Action,
			DueNow: gallra.RetentionBucket{IDs: []int64{}}, Held: gallra.RetentionBucket{IDs: []int64{}}, Next7Days: gallra.RetentionBucket{IDs: []int64{}}, Next30Days: gallra.RetentionBucket{IDs: []int64{}}}
		if r.Period.IsNever() {
			return nil
		}
		now := target(c, r.Policy, tx.Now)
		in7 := target(c, r.Policy, tx.Now.AddDate(0, 0, 7))
		in30 := target(c, r.Policy, tx.Now.AddDate(0, 0, 30))
		pv.Cutoff = &now.Cutoff
		// Counts: one COUNT per window over the purge's own predicate. Ids:
		// the first maxIDs of each bucket from the purge's own selection.
		due, held, err := tx.CountDue(ctx, now, time.Time{})
		if err != nil {
			return err
		}
		n7, _, err := tx.CountDue(ctx, in7, now.Cutoff)
		if err != nil {
			return err
		}
		n30, _, err := tx.CountDue(ctx, in30, now.Cutoff)
		if err != nil {
			return err
		}
		soon := store.CursorAt(now.Cutoff)
		for _, b := range []struct {
			b     *gallra.RetentionBucket
			n     int64
			t     store.PurgeTarget
			after store.PurgeCursor
			f     store.HoldFilter
		}{
			{&pv.DueNow, due, now, store.StartCursor(), store.Unheld},
			{&pv.Held, held, now, store.StartCursor(), store.HeldOnly},
			{&pv.Next7Days, n7, in7, soon, store.Unheld},
			{&pv.Next30Days, n30, in30, soon, store.Unheld},
		} {
			b.b.Count = int(b.n)
			if b.n == 0 {
				continue
			}
			if !withIDs {
				b.b.Truncated = true // the ids are listed on demand
				continue
			}
			items, err := tx.SelectDueFiltered(ctx, b.t, b.after, e.previewIDs, b.f)
			if err != nil {
				return err
			}
			for _, it := range items {
				b.b.IDs = append(b.b.IDs, it.ID)
			}
			b.b.Truncated = b.b.Count > len(b.b.IDs)
		}
		return nil
	})
	return pv, err
}

// RunOptions selects what a purge run covers.
type RunOptions struct {
	Trigger   string // "schedule", "cli", "api": recorded
	OrgID     int64  // 0: every organisation
	ChannelID int64  // 0: every channel (with OrgID when set)
	DryRun    bool   // count what would be purged; change nothing, record nothing
	// Progress, when set, is called after each batch with the items done so
	// far (purged or skipped) and the total due at the start (0 if unknown).
	Progress func(done, total int64)
}

// ChannelResult is one channel's part of a run.
type ChannelResult = gallra.PurgeRunChannel

// RunResult is what a run did (or, dry, would do).
type RunResult struct {
	RunID          int64  `json:"run_id,omitempty"`
	DryRun         bool   `json:"dry_run,omitempty"`
	Status         string `json:"status"`
	Anonymized     int64  `json:"anonymized"`
	Deleted        int64  `json:"deleted"`
	SkippedHold    int64  `json:"skipped_hold"`
	PersonsDeleted int64  `json:"persons_deleted"`
	// StaffOffboarded counts the former staff members whose name, e-mail
	// and avatar the run removed (or, dry, would remove): offboard.go.
	StaffOffboarded int64           `json:"staff_offboarded"`
	Channels        []ChannelResult `json:"channels"`
	Errors          []string        `json:"errors,omitempty"`
	// AccessLogDeleted counts the access-log entries past their
	// organisation's period that the run deleted (dry: would delete);
	// AccessLog has them per organisation.
	AccessLogDeleted int64          `json:"access_log_deleted"`
	AccessLog        []AccessLogDue `json:"access_log,omitempty"`
}

// ErrPurgeRunning is returned when another process holds the purge lease.
var ErrPurgeRunning = gallra.Errorf(gallra.ECONFLICT, "another purge is running on this database")

type work struct {
	c *gallra.Channel
	r *gallra.RetentionResolved
	// redact is the channel's organisation's redactor (nil: text kept),
	// fetched once per channel a run anonymizes.
	redact func(string) string
}

// plan lists the channels a run covers with their effective policies.
func (e *Engine) plan(ctx context.Context, o RunOptions) ([]work, error) {
	var out []work
	err := e.db.View(ctx, func(tx *store.Tx) error {
		var orgs []int64
		if o.OrgID != 0 {
			orgs = []int64{o.OrgID}
		} else {
			var err error
			if orgs, err = tx.OrganisationIDs(ctx); err != nil {
				return err
			}
		}
		for _, org := range orgs {
			chans, err := tx.ListChannels(ctx, org, "")
			if err != nil {
				return err
			}
			found := false
			for i := range chans {
				c := &chans[i]
				if o.ChannelID != 0 && c.ID != o.ChannelID {
					continue
				}
				found = true
				if gallra.CheckPurgedModule(c.Module) != nil {
					continue // social and knowledge: never purged
				}
				_, r, err := e.resolve(ctx, tx, org, c.ID)
				if err != nil {
					return err
				}
				out = append(out, work{c: c, r: r})
			}
			if o.ChannelID != 0 && !found && o.OrgID != 0 {
				return gallra.Errorf(gallra.ENOTFOUND, "channel %d not found", o.ChannelID)
			}
		}
		return nil
	})
	return out, err
}

// Run purges every due item of the covered channels, batch by batch: each
// batch (BatchSize rows, or sized to last about BatchTime) is one short transaction that selects, folds into
// the daily statistics, anonymizes or deletes, removes persons left without
// content, and adds its counts to the run record. A run killed at any point
// leaves only whole batches done; running again finishes the work with the
// same end state. Only one run at a time per database (store lease
// LeaseName; ErrPurgeRunning otherwise). Held items are skipped and counted.
// Each organisation gets an audit entry with its counts. A run that
// anonymized or deleted anything ends by making the old bytes leave the
// database files (scrub). Dry runs take no lease and change nothing.
func (e *Engine) Run(ctx context.Context, o RunOptions) (*RunResult, error) {
	res := &RunResult{DryRun: o.DryRun, Status: gallra.PurgeDone, Channels: []ChannelResult{}}
	if o.DryRun {
		if err := e.dryRun(ctx, o, res); err != nil {
			return res, err
		}
		return res, e.purgeAccessLog(ctx, o, e.db.Now(), res)
	}
	held, err := e.db.AcquireLease(ctx, LeaseName, e.owner, e.ttl)
	if err != nil {
		return nil, err
	}
	if !held {
		return nil, ErrPurgeRunning
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := e.db.ReleaseLease(rctx, LeaseName, e.owner); err != nil {
			e.log.Warn("release purge lease", "err", err)
		}
	}()
	if o.Trigger == "" {
		o.Trigger = "api"
	}
	runID, err := e.db.StartPurgeRun(ctx, o.Trigger, o.OrgID, o.ChannelID)
	if err != nil {
		return nil, err
	}
	res.RunID = runID
	runErr := e.runChannels(ctx, o, res)
	if runErr == nil && ctx.Err() == nil {
		runErr = e.purgeAccessLog(ctx, o, e.db.Now(), res)
	}
	if runErr == nil && ctx.Err() == nil && o.ChannelID == 0 {
		// Staff belong to an organisation, not a channel: a run limited
		// to one channel leaves them to the next full run.
		res.StaffOffboarded, runErr = e.offboardStaff(ctx, o.OrgID)
	}
	status, msg := gallra.PurgeDone, ""
	switch {
	case ctx.Err() != nil:
		status, msg = gallra.PurgeInterrupted, "run was cancelled"
	case runErr != nil:
		status, msg = gallra.PurgeFailed, gallra.ErrorMessage(runErr)
		if gallra.ErrorCode(runErr) == gallra.EINTERNAL {
			msg = "internal error (see the server log)"
		}
	case len(res.Errors) > 0:
		status, msg = gallra.PurgeFailed, fmt.Sprintf("%d channel(s) failed", len(res.Errors))
	}
	res.Status = status
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.auditRun(fctx, res); err != nil && runErr == nil {
		runErr = err
	}
	if err := e.db.FinishPurgeRun(fctx, runID, status, msg); err != nil && runErr == nil {
		runErr = err
	}
	e.log.Info("purge run", "run_id", runID, "status", status, "anonymized", res.Anonymized, "deleted", res.Deleted,
		"skipped_hold", res.SkippedHold, "persons_deleted", res.PersonsDeleted, "access_log_deleted", res.AccessLogDeleted, "staff_offboarded", res.StaffOffboarded)
	if res.Anonymized+res.Deleted+res.PersonsDeleted+res.StaffOffboarded > 0 {
		e.scrub(ctx, runID)
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	return res, runErr
}

func (e *Engine) runChannels(ctx context.Context, o RunOptions, res *RunResult) error {
	plan, err := e.plan(ctx, o)
	if err != nil {
		return err
	}
	now := e.db.Now() // one instant for the whole run: consistent cutoffs
	rs := &runState{progress: o.Progress, queued: map[int64]bool{}}
	if o.Progress != nil {
		for _, w := range plan {
			if !w.r.Period.IsNever() {
				rs.total += e.countDue(ctx, w, now)
			}
		}
		o.Progress(0, rs.total)
	}
	// closeChannel adds a channel's part to the result (also when the run stops in
	// the middle of it: its committed batches count).
	closeChannel := func(cr ChannelResult) {
		res.Channels = append(res.Channels, cr)
		res.Anonymized += cr.Anonymized
		res.Deleted += cr.Deleted
		res.SkippedHold += cr.SkippedHold
		res.PersonsDeleted += cr.PersonsDeleted
	}
	for _, w := range plan {
		cr := &ChannelResult{OrgID: w.c.OrgID, ChannelID: w.c.ID, Module: string(w.c.Module), Action: string(w.r.Action), Period: w.r.Period.String()}
		if w.r.Period.IsNever() {
			res.Channels = append(res.Channels, *cr)
			if _, cerr := e.refreshCounts(ctx, w.c.OrgID, w.c.ID); cerr != nil && ctx.Err() == nil {
				e.log.Error("count due items after the purge", "run_id", res.RunID, "channel_id", cr.ChannelID, "err", cerr)
			}
			continue
		}
		t := target(w.c, w.r.Policy, now)
		t.DeferPersons = true // checked once per run: drainPersons
		t.Queued = rs.isQueued
		t.Hook = e.txHook
		cr.Cutoff = t.Cutoff
		// The redactor is fetched once for the channel; failing to get
		// it fails the channel like a failing batch would.
		var err error
		w.redact, err = e.redactor(ctx, w)
		switch {
		case err != nil:
		case e.db.CanReadAhead(t) && e.writers > 1:
			err = e.purgeSideBySide(ctx, res, rs, w, t, now, cr)
		default:
			err = e.purgeInTurn(ctx, res, rs, w, t, now, cr)
		}
		switch {
		case err == nil:
			// Once per purge cycle: what is due now, held and due soon,
			// for the overview and the preview to show.
			if _, cerr := e.refreshCounts(ctx, w.c.OrgID, w.c.ID); cerr != nil && ctx.Err() == nil {
				e.log.Error("count due items after the purge", "run_id", res.RunID, "channel_id", cr.ChannelID, "err", cerr)
			}
		case errors.Is(err, errPolicyChanged):
			e.log.Info("purge channel stopped: its policy changed during the run", "run_id", res.RunID, "channel_id", cr.ChannelID)
		case errors.Is(err, errLeaseLost):
			closeChannel(*cr)
			return err
		case ctx.Err() != nil:
			closeChannel(*cr)
			return ctx.Err()
		default:
			// A failing channel is recorded and the run goes on with the
			// others; its remaining items are retried next run.
			cr.Error = gallra.ErrorMessage(err)
			e.log.Error("purge channel", "run_id", res.RunID, "channel_id", cr.ChannelID, "err", err)
			res.Errors = append(res.Errors, fmt.Sprintf("channel %d: %s", cr.ChannelID, cr.Error))
			_ = e.db.AddPurgeRunCounts(context.WithoutCancel(ctx), res.RunID, ChannelResult{OrgID: cr.OrgID, ChannelID: cr.ChannelID,
				Module: cr.Module, Action: cr.Action, Period: cr.Period, Cutoff: cr.Cutoff, Error: cr.Error})
		}
		closeChannel(*cr)
	}
	return e.drainPersons(ctx, res)
}

// scrub makes what a run deleted or anonymized leave the database files
// (store.DB.ScrubErased: on SQLite, secure_delete has zeroed it in the pages
// and a TRUNCATE checkpoint empties the WAL holding their older images; on
// PostgreSQL, VACUUM of the tables holding personal data). It runs after the
// run, outside its transactions, also when the run failed; not when ctx is
// done (shutdown, a cancelled run): the next run does it. A failure is
// logged, not returned: the run's work is done and recorded, and the next
// run, the background checkpoint or autovacuum gets there.
func (e *Engine) scrub(ctx context.Context, runID int64) {
	if ctx.Err() != nil {
		return
	}
	if err := e.db.ScrubErased(ctx); err != nil {
		e.log.Error("purged data may stay in the database files until the next checkpoint or vacuum", "run_id", runID, "err", err)
	}
}

// redactor returns the redactor of w's organisation when w anonymizes (nil
// when it deletes, or the engine has no RedactorSource). It is read once per
// channel, so patterns changed meanwhile apply from the next channel or run.
func (e *Engine) redactor(ctx context.Context, w work) (func(string) string, error) {
	if e.red == nil || w.r.Action != gallra.ActionAnonymize {
		return nil, nil
	}
	r, err := e.red.Redactor(ctx, w.c.OrgID)
	if err != nil {
		return nil, fmt.Errorf("redactor of channel %d: %w", w.c.ID, err)
	}
	return r, nil
}

// errPolicyChanged ends a channel's part of a run: its policy became never
// or took the other action since the run began.
var errPolicyChanged = errors.New("the channel's policy changed during the run")

// runState is what a run's batch transactions share: the batch count, the
// progress, and the persons queued by committed batches. Safe for
// concurrent use.
type runState struct {
	mu       sync.Mutex // guards the fields below but progress
	pmu      sync.Mutex // one progress call at a time, outside mu; guards reported
	reported int64      // the last done count given to progress
	batches  int
	done     int64
	total    int64
	progress func(done, total int64)
	queued   map[int64]bool // persons queued by committed batches: not queued again
}

// nextBatch numbers a batch about to start (from 1, over the run).
func (rs *runState) nextBatch() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.batches++
	return rs.batches
}

func (rs *runState) isQueued(id int64) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.queued[id]
}

// committed adds a committed batch to the run's progress and to its
// channel's counts.
func (rs *runState) committed(cr *ChannelResult, b *batchTx) {
	rs.mu.Lock()
	for _, id := range b.queued {
		if len(rs.queued) >= maxQueuedSeen {
			break
		}
		rs.queued[id] = true
	}
	cr.Anonymized += b.counts.Anonymized
	cr.Deleted += b.counts.Deleted
	cr.SkippedHold += b.counts.SkippedHold
	cr.PersonsDeleted += b.counts.PersonsDeleted
	rs.done += int64(b.n)
	done := rs.done
	rs.mu.Unlock()
	// Not under mu: a slow callback (a terminal) must not hold up the
	// other writer's transaction, which reads the queued persons.
	if rs.progress != nil {
		rs.pmu.Lock()
		defer rs.pmu.Unlock()
		if done > rs.reported { // two writers may get here out of order
			rs.reported = done
			rs.progress(done, rs.total)
		}
	}
}

// batchTx is what one batch transaction did.
type batchTx struct {
	n      int // items selected (purged or skipped on hold); 0: none were due
	counts ChannelResult
	next   store.PurgeCursor
	more   bool
	queued []int64
	// moved is set when the channel's cutoff moved back (a longer period)
	// since the batch was selected: the transaction wrote nothing.
	moved *store.PurgeTarget
	took  time.Duration
}

// writeBatch runs one batch transaction of channel w: the items of sel (a
// selection read ahead for t), or without sel the next size due items after
// cur. The transaction re-reads the channel's policy and, last, renews the
// run's lease and adds its counts to the run record: the rows every batch
// transaction writes come last and in one order, so transactions running
// side by side wait for each other only for a commit, never in a cycle. It
// commits only while the run holds the lease.
func (e *Engine) writeBatch(ctx context.Context, res *RunResult, w work, t store.PurgeTarget, now time.Time, no int, sel *store.ForumSelection, cur store.PurgeCursor, size int) (*batchTx, error) {
	for try := 0; ; try++ {
		b, err := e.writeBatchOnce(ctx, res, w, t, now, no, sel, cur, size)
		if !errors.Is(err, store.ErrHoldsChanged) || try == holdRetries {
			return b, err
		}
		// A topic hold was set or released meanwhile: again, with the
		// topics locked (or, selected in the transaction, read anew).
		if sel != nil {
			sel = sel.WithTopicLocks()
		}
	}
}

// holdRetries bounds how often one batch is tried again because topic
// holds changed while it was written (a read-ahead batch needs one retry
// at most: it is then written with its topics locked).
const holdRetries = 3

func (e *Engine) writeBatchOnce(ctx context.Context, res *RunResult, w work, t store.PurgeTarget, now time.Time, no int, sel *store.ForumSelection, cur store.PurgeCursor, size int) (*batchTx, error) {
	var b *batchTx
	var began time.Time
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		began, b = time.Now(), &batchTx{}
		if err := tx.AsyncCommit(ctx); err != nil {
			return err
		}
		// The policy may have changed since the run began.
		nt, ok, err := e.recheck(ctx, tx, w, t, now)
		if err != nil {
			return err
		}
		if !ok {
			return errPolicyChanged
		}
		if !nt.Cutoff.Equal(t.Cutoff) {
			b.moved = &nt
			return nil
		}
		var pb store.PurgeBatch
		if sel != nil {
			pb, err = tx.PurgeSelection(ctx, t, sel, w.redact)
		} else {
			pb, err = tx.PurgeDue(ctx, t, cur, size, w.redact)
		}
		if err != nil {
			return err
		}
		if b.n = pb.Items; b.n == 0 {
			return nil
		}
		b.next, b.more, b.queued = pb.Next, pb.More, pb.Queued
		b.counts = ChannelResult{OrgID: w.c.OrgID, ChannelID: w.c.ID, Module: string(w.c.Module), Action: string(w.r.Action), Period: w.r.Period.String(), Cutoff: t.Cutoff,
			Anonymized: pb.Anonymized, Deleted: pb.Deleted, SkippedHold: int64(pb.Held), PersonsDeleted: pb.PersonsDeleted}
		if e.pre != nil {
			if err := e.pre(no); err != nil {
				return err
			}
		}
		// The batch commits only while this run holds the lease (deadline
		// on the store's clock, renewed here).
		if ok, err := tx.KeepLease(ctx, LeaseName, e.owner, e.ttl); err != nil {
			return err
		} else if !ok {
			return errLeaseLost
		}
		return tx.AddPurgeRunCounts(ctx, res.RunID, b.counts)
	})
	if err != nil {
		return nil, err
	}
	b.took = time.Since(began)
	return b, nil
}

// purgeInTurn purges a channel one batch transaction after the other (the
// batch read ahead while the one before it is written, where the store can:
// store.DB.CanReadAhead). cr gets the counts of the committed batches.
func (e *Engine) purgeInTurn(ctx context.Context, res *RunResult, rs *runState, w work, t store.PurgeTarget, now time.Time, cr *ChannelResult) error {
	cur := store.StartCursor()
	size := e.batch
	var perRow float64 // adaptive: smoothed batch duration per row, ns
	ahead := &batchReader{e: e, on: e.db.CanReadAhead(t), redact: w.redact}
	defer ahead.stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		sel, err := ahead.next(ctx, t, cur, size)
		if err != nil {
			return err
		}
		no := rs.nextBatch()
		b, err := e.writeBatch(ctx, res, w, t, now, no, sel, cur, size)
		if err != nil {
			return err
		}
		if b.moved != nil {
			// A longer period: read again from the same place with the
			// new cutoff (what was read ahead used the old one).
			t, cr.Cutoff = *b.moved, b.moved.Cutoff
			ahead.stop()
			continue
		}
		if b.n == 0 {
			return nil
		}
		cur = b.next
		if err := e.batchDone(rs, cr, b, no); err != nil {
			return err
		}
		if !b.more {
			return nil
		}
		if e.adapt {
			size, perRow = nextBatchSize(size, b.n, b.took, e.btime, perRow)
		}
	}
}

// purgeSideBySide purges a channel whose batches are read ahead with
// e.writers batch transactions side by side, each writing a batch the one
// reader selected (in clock order; they commit in any order). A batch is
// whole or not at all, as in turn: a run stopped at any point leaves whole
// batches, wherever they are in the channel, and the next run purges what is
// still due. Batches write disjoint posts and topics (a topic is
// anonymized by the batch holding its first post), queue persons in
// ascending order, and renew the lease and add their counts last, so they
// never wait for each other in a cycle. A policy change is seen by every
// batch that starts after it. When the cutoff moved back (a longer period),
// the batches that saw it, and those not started since, are read again
// with the new cutoff, each within its own range: batches that committed
// before the change keep theirs, and nothing is selected twice.
func (e *Engine) purgeSideBySide(ctx context.Context, res *RunResult, rs *runState, w work, t store.PurgeTarget, now time.Time, cr *ChannelResult) error {
	cur := store.StartCursor()
	var (
		mu     sync.Mutex // guards the rest
		size   = e.batch
		perRow float64
		moved  *store.PurgeTarget // the newest cutoff a batch saw
		redo   []batchJob         // batches that did not write: the cutoff moved
		failed error              // the first error (or errPolicyChanged): no batch starts after it
	)
	stopping := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil || moved != nil
	}
	// fail keeps the first error, except that a policy change gives way
	// to any other (a failure, a lost lease) seen by the other writer.
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failed == nil || errors.Is(failed, errPolicyChanged) && !errors.Is(err, errPolicyChanged) {
			failed = err
		}
	}
	for {
		jobs := make(chan batchJob)
		var wg sync.WaitGroup
		for range e.writers {
			wg.Go(func() {
				// A panic (in the redactor, say) fails the channel as it
				// would in turn, instead of ending the process; its value
				// is not kept: it may quote the text being redacted. The
				// writer goes on draining jobs so the reader never blocks.
				write := func(j batchJob) (b *batchTx, err error) {
					defer func() {
						if p := recover(); p != nil {
							b, err = nil, fmt.Errorf("write batch: channel %d: panic (%T)", w.c.ID, p)
						}
					}()
					return e.writeBatch(ctx, res, w, t, now, j.no, j.sel, j.after, 0)
				}
				for j := range jobs {
					if stopping() {
						// Batches already started finish; no other starts.
						mu.Lock()
						redo = append(redo, j)
						mu.Unlock()
						continue
					}
					b, err := write(j)
					if err != nil {
						fail(err)
						continue
					}
					if b.moved != nil {
						mu.Lock()
						if moved == nil || b.moved.Cutoff.Before(moved.Cutoff) {
							moved = b.moved
						}
						redo = append(redo, j)
						mu.Unlock()
						continue
					}
					if err := e.batchDone(rs, cr, b, j.no); err != nil {
						fail(err)
						continue
					}
					if e.adapt {
						mu.Lock()
						size, perRow = nextBatchSize(size, b.n, b.took, e.btime, perRow)
						mu.Unlock()
					}
				}
			})
		}
		ahead := &batchReader{e: e, on: true, redact: w.redact}
		more := true
		for more && !stopping() {
			mu.Lock()
			n := size
			mu.Unlock()
			sel, err := ahead.next(ctx, t, cur, n)
			if err != nil {
				fail(err)
				break
			}
			if sel.Len() == 0 {
				more = false
				break
			}
			j := batchJob{no: rs.nextBatch(), after: cur, sel: sel}
			j.end, more = sel.Next()
			jobs <- j
			cur = j.end
		}
		ahead.stop()
		close(jobs)
		wg.Wait()
		if failed != nil {
			return failed
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if moved == nil {
			return nil
		}
		t, cr.Cutoff = *moved, moved.Cutoff
		moved = nil
		slices.SortFunc(redo, func(a, b batchJob) int { return a.after.Compare(b.after) })
		for _, j := range redo {
			if err := e.rewrite(ctx, res, rs, w, &t, now, cr, j); err != nil {
				return err
			}
		}
		redo = nil
		if !more {
			return nil
		}
	}
}

// batchJob is a batch read for purgeSideBySide: its items (sel) lie after
// the cursor after, up to and including end.
type batchJob struct {
	no         int
	after, end store.PurgeCursor
	sel        *store.ForumSelection
}

// rewrite purges the range of a batch that did not write because the
// cutoff moved, read again with the new cutoff (*t), in turn (and again if
// the cutoff moves once more).
func (e *Engine) rewrite(ctx context.Context, res *RunResult, rs *runState, w work, t *store.PurgeTarget, now time.Time, cr *ChannelResult, j batchJob) error {
	after := j.after
	for {
		sel, err := e.db.ReadAhead(ctx, *t, after, max(j.sel.Len(), 1), w.redact)
		if err != nil {
			return err
		}
		if sel = sel.Through(j.end); sel.Len() == 0 {
			return nil
		}
		no := rs.nextBatch()
		b, err := e.writeBatch(ctx, res, w, *t, now, no, sel, after, 0)
		if err != nil {
			return err
		}
		if b.moved != nil {
			*t, cr.Cutoff = *b.moved, b.moved.Cutoff
			continue
		}
		if err := e.batchDone(rs, cr, b, no); err != nil {
			return err
		}
		// A range that holds more due items than it did (posts dated
		// back into it since) takes more than one batch.
		next, more := sel.Next()
		if !more {
			return nil
		}
		after = next
	}
}

// batchDone adds a committed batch to the run and calls the test hook.
func (e *Engine) batchDone(rs *runState, cr *ChannelResult, b *batchTx, no int) error {
	rs.committed(cr, b)
	if e.hook != nil {
		return e.hook(no)
	}
	return nil
}

// batchReader reads a channel's batches one ahead (store.DB.ReadAhead).
type batchReader struct {
	e      *Engine
	on     bool       // false: the store selects each batch in its transaction (next returns nil)
	read   *readAhead // the batch being read, if any
	redact func(string) string
}

// next returns the batch of t after cursor, read ahead or (the first one,
// or after stop) read now, and starts reading the batch after it.
func (r *batchReader) next(ctx context.Context, t store.PurgeTarget, after store.PurgeCursor, size int) (*store.ForumSelection, error) {
	if !r.on {
		return nil, nil
	}
	if r.read == nil {
		r.read = r.e.startReadAhead(ctx, t, after, size, r.redact)
	}
	sel, err := r.read.wait()
	r.read = nil
	if err != nil {
		return nil, err
	}
	if following, full := sel.Next(); full {
		r.read = r.e.startReadAhead(ctx, t, following, size, r.redact)
	}
	return sel, nil
}

// stop abandons the batch being read, if any, and waits for its reader.
func (r *batchReader) stop() {
	if r.read != nil {
		r.read.cancel()
		<-r.read.done
		r.read = nil
	}
}

// readAhead is one batch being read in its own goroutine.
type readAhead struct {
	cancel context.CancelFunc
	done   chan struct{}
	sel    *store.ForumSelection
	err    error
}

func (e *Engine) startReadAhead(ctx context.Context, t store.PurgeTarget, after store.PurgeCursor, size int, redact func(string) string) *readAhead {
	ctx, cancel := context.WithCancel(ctx)
	r := &readAhead{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		// A panic (in the redactor, say) fails the channel as it would on
		// the purge's own goroutine, instead of ending the process. Its
		// value is not kept: it may quote the text being redacted.
		defer func() {
			if p := recover(); p != nil {
				r.sel, r.err = nil, fmt.Errorf("read ahead: channel %d: panic (%T)", t.ChannelID, p)
			}
		}()
		r.sel, r.err = e.db.ReadAhead(ctx, t, after, size, redact)
	}()
	return r
}

// wait returns what was read.
func (r *readAhead) wait() (*store.ForumSelection, error) {
	<-r.done
	r.cancel()
	return r.sel, r.err
}

// maxQueuedSeen bounds the persons a run remembers having queued (about
// 40 MB at most); past it, the queue's primary key drops repeats.
const maxQueuedSeen = 1 << 20

// personDrainBatch is how many queued persons the first drain transaction
// checks; later ones are sized like adaptive purge batches (BatchTime).
// With a fixed BatchSize, every drain transaction takes that many.
const personDrainBatch = 500

// drainPersons deletes the persons the run's batches (and earlier runs cut
// short before their drain) queued and no content refers to any more, in
// short transactions that add the counts to the run record of the channel
// that queued them and commit only while the run holds its lease. On
// PostgreSQL DrainWorkers transactions run side by side, each on persons
// the others have not taken (deleting a person costs a foreign-key check
// per referring table there, and other writers do not wait for them); on
// SQLite, whose writer is single, one.
func (e *Engine) drainPersons(ctx context.Context, res *RunResult) error {
	if e.drainHook != nil {
		if err := e.drainHook(); err != nil {
			return err
		}
	}
	workers := 1
	if e.db.Dialect() == store.Postgres {
		workers = e.drainWorkers
	}
	var mu sync.Mutex // guards res
	g, gctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error { return e.drainWorker(gctx, res, &mu, workers > 1) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if workers > 1 {
		// A worker stops when it finds nothing it can take; rows another
		// transaction held then and gave back (it rolled back, e.g. a
		// stale run that had lost its lease) are still queued. One last
		// pass waits for such holders and takes what is left.
		return e.drainWorker(ctx, res, &mu, false)
	}
	return nil
}

// drainWorker drains the person queue until it finds nothing (left) to
// take. Each transaction checks the lease only at its end, just before the
// counts: a transaction of a run that lost its lease rolls back whole.
func (e *Engine) drainWorker(ctx context.Context, res *RunResult, mu *sync.Mutex, skipTaken bool) error {
	size := personDrainBatch
	if !e.adapt {
		size = e.batch
	}
	var perRow float64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int
		var drained []store.PersonsDrained
		began := time.Now()
		err := e.drainRetrying(ctx, func(tx *store.Tx) error {
			if err := tx.AsyncCommit(ctx); err != nil {
				return err
			}
			var err error
			if n, drained, err = tx.DrainPersonQueue(ctx, size, skipTaken, e.txHook); err != nil || n == 0 {
				return err
			}
			if e.drained != nil {
				if err := e.drained(tx); err != nil {
					return err
				}
			}
			// The rows every worker changes come last and in one order
			// (lease, then counts by channel), so side-by-side workers
			// wait for each other only for a commit, and never in a cycle.
			if ok, err := tx.KeepLease(ctx, LeaseName, e.owner, e.ttl); err != nil {
				return err
			} else if !ok {
				return errLeaseLost
			}
			mu.Lock()
			rows := make([]ChannelResult, len(drained))
			for i, d := range drained {
				rows[i] = e.channelCounts(res, d)
			}
			mu.Unlock()
			for _, r := range rows {
				if err := tx.AddPurgeRunCounts(ctx, res.RunID, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		mu.Lock()
		for _, d := range drained {
			res.PersonsDeleted += d.Deleted
			i := slices.IndexFunc(res.Channels, func(c ChannelResult) bool { return c.ChannelID == d.ChannelID })
			if i < 0 {
				res.Channels = append(res.Channels, ChannelResult{OrgID: d.OrgID, ChannelID: d.ChannelID})
				i = len(res.Channels) - 1
			}
			res.Channels[i].PersonsDeleted += d.Deleted
		}
		mu.Unlock()
		if n < size {
			return nil
		}
		if e.adapt {
			size, perRow = nextBatchSize(size, n, time.Since(began), e.btime, perRow)
		}
	}
}

// drainRetries bounds how often one person-drain transaction is tried
// again after a foreign-key violation.
const drainRetries = 3

// drainRetrying runs one person-drain transaction, again (up to
// drainRetries times) when it fails on a foreign key to persons. That
// happens only when another connection made new content refer to a person
// the drain had found unused, after the drain's check and before its
// delete (PostgreSQL): the person's foreign keys refuse the delete, the
// transaction rolls back whole, and the next try sees the new content and
// keeps the person.
func (e *Engine) drainRetrying(ctx context.Context, fn func(*store.Tx) error) error {
	for try := 0; ; try++ {
		err := e.db.Update(ctx, fn)
		if err == nil || try == drainRetries || !store.IsForeignKeyViolation(err) || ctx.Err() != nil {
			return err
		}
		e.log.Info("person drain raced new content; trying again", "try", try+1)
	}
}

// channelCounts is the run-record row that adds drained persons to the
// channel that queued them (a channel this run did not cover, when an
// earlier run was cut short, gets a row with only the count).
func (e *Engine) channelCounts(res *RunResult, d store.PersonsDrained) ChannelResult {
	for _, c := range res.Channels {
		if c.ChannelID == d.ChannelID {
			return ChannelResult{OrgID: c.OrgID, ChannelID: c.ChannelID, Module: c.Module, Action: c.Action, Period: c.Period, Cutoff: c.Cutoff, PersonsDeleted: d.Deleted}
		}
	}
	return ChannelResult{OrgID: d.OrgID, ChannelID: d.ChannelID, PersonsDeleted: d.Deleted}
}

// Adaptive batch size bounds.
const (
	minAdaptiveBatch = 50
	maxAdaptiveBatch = 20000
)

// nextBatchSize sizes the next batch to take about target, from a smoothed
// per-row duration (so that one slow batch, e.g. the machine stalling, does
// not swing it) and changing by at most ×2 or ÷2 per step.
func nextBatchSize(size, n int, took, target time.Duration, perRow float64) (int, float64) {
	r := float64(took) / float64(max(n, 1))
	if perRow == 0 {
		perRow = r
	} else {
		perRow = 0.7*perRow + 0.3*r
	}
	next := int(float64(target) / max(perRow, 1))
	next = min(2*size, max(size/2, next))
	return min(maxAdaptiveBatch, max(minAdaptiveBatch, next)), perRow
}

// countDue counts a channel's due items (held included) for progress.
func (e *Engine) countDue(ctx context.Context, w work, now time.Time) int64 {
	var n int64
	_ = e.db.View(ctx, func(tx *store.Tx) error {
		unheld, held, err := tx.CountDue(ctx, target(w.c, w.r.Policy, now), time.Time{})
		n = unheld + held
		return err
	})
	return n
}

// dryRun fills res with what a run would do, from the shared selection.
func (e *Engine) dryRun(ctx context.Context, o RunOptions, res *RunResult) error {
	plan, err := e.plan(ctx, o)
	if err != nil {
		return err
	}
	for _, w := range plan {
		pv, err := e.Preview(ctx, w.c.OrgID, w.c.ID, nil)
		if err != nil {
			return err
		}
		cr := ChannelResult{OrgID: w.c.OrgID, ChannelID: w.c.ID, Module: string(w.c.Module), Action: string(w.r.Action), Period: w.r.Period.String(),
			SkippedHold: int64(pv.Held.Count)}
		if pv.Cutoff != nil {
			cr.Cutoff = *pv.Cutoff
		}
		if w.r.Action == gallra.ActionAnonymize {
			cr.Anonymized = int64(pv.DueNow.Count)
		} else {
			cr.Deleted = int64(pv.DueNow.Count)
		}
		res.Channels = append(res.Channels, cr)
		res.Anonymized += cr.Anonymized
		res.Deleted += cr.Deleted
		res.SkippedHold += cr.SkippedHold
	}
	if o.ChannelID == 0 {
		return e.db.View(ctx, func(tx *store.Tx) error {
			due, err := tx.StaffOffboardingDue(ctx, o.OrgID, tx.Now)
			res.StaffOffboarded = int64(len(due))
			return err
		})
	}
	return nil
}

// errLeaseLost stops a run whose lease expired or was taken over.
var errLeaseLost = gallra.Errorf(gallra.ECONFLICT, "purge lease was lost")

// recheck re-reads the channel's effective policy inside a batch
// transaction. A channel whose policy became never, or changed its action,
// is not purged further this run (ok false); a longer period moves the
// cutoff back (a shorter one is left to the next run). Cheap: a few rows by
// primary key.
func (e *Engine) recheck(ctx context.Context, tx *store.Tx, w work, t store.PurgeTarget, now time.Time) (store.PurgeTarget, bool, error) {
	_, r, err := e.resolve(ctx, tx, w.c.OrgID, w.c.ID)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return t, false, nil // the channel is gone
	} else if err != nil {
		return t, false, err
	}
	if r.Period.IsNever() || r.Action != w.r.Action {
		return t, false, nil
	}
	if c := r.Period.Cutoff(now); c.Before(t.Cutoff) {
		t.Cutoff = c
	}
	return t, true, nil
}

// auditRun writes one audit entry per organisation the run covered, with
// its counts (ids and counts only).
func (e *Engine) auditRun(ctx context.Context, res *RunResult) error {
	type sums struct{ anon, del, held, persons, channels int64 }
	per := map[int64]*sums{}
	var orgs []int64
	for _, c := range res.Channels {
		s, ok := per[c.OrgID]
		if !ok {
			s = &sums{}
			per[c.OrgID] = s
			orgs = append(orgs, c.OrgID)
		}
		s.anon += c.Anonymized
		s.del += c.Deleted
		s.held += c.SkippedHold
		s.persons += c.PersonsDeleted
		s.channels++
	}
	var errs []error
	for _, org := range orgs {
		s := per[org]
		err := e.db.Update(ctx, func(tx *store.Tx) error {
			return tx.Audit(ctx, org, gallra.Actor{Type: gallra.ActorSystem}, "retention.purge_run", "purge_run", res.RunID, map[string]any{
				"status": res.Status, "channels": s.channels, "anonymized": s.anon, "deleted": s.del, "skipped_hold": s.held, "persons_deleted": s.persons,
			})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("audit purge run of org %d: %w", org, err))
		}
	}
	return errors.Join(errs...)
}

// Runs returns the organisation's newest purge runs (orgID 0: all).
func (e *Engine) Runs(ctx context.Context, orgID int64, limit int) ([]gallra.PurgeRun, error) {
	return e.db.ListPurgeRuns(ctx, orgID, limit)
}
