package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gallra/gallra/internal/mailout"
)

func outboxCommand() command {
	return command{name: "outbox", summary: "outbound mail: status (counts by state) or deliver (send what is due, once)", run: runOutbox}
}

// runOutbox is `gallra outbox status|deliver`: the mail.outbox job run once
// from the command line (serve runs it every minute and after each reply),
// and the outbox's counts for monitoring.
func runOutbox(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "deliver") {
		return usageErr("outbox takes status or deliver")
	}
	sub := args[0]
	fs := newFlags(env, "outbox "+sub, "[flags]")
	url := dbFlag(env, fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	var mo *mailoutSettings
	if sub == "deliver" {
		mo = mailoutFlags(env, fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	var cfg *mailoutConfig
	if mo != nil {
		var err error
		if cfg, err = mo.check(); err != nil {
			return err
		}
		if cfg.Relay == nil {
			return usageErr("GALLRA_SMTP_RELAY_URL is not set: there is no relay to deliver to")
		}
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "status" {
		st, err := db.OutboxCounts(ctx)
		if err != nil {
			return err
		}
		nt, err := db.NotifyCounts(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			out := map[string]any{"pending": st.Pending, "sending": st.Sending, "sent": st.Sent, "failed": st.Failed, "answer_notifications": nt}
			if st.OldestUnsent != nil {
				out["oldest_unsent"] = st.OldestUnsent
			}
			return writeJSON(env, out)
		}
		fmt.Fprintf(env.Stdout, "pending %d, sending %d, sent %d, failed %d\n", st.Pending, st.Sending, st.Sent, st.Failed)
		if st.OldestUnsent != nil {
			fmt.Fprintf(env.Stdout, "oldest unsent reply queued %s\n", st.OldestUnsent.Format("2006-01-02 15:04:05Z07:00"))
		}
		fmt.Fprintf(env.Stdout, "answer notifications: pending %d, sending %d, sent %d, failed %d\n", nt.Pending, nt.Sending, nt.Sent, nt.Failed)
		if nt.OldestUnsent != nil {
			fmt.Fprintf(env.Stdout, "oldest unsent notification queued %s\n", nt.OldestUnsent.Format("2006-01-02 15:04:05Z07:00"))
		}
		return nil
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := mailout.New(db, cfg.sender(), cfg.DKIM, log).Run(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env, map[string]int{"sent": st.Sent, "retried": st.Retried, "failed": st.Failed})
	}
	fmt.Fprintf(env.Stdout, "sent %d, to retry %d, failed %d\n", st.Sent, st.Retried, st.Failed)
	return nil
}
