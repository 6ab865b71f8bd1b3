package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gallra/gallra/internal/pii"
)

func piiCommand() command {
	return command{name: "pii", summary: "find or redact personal data in text on stdin (pii scan|redact [--lines])", run: runPII}
}

func runPII(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || (args[0] != "scan" && args[0] != "redact") {
		return usageErr("pii takes a subcommand: scan or redact")
	}
	sub := args[0]
	fs := newFlags(env, "pii "+sub, "[--lines] [--kinds k1,k2] [--pattern name=regexp] < text")
	lines := fs.Bool("lines", false, "treat every input line as a separate text; print one JSON object per line (streaming)")
	kinds := fs.String("kinds", "", "comma-separated kinds to detect (scan) or redact (redact); default all ("+kindList()+")")
	op := fs.String("operator", "replace", "redact: replace (a [label]), mask (stars) or remove")
	keep := fs.Int("keep", 4, "redact --operator mask: trailing digits to keep")
	var custom []pii.CustomPattern
	fs.Func("pattern", "an organisation pattern NAME=REGEXP, e.g. kundnummer=KN-\\d{6} (repeatable)", func(s string) error {
		name, re, ok := strings.Cut(s, "=")
		if !ok || name == "" || re == "" {
			return fmt.Errorf("want NAME=REGEXP")
		}
		custom = append(custom, pii.CustomPattern{Name: name, Pattern: re})
		return nil
	})
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opts := pii.Options{Custom: custom}
	if *kinds != "" {
		var ks []pii.Kind
		for _, k := range strings.Split(*kinds, ",") {
			kind, err := pii.ParseKind(strings.TrimSpace(k))
			if err != nil {
				return usageErr("unknown kind %q; kinds are %s", k, kindList())
			}
			ks = append(ks, kind)
		}
		if sub == "scan" {
			opts.Kinds = ks
		} else {
			opts.Redact = ks
		}
	}
	var operator pii.Operator
	switch *op {
	case "replace":
		operator = pii.Replace()
	case "mask":
		operator = pii.Mask(*keep)
	case "remove":
		operator = pii.Remove()
	default:
		return usageErr("--operator must be replace, mask or remove")
	}
	d, err := pii.New(opts)
	if err != nil {
		return usageErr("%v", err)
	}
	// One buffered, periodically flushed writer for the whole run; the
	// JSON is appended by hand (pii_lines.go), the same bytes as
	// encoding/json wrote.
	out := newFlushingWriter(env.Stdout, 100*time.Millisecond)
	defer out.Close()
	handle := func(dst []byte, text string) ([]byte, error) {
		if !utf8.ValidString(text) {
			return dst, fmt.Errorf("input is not valid UTF-8")
		}
		if sub == "redact" {
			return appendRedacted(dst, d.Redact(text, operator)), nil
		}
		return appendScanned(dst, d.Detect(text)), nil
	}
	if !*lines {
		raw, err := io.ReadAll(io.LimitReader(env.Stdin, 256<<20))
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		b, err := handle(nil, string(raw))
		if err != nil {
			return err
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
		return out.Close()
	}
	// Lines are handled on every core side by side, written in input order.
	if err := runLines(ctx, env.Stdin, out, runtime.GOMAXPROCS(0), handle); err != nil {
		return err
	}
	return out.Close()
}

func kindList() string {
	var s []string
	for _, k := range pii.Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// benchPII measures the detector's throughput on one core.
func benchPII(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench pii", "[--mb N] [--write-lines FILE]")
	mb := fs.Int("mb", 64, "megabytes of mixed text to scan (at least 50 for the reported figure)")
	lines := fs.String("write-lines", "", "instead of measuring, write --mb megabytes of the same text, one message per line, to this file (input for timing `gallra pii scan --lines`)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mb < 1 {
		return usageErr("--mb must be positive")
	}
	if *lines != "" {
		f, err := os.Create(*lines)
		if err != nil {
			return err
		}
		if err := pii.WriteBenchLines(f, *mb*1_000_000); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return pii.Bench(ctx, env.Stdout, *mb)
}
