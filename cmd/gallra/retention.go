package main

import (
	"context"
	"fmt"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/retention"
)

const retentionSynopsis = `get|set|text|runs [flags]

  get   --org ID [--channel ID]                 effective policy of a channel, or the module defaults
  set   --org ID (--channel ID | --module M) (--period P [--action A] | --clear)
                                                set a channel's policy or a module default; --clear
                                                makes the channel follow its default (or the default
                                                the shipped one). P: never, 30d, 1m, 3y. A: anonymize, delete
  text  --org ID --channel ID [--lang sv|en]    the privacy sentence the channel shows
  runs  [--org ID]                              the newest purge runs`

func retentionCommand() command {
	return command{name: "retention", summary: "show and set retention policies (gallring)", run: runRetention}
}

func runRetention(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("retention takes a subcommand: get, set, text or runs")
	}
	sub := args[0]
	fs := newFlags(env, "retention", retentionSynopsis)
	url := dbFlag(env, fs)
	caps := capFlags(env, fs)
	org := fs.Int64("org", 0, "organisation id")
	channel := fs.Int64("channel", 0, "channel id")
	module := fs.String("module", "", "module default to set: forum, mail or chat")
	period := fs.String("period", "", "never, or a period such as 30d, 1m, 3y")
	action := fs.String("action", "", "anonymize or delete (forum); mail and chat: delete")
	clear := fs.Bool("clear", false, "remove the setting (follow the default)")
	lang := fs.String("lang", "", "sv or en (default: the organisation's language)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c, err := caps()
	if err != nil {
		return err
	}
	if *org == 0 && sub != "runs" {
		return usageErr("--org is required")
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	e := retention.New(db, orgpii.New(db), retention.Config{Caps: c})
	print := func(v any, text string) error {
		if *asJSON {
			return writeJSON(env, v)
		}
		fmt.Fprintln(env.Stdout, text)
		return nil
	}
	switch sub {
	case "get":
		if *channel != 0 {
			r, err := e.ChannelPolicy(ctx, *org, *channel)
			if err != nil {
				return err
			}
			return print(r, describeResolved(r))
		}
		defs, err := e.Defaults(ctx, *org)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env, defs)
		}
		for _, d := range defs {
			fmt.Fprintf(env.Stdout, "%-5s default: %s (%s)\n", d.Module, d.Policy, d.Source)
		}
		return nil
	case "set":
		var p *gallra.Policy
		if !*clear {
			if *period == "" {
				return usageErr("set needs --period (or --clear)")
			}
			m := gallra.Module(*module)
			if *channel != 0 {
				ch, err := db.GetChannel(ctx, *org, *channel)
				if err != nil {
					return err
				}
				m = ch.Module
			}
			v, err := gallra.ParsePolicy(m, *period, *action)
			if err != nil {
				return err
			}
			p = &v
		}
		switch {
		case *channel != 0:
			r, err := e.SetChannelPolicyAsSystem(ctx, *org, *channel, p)
			if err != nil {
				return err
			}
			return print(r, describeResolved(r))
		case *module != "":
			d, err := e.SetDefaultAsSystem(ctx, *org, gallra.Module(*module), p)
			if err != nil {
				return err
			}
			return print(d, fmt.Sprintf("%s default: %s (%s)", d.Module, d.Policy, d.Source))
		}
		return usageErr("set needs --channel or --module")
	case "text":
		if *channel == 0 {
			return usageErr("text needs --channel")
		}
		s, err := e.ChannelPolicyText(ctx, *org, *channel, *lang)
		if err != nil {
			return err
		}
		return print(map[string]string{"policy_text": s}, s)
	case "runs":
		runs, err := e.Runs(ctx, *org, 20)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env, runs)
		}
		for _, r := range runs {
			fmt.Fprintf(env.Stdout, "run %d %-11s %-8s started %s: anonymized %d, deleted %d, skipped on hold %d, persons deleted %d %s\n",
				r.ID, r.Status, r.Trigger, r.StartedAt.Format("2006-01-02 15:04:05"), r.Anonymized, r.Deleted, r.SkippedHold, r.PersonsDeleted, r.Error)
		}
		return nil
	}
	return usageErr("unknown subcommand %q: use get, set, text or runs", sub)
}

func describeResolved(r *gallra.RetentionResolved) string {
	s := fmt.Sprintf("channel %d (%s): %s (%s)", r.ChannelID, r.Module, r.Policy, r.Source)
	if r.Capped {
		s += fmt.Sprintf(", capped by the operator at %s", r.Cap)
	}
	return s
}
