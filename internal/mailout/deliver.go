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
	if err != nil || d.Sender == nil {
		return st, err
	}
	for ctx.Err() == nil {
		it, err := d.DB.ClaimOutbox(ctx, d.Owner, Lease)
		if err != nil {
			return st, err
		}
		if it == nil {
			return st, nil
		}
		out := d.attempt(ctx, it)
		switch out.Status {
		case gallra.DeliverySent:
			st.Sent++
		case gallra.DeliveryFailed:
			st.Failed++
		default:
			st.Retried++
		}
		// Recorded even when ctx ends now: the relay has answered.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = d.DB.FinishOutbox(fctx, it.ID, d.Owner, out.OutboxOutcome)
		cancel()
		if err != nil {
			return st, err
		}
		d.log().Info("mail outbox attempt", "outbox_id", it.ID, "org_id", it.OrgID, "conversation_id", it.ConversationID,
			"attempt", it.Attempts, "status", out.Status, "error", out.Error)
		if out.relayDown {
			// The next rows would fail the same way (and a relay that
			// does not answer would hold each for its timeout): they wait
			// for the next run, a minute on.
			return st, nil
		}
	}
	return st, nil
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
	now := d.DB.Now()
	msg, err := Build(it, d.DKIM)
	if err != nil {
		// A message that cannot be built never will be.
		d.log().Error("mail outbox build", "outbox_id", it.ID, "err", err)
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "message could not be built"}}
	}
	rcpts := append(append([]string{}, it.To...), it.Cc...)
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = d.Sender.Send(sctx, it.From, rcpts, msg)
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
	giveUp := it.QueuedAt.Add(gallra.MaxDeliveryAge)
	if !now.Before(giveUp) {
		return outcome{OutboxOutcome: store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "gave up after 48h: " + se.Error()}, relayDown: down}
	}
	wait := backoff[min(it.Attempts, len(backoff))-1]
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
