package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
)

// capFlags registers --retention-cap-forum/-mail/-chat with their
// GALLRA_RETENTION_CAP_* defaults and returns a function that parses them.
func capFlags(env *Env, fs *flag.FlagSet) func() (gallra.Caps, error) {
	vals := map[gallra.Module]*string{}
	for _, m := range gallra.PurgedModules() {
		vals[m] = fs.String("retention-cap-"+string(m), envDefault(env, gallra.CapEnv(m), ""),
			fmt.Sprintf("operator cap on %s retention, e.g. 1m, 2y; empty: no cap (env %s)", m, gallra.CapEnv(m)))
	}
	return func() (gallra.Caps, error) {
		caps := gallra.Caps{}
		for m, v := range vals {
			if err := caps.Set(m, *v); err != nil {
				return nil, usageErr("retention cap for %s: %s", m, gallra.ErrorMessage(err))
			}
		}
		return caps, nil
	}
}

func purgeCommand() command {
	return command{name: "purge", summary: "run the retention purge once (--dry-run to preview)", run: runPurge}
}

func runPurge(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "purge", "[--dry-run] [--org ID] [--channel ID] [--json]")
	url := dbFlag(env, fs)
	caps := capFlags(env, fs)
	dry := fs.Bool("dry-run", false, "only report what would be purged now and soon")
	org := fs.Int64("org", 0, "only this organisation")
	channel := fs.Int64("channel", 0, "only this channel (with --org)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	batch := fs.Int("batch", 0, "rows per transaction (0: adaptive, each about 25ms)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *channel != 0 && *org == 0 {
		return usageErr("--channel needs --org")
	}
	c, err := caps()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := retention.New(db, orgpii.New(db), retention.Config{Caps: c, BatchSize: *batch, Logger: log})
	opts := retention.RunOptions{Trigger: "cli", OrgID: *org, ChannelID: *channel, DryRun: *dry}
	if *dry && *channel != 0 {
		pv, err := e.Preview(ctx, *org, *channel, nil)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env, pv)
		}
		fmt.Fprintf(env.Stdout, "channel %d (%s, %s): due now %d, on hold %d, due within 7 days %d, within 30 days %d\n",
			pv.ChannelID, pv.Module, pv.Policy.Policy, pv.DueNow.Count, pv.Held.Count, pv.Next7Days.Count, pv.Next30Days.Count)
		fmt.Fprintf(env.Stdout, "%s ids due now: %s\n", pv.ItemType, joinIDs(pv.DueNow.IDs, pv.DueNow.Truncated))
		return nil
	}
	if env.IsTerminal && !*dry && !*asJSON {
		var bar *progressbar.ProgressBar
		opts.Progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(env.Stderr), progressbar.OptionSetDescription("purging"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(env.Stderr) }))
			}
			_ = bar.Set64(done)
		}
	}
	res, err := e.Run(ctx, opts)
	if err != nil && res == nil {
		return err
	}
	if *asJSON {
		if werr := writeJSON(env, res); werr != nil {
			return werr
		}
		return err
	}
	verb := "purged"
	if *dry {
		verb = "would purge"
	}
	for _, c := range res.Channels {
		note := ""
		if c.Error != "" {
			note = " ERROR: " + c.Error
		}
		fmt.Fprintf(env.Stdout, "org %d channel %d %-5s %-9s after %-6s anonymized %d, deleted %d, skipped on hold %d%s\n",
			c.OrgID, c.ChannelID, c.Module, c.Action, c.Period, c.Anonymized, c.Deleted, c.SkippedHold, note)
	}
	run := ""
	if res.RunID != 0 {
		run = fmt.Sprintf("run %d %s: ", res.RunID, res.Status)
	}
	fmt.Fprintf(env.Stdout, "%s%s: %d anonymized, %d deleted, %d skipped on hold, %d persons deleted\n",
		run, verb, res.Anonymized, res.Deleted, res.SkippedHold, res.PersonsDeleted)
	for _, a := range res.AccessLog {
		fmt.Fprintf(env.Stdout, "org %d access log (kept %d months): %s %d entries read before %s\n", a.OrgID, a.Months, verb, a.Deleted, a.Cutoff.Format(time.DateOnly))
	}
	if res.StaffOffboarded > 0 {
		fmt.Fprintf(env.Stdout, "%s: the name, e-mail and avatar of %d former staff member(s)\n", map[bool]string{true: "would remove", false: "removed"}[*dry], res.StaffOffboarded)
	}
	return err
}

func joinIDs(ids []int64, truncated bool) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	out := strings.Join(s, ",")
	if truncated {
		out += ",…"
	}
	return out
}

func writeJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
