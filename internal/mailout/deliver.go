package mailout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/jobs"
	"github.com/gallra/gallra/internal/store"
)

// backoff is the wait before each retry: the n-th failed attempt waits
// backoff[n-1] (the last value for every later one), and no retry is
// planned past gallra.MaxDeliveryAge after the reply was queued: the
// attempt then is the last.
var backoff = [...]time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Lease is how long a claimed row is a worker's: well beyond the relay
// timeout, so a live worker never loses a row it is sending.
const Lease = 5 * time.Minute

// Deliverer works the outbox: claim a due row, build and send its mail,
// record the outcome.
type Deliverer struct {
	DB     *store.DB
	Sender Sender // nil: no relay configured (unsent replies fail after gallra.MaxDeliveryAge)
	DKIM   *DKIM  // nil: unsigned
	Log    *slog.Logger
	Owner  string // lease owner id; empty: made by New
}

// New returns a Deliverer with a lease owner id unique to this process.
func New(db *store.DB, sender Sender, k *DKIM, log *slog.Logger) *Deliverer {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return &Deliverer{DB: db, Sender: sender, DKIM: k, Log: log, Owner: fmt.Sprintf("mailout-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))}
}

// Stats is what one Run did.
type Stats struct{ Sent, Retried, Failed int }

// Run delivers due outbox rows until none is due or ctx is cancelled.
// Safe to run in several processes at once (rows are claimed under a
// lease) and after a crash (an unfinished row is due again when its lease
// expires: at least once).
func (d *Deliverer) Run(ctx context.Context) (Stats, error) {
	var st Stats
	// Replies older than MaxDeliveryAge that no attempt reached (the relay
	// was down and each run stopped at its first failure, or there is no
	// relay) are not sent days late.
	reason, prefix := "gave up after 48h: not attempted", "gave up after 48h: "
	if d.Sender == nil {
		reason, prefix = "not sent: no relay configured (GALLRA_SMTP_RELAY_URL)", "not sent: no relay configured; last attempt: "
	}
	n, err := d.DB.FailStaleOutbox(ctx, d.DB.Now().Add(-gallra.MaxDeliveryAge), reason, prefix)
	st.Failed = int(n)
	if err != nil {
		return st, err
	}
	n, err = d.DB.FailStaleNotify(ctx, d.DB.Now().Add(-gallra.MaxDeliveryAge), reason, prefix)
	st.Failed += int(n)
	if err != nil || d.Sender == nil {
		return st, err
	}
	if down, err := d.runReplies(ctx, &st); err != nil || down {
		return st, err
	}
	_, err = d.runNotices(ctx, &st)
	return st, err
}

// count adds an outcome to st.
func (st *Stats) count(status string) {
	switch status {
	case gallra.DeliverySent:
		st.Sent++
	case gallra.DeliveryFailed:
		st.Failed++
	default:
		st.Retried++
	}
}

// runReplies delivers due staff replies; down reports that the relay could
// not be reached (the run stops there).
func (d *Deliverer) runReplies(ctx context.Context, st *Stats) (down bool, err error) {
	for ctx.Err() == nil {
		it, err := d.DB.ClaimOutbox(ctx, d.Owner, Lease)
		if err != nil {
			return false, err
		}
		if it == nil {
			return false, nil
		}
		out := d.attempt(ctx, it)
		st.count(out.Status)
		// Recorded even when ctx ends now: the relay has answered.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = d.DB.FinishOutbox(fctx, it.ID, d.Owner, out.OutboxOutcome)
		cancel()
		if err != nil {
			return false, err
		}
		d.log().Info("mail outbox attempt", "outbox_id", it.ID, "org_id", it.OrgID, "conversation_id", it.ConversationID,
			"attempt", it.Attempts, "status", out.Status, "error", out.Error)
		if out.relayDown {
			// The next rows would fail the same way (and a relay that
			// does not answer would hold each for its timeout): they wait
			// for the next run, a minute on.
			return true, nil
		}
	}
	return false, nil
}

// runNotices delivers due answer notifications (store.ClaimNotify), with
// the replies' sender, backoff and limits.
func (d *Deliverer) runNotices(ctx context.Context, st *Stats) (down bool, err error) {
	for ctx.Err() == nil {
		it, err := d.DB.ClaimNotify(ctx, d.Owner, Lease)
		if err != nil {
			return false, err
		}
		if it == nil {
			return false, nil
		}
		var out outcome
		msg, err := BuildNotice(it, d.DKIM)
		if err != nil {
			d.log().Error("mail outbox build notification", "notification_id", it.ID, "err", err)
			out = outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "message could not be built"}}
		} else {
			out = d.send(ctx, it.From, []string{it.To}, msg, it.Attempts, it.QueuedAt)
		}
		st.count(out.Status)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = d.DB.FinishNotify(fctx, it.ID, d.Owner, out.OutboxOutcome)
		cancel()
		if err != nil {
			return false, err
		}
		d.log().Info("mail outbox notification attempt", "notification_id", it.ID, "org_id", it.OrgID, "post_id", it.PostID,
			"attempt", it.Attempts, "status", out.Status, "error", out.Error)
		if out.relayDown {
			return true, nil
		}
	}
	return false, nil
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// attempt sends one claimed item and decides what becomes of it.
type outcome struct {
	store.OutboxOutcome
	relayDown bool // the relay could not be reached or refused the session
}

func (d *Deliverer) attempt(ctx context.Context, it *store.OutboxItem) outcome {
	msg, err := Build(it, d.DKIM)
	if err != nil {
		// A message that cannot be built never will be.
		d.log().Error("mail outbox build", "outbox_id", it.ID, "err", err)
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "message could not be built"}}
	}
	rcpts := append(append([]string{}, it.To...), it.Cc...)
	return d.send(ctx, it.From, rcpts, msg, it.Attempts, it.QueuedAt)
}

// send hands a built message to the relay and decides what becomes of its
// row: attempts is the attempt's number, queued when the row was queued.
func (d *Deliverer) send(ctx context.Context, from string, rcpts []string, msg []byte, attempts int, queued time.Time) outcome {
	now := d.DB.Now()
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err := d.Sender.Send(sctx, from, rcpts, msg)
	cancel()
	if err == nil {
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliverySent}}
	}
	se, ok := err.(*SendError)
	if !ok {
		se = classify("connect", err)
	}
	down := se.Stage == "connect"
	if se.Permanent {
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: se.Error()}}
	}
	giveUp := queued.Add(gallra.MaxDeliveryAge)
	if !now.Before(giveUp) {
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "gave up after 48h: " + se.Error()}, relayDown: down}
	}
	wait := backoff[min(attempts, len(backoff))-1]
	next := now.Add(wait)
	if next.After(giveUp) {
		next = giveUp
	}
	return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryPending, Error: se.Error(), RetryAt: next}, relayDown: down}
}

// Register adds the outbox job to r: run at once after each reply (the
// reply's transaction queues a kick) and every minute for retries.
func (d *Deliverer) Register(r *jobs.Runner) {
	r.Handle(store.OutboxJob, func(ctx context.Context, _ *store.Job) error {
		_, err := d.Run(ctx)
		return err
	})
	r.Every(store.OutboxJob, time.Minute)
}
