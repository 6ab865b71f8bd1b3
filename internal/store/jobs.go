package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// Job statuses.
const (
	JobPending = "pending"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a unit of background work claimed under a lease.
type Job struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	OrgID      int64      `json:"org_id,omitempty"`
	UniqueKey  string     `json:"unique_key,omitempty"`
	Payload    string     `json:"payload"`
	Status     string     `json:"status"`
	RunAt      time.Time  `json:"run_at"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// EnqueueJob adds a job to run at runAt. With a non-empty uniqueKey, a job
// already pending or running under that key makes this a no-op (returns 0).
func (db *DB) EnqueueJob(ctx context.Context, name string, orgID int64, uniqueKey, payload string, runAt time.Time) (int64, error) {
	if payload == "" {
		payload = "{}"
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		if uniqueKey != "" {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE unique_key = ? AND status IN ('pending', 'running')`, uniqueKey).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO jobs (name, org_id, unique_key, payload, status, run_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
			name, orgID, uniqueKey, payload, ms(runAt), ms(tx.Now))
		return err
	})
	if gallra.ErrorCode(err) == gallra.ECONFLICT {
		return 0, nil // another scheduler enqueued it at the same moment
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue job %s: %w", name, err)
	}
	return id, nil
}

// ClaimJob takes the oldest due job (pending and due, or running with an
// expired lease: its worker died) for owner until now+lease, or returns nil.
// On PostgreSQL the candidate row is locked with SKIP LOCKED so concurrent
// workers never take the same job; on SQLite the single writer serialises.
func (db *DB) ClaimJob(ctx context.Context, owner string, lease time.Duration) (*Job, error) {
	var job *Job
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.Now)
		q := `SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= ?) OR (status = 'running' AND lease_until < ?) ORDER BY run_at, id LIMIT 1`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		var id int64
		if err := tx.queryRow(ctx, q, now, now).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?`,
			owner, now+lease.Milliseconds(), id); err != nil {
			return err
		}
		var err error
		job, err = tx.getJob(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	return job, nil
}

func (tx *Tx) getJob(ctx context.Context, id int64) (*Job, error) {
	var j Job
	var runAt, created int64
	var finished sql.NullInt64
	err := tx.queryRow(ctx, `SELECT id, name, org_id, unique_key, payload, status, run_at, attempts, last_error, created_at, finished_at FROM jobs WHERE id = ?`, id).
		Scan(&j.ID, &j.Name, &j.OrgID, &j.UniqueKey, &j.Payload, &j.Status, &runAt, &j.Attempts, &j.LastError, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("job", id)
	} else if err != nil {
		return nil, err
	}
	j.RunAt, j.CreatedAt, j.FinishedAt = fromMS(runAt), fromMS(created), fromNullMS(finished)
	return &j, nil
}

// ExtendJobLease keeps a running job's lease alive; it fails when the lease
// was lost (another worker took the job after this one stalled).
func (db *DB) ExtendJobLease(ctx context.Context, id int64, owner string, lease time.Duration) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`, ms(tx.Now)+lease.Milliseconds(), id, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gallra.Errorf(gallra.ECONFLICT, "lease of job %d was lost", id)
		}
		return nil
	})
}

// FinishJob records a job's outcome. A failed job is retried after retryIn
// until maxAttempts, then marked failed. errMsg must not hold personal data.
func (db *DB) FinishJob(ctx context.Context, id int64, owner string, errMsg string, maxAttempts int, retryIn time.Duration) error {
	return db.Update(ctx, func(tx *Tx) error {
		j, err := tx.getJob(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case errMsg == "":
			_, err = tx.exec(ctx, `UPDATE jobs SET status = 'done', finished_at = ?, last_error = '', lease_owner = '' WHERE id = ? AND lease_owner = ?`, ms(tx.Now), id, owner)
		case j.Attempts < maxAttempts:
			_, err = tx.exec(ctx, `UPDATE jobs SET status = 'pending', run_at = ?, last_error = ?, lease_owner = '' WHERE id = ? AND lease_owner = ?`, ms(tx.Now.Add(retryIn)), errMsg, id, owner)
		default:
			_, err = tx.exec(ctx, `UPDATE jobs SET status = 'failed', finished_at = ?, last_error = ?, lease_owner = '' WHERE id = ? AND lease_owner = ?`, ms(tx.Now), errMsg, id, owner)
		}
		return err
	})
}

// ListJobs returns the newest jobs, optionally of one name.
func (db *DB) ListJobs(ctx context.Context, name string, limit int) ([]Job, error) {
	var out []Job
	err := db.View(ctx, func(tx *Tx) error {
		q := `SELECT id FROM jobs`
		args := []any{}
		if name != "" {
			q += ` WHERE name = ?`
			args = append(args, name)
		}
		rows, err := tx.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, clampLimit(limit, 50, 500))...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			j, err := tx.getJob(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, *j)
		}
		return nil
	})
	return out, err
}

// AcquireLease takes the named lease for owner until now+ttl when it is free,
// expired, or already owner's (renewal), and reports whether owner holds it.
// Used for "only one purge at a time per database": a row, not an advisory
// lock, so it works on SQLite, PostgreSQL and distributed Postgres engines.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	held := false
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.Now)
		until := now + ttl.Milliseconds()
		res, err := tx.exec(ctx, `INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
			WHERE leases.until < ? OR leases.owner = excluded.owner`, name, owner, until, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		held = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return held, nil
}

// ReleaseLease frees the named lease if owner holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner)
		return err
	})
}

// DeleteFinishedJobs removes done jobs finished before doneBefore and failed
// ones finished before failedBefore, so the table does not grow without
// bound; it returns how many rows went.
func (db *DB) DeleteFinishedJobs(ctx context.Context, doneBefore, failedBefore time.Time) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM jobs WHERE (status = 'done' AND finished_at < ?) OR (status = 'failed' AND finished_at < ?)`, ms(doneBefore), ms(failedBefore))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete finished jobs: %w", err)
	}
	return n, nil
}
