package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// StartPurgeRun records the start of a run. Call it while holding the purge
// lease: runs still marked running were then cut short (crash, kill) and are
// marked interrupted.
func (db *DB) StartPurgeRun(ctx context.Context, trigger string, orgID, channelID int64) (int64, error) {
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE purge_runs SET status = ?, error = 'run did not finish (process stopped)' WHERE status = ?`, gallra.PurgeInterrupted, gallra.PurgeRunning); err != nil {
			return err
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO purge_runs (trigger, org_id, channel_id, status, started_at) VALUES (?, ?, ?, ?, ?)`,
			trigger, orgID, channelID, gallra.PurgeRunning, ms(tx.Now))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start purge run: %w", err)
	}
	return id, nil
}

// AddPurgeRunCounts adds a batch's counts to a run's channel row inside the
// batch's transaction, so the record matches what was committed.
func (tx *Tx) AddPurgeRunCounts(ctx context.Context, runID int64, c gallra.PurgeRunChannel) error {
	_, err := tx.exec(ctx, `INSERT INTO purge_run_channels (run_id, org_id, channel_id, module, action, period, cutoff, anonymized, deleted, skipped_hold, persons_deleted, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, channel_id) DO UPDATE SET cutoff = excluded.cutoff, anonymized = purge_run_channels.anonymized + excluded.anonymized,
			deleted = purge_run_channels.deleted + excluded.deleted, skipped_hold = purge_run_channels.skipped_hold + excluded.skipped_hold,
			persons_deleted = purge_run_channels.persons_deleted + excluded.persons_deleted,
			error = CASE WHEN excluded.error <> '' THEN excluded.error ELSE purge_run_channels.error END`,
		runID, c.OrgID, c.ChannelID, c.Module, c.Action, c.Period, ms(c.Cutoff), c.Anonymized, c.Deleted, c.SkippedHold, c.PersonsDeleted, c.Error)
	if err != nil {
		return fmt.Errorf("record purge counts: %w", err)
	}
	return nil
}

// AddPurgeRunCounts is AddPurgeRunCounts in its own transaction.
func (db *DB) AddPurgeRunCounts(ctx context.Context, runID int64, c gallra.PurgeRunChannel) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.AddPurgeRunCounts(ctx, runID, c) })
}

// FinishPurgeRun records a run's end and totals (summed from its channels).
// errMsg must hold no personal data.
func (db *DB) FinishPurgeRun(ctx context.Context, id int64, status, errMsg string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE purge_runs SET status = ?, error = ?, finished_at = ?,
			anonymized = (SELECT COALESCE(SUM(anonymized), 0) FROM purge_run_channels WHERE run_id = ?),
			deleted = (SELECT COALESCE(SUM(deleted), 0) FROM purge_run_channels WHERE run_id = ?),
			skipped_hold = (SELECT COALESCE(SUM(skipped_hold), 0) FROM purge_run_channels WHERE run_id = ?),
			persons_deleted = (SELECT COALESCE(SUM(persons_deleted), 0) FROM purge_run_channels WHERE run_id = ?)
			WHERE id = ?`, status, errMsg, ms(tx.Now), id, id, id, id, id)
		return err
	})
}

// ListPurgeRuns returns the newest runs that covered the organisation
// (orgID 0: every run, operator view), each with only that organisation's
// channels and totals summed over them.
func (db *DB) ListPurgeRuns(ctx context.Context, orgID int64, limit int) ([]gallra.PurgeRun, error) {
	out := []gallra.PurgeRun{}
	err := db.View(ctx, func(tx *Tx) error {
		q := `SELECT id, trigger, org_id, channel_id, status, started_at, finished_at, anonymized, deleted, skipped_hold, persons_deleted, error FROM purge_runs`
		args := []any{}
		if orgID != 0 {
			q += ` WHERE org_id IN (0, ?)`
			args = append(args, orgID)
		}
		rows, err := tx.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, clampLimit(limit, 20, 200))...)
		if err != nil {
			return fmt.Errorf("list purge runs: %w", err)
		}
		for rows.Next() {
			var r gallra.PurgeRun
			var started int64
			var finished sql.NullInt64
			if err := rows.Scan(&r.ID, &r.Trigger, &r.OrgID, &r.ChannelID, &r.Status, &started, &finished, &r.Anonymized, &r.Deleted, &r.SkippedHold, &r.PersonsDeleted, &r.Error); err != nil {
				rows.Close()
				return err
			}
			r.StartedAt, r.FinishedAt = fromMS(started), fromNullMS(finished)
			r.Channels = []gallra.PurgeRunChannel{}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			r := &out[i]
			cq := `SELECT org_id, channel_id, module, action, period, cutoff, anonymized, deleted, skipped_hold, persons_deleted, error FROM purge_run_channels WHERE run_id = ?`
			cargs := []any{r.ID}
			if orgID != 0 {
				cq += ` AND org_id = ?`
				cargs = append(cargs, orgID)
			}
			crows, err := tx.query(ctx, cq+` ORDER BY channel_id`, cargs...)
			if err != nil {
				return err
			}
			if orgID != 0 {
				r.Anonymized, r.Deleted, r.SkippedHold, r.PersonsDeleted = 0, 0, 0, 0
			}
			for crows.Next() {
				var c gallra.PurgeRunChannel
				var cutoff int64
				if err := crows.Scan(&c.OrgID, &c.ChannelID, &c.Module, &c.Action, &c.Period, &cutoff, &c.Anonymized, &c.Deleted, &c.SkippedHold, &c.PersonsDeleted, &c.Error); err != nil {
					crows.Close()
					return err
				}
				c.Cutoff = fromMS(cutoff)
				r.Channels = append(r.Channels, c)
				if orgID != 0 {
					r.Anonymized += c.Anonymized
					r.Deleted += c.Deleted
					r.SkippedHold += c.SkippedHold
					r.PersonsDeleted += c.PersonsDeleted
				}
			}
			crows.Close()
			if err := crows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// KeepLease extends the named lease to now+ttl inside tx when owner still
// holds it without a break (its deadline, on the injected clock, has not
// passed) and reports whether it did. A purge batch calls it in its own
// transaction, so a batch commits only while its run holds the lease.
func (tx *Tx) KeepLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := ms(tx.Now)
	// Never earlier than it is: batch transactions running side by side
	// commit in any order, each with the deadline of its own start.
	until := now + ttl.Milliseconds()
	res, err := tx.exec(ctx, `UPDATE leases SET until = CASE WHEN until > ? THEN until ELSE ? END WHERE name = ? AND owner = ? AND until >= ?`, until, until, name, owner, now)
	if err != nil {
		return false, fmt.Errorf("keep lease %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Snapshot makes a PostgreSQL transaction read one snapshot for all its
// statements (REPEATABLE READ); call it first. SQLite transactions already
// read one snapshot.
func (tx *Tx) Snapshot(ctx context.Context) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`)
	return err
}
