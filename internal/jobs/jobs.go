// Package jobs runs Gallra's background work from the database's jobs table:
// named handlers, periodic schedules, leases so that several processes share
// the work and a crashed worker's job is taken over. It works the same on
// SQLite and PostgreSQL (no advisory locks, no LISTEN/NOTIFY).
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Handler does one job. It must stop when ctx is cancelled and be safe to run
// again after a crash (jobs are retried). Errors must not hold personal data.
type Handler func(ctx context.Context, job *store.Job) error

// Runner claims and runs jobs.
type Runner struct {
	db        *store.DB
	log       *slog.Logger
	owner     string
	lease     time.Duration
	poll      time.Duration
	retries   int
	mu        sync.Mutex
	handlers  map[string]Handler
	schedules map[string]time.Duration
}

// New returns a runner with a unique owner id for its leases.
func New(db *store.DB, log *slog.Logger) *Runner {
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	return &Runner{
		db: db, log: log, owner: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		lease: 2 * time.Minute, poll: 2 * time.Second, retries: 5,
		handlers: map[string]Handler{}, schedules: map[string]time.Duration{},
	}
}

// Owner returns the runner's lease owner id.
func (r *Runner) Owner() string { return r.owner }

// Handle registers the handler of jobs named name.
func (r *Runner) Handle(name string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[name] = h
}

// Every schedules the named job to run every d: the first run is due at
// start, the next d after each run ends. Across processes at most one run is
// pending at a time (unique key "schedule:"+name).
func (r *Runner) Every(name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.schedules[name] = d
}

// Names lists the registered job names, sorted.
func (r *Runner) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.handlers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RunNow runs the named job once in this process, outside the queue (used by
// the CLI). It still goes through the handler, so it records whatever the
// job records.
func (r *Runner) RunNow(ctx context.Context, name string) error {
	r.mu.Lock()
	h, ok := r.handlers[name]
	r.mu.Unlock()
	if !ok {
		return gallra.Errorf(gallra.ENOTFOUND, "no job named %q", name)
	}
	return h(ctx, &store.Job{Name: name, Payload: "{}"})
}

// Run schedules and works until ctx is cancelled. It returns nil on
// cancellation.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.EnqueueSchedules(ctx); err != nil {
		r.log.Error("schedule jobs", "err", err)
	}
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		for {
			ran, err := r.RunOne(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Error("job runner", "err", err)
			}
			if !ran || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// EnqueueSchedules makes every scheduled job due now unless a run of it is
// already pending or running (in any process).
func (r *Runner) EnqueueSchedules(ctx context.Context) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.schedules))
	for name := range r.schedules {
		names = append(names, name)
	}
	r.mu.Unlock()
	for _, name := range names {
		if _, err := r.db.EnqueueJob(ctx, name, 0, "schedule:"+name, "", r.db.Now()); err != nil {
			return fmt.Errorf("schedule %s: %w", name, err)
		}
	}
	return nil
}

// RunOne claims one due job and runs it, reporting whether there was one.
func (r *Runner) RunOne(ctx context.Context) (bool, error) {
	job, err := r.db.ClaimJob(ctx, r.owner, r.lease)
	if err != nil || job == nil {
		return false, err
	}
	r.mu.Lock()
	h, ok := r.handlers[job.Name]
	every, scheduled := r.schedules[job.Name]
	r.mu.Unlock()
	start := time.Now()
	var runErr error
	if !ok {
		runErr = fmt.Errorf("no handler for job %q in this process", job.Name)
	} else {
		runErr = r.runWithLease(ctx, job, h)
	}
	msg := ""
	if runErr != nil {
		// Kept in the jobs table for operators; bounded in size.
		if msg = runErr.Error(); len(msg) > 1000 {
			msg = msg[:1000]
		}
		r.log.Error("job failed", "job", job.Name, "job_id", job.ID, "attempt", job.Attempts, "err", runErr)
	} else {
		r.log.Info("job done", "job", job.Name, "job_id", job.ID, "ms", time.Since(start).Milliseconds())
	}
	// A cancelled run is left to its lease: another worker retries it.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ctx.Err() != nil {
		return true, nil
	}
	if err := r.db.FinishJob(fctx, job.ID, r.owner, msg, r.retries, time.Minute*time.Duration(job.Attempts)); err != nil {
		return true, err
	}
	if scheduled && job.UniqueKey == "schedule:"+job.Name {
		if _, err := r.db.EnqueueJob(fctx, job.Name, 0, job.UniqueKey, "", r.db.Now().Add(every)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// runWithLease runs h while renewing the job's lease; if the lease is lost the
// handler's context is cancelled.
func (r *Runner) runWithLease(ctx context.Context, job *store.Job, h Handler) (err error) {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(r.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := r.db.ExtendJobLease(hctx, job.ID, r.owner, r.lease); err != nil {
					r.log.Warn("job lease lost", "job", job.Name, "job_id", job.ID)
					cancel()
					return
				}
			}
		}
	}()
	defer close(done)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", job.Name, p)
		}
	}()
	return h(hctx, job)
}
