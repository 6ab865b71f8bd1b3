// Command gallra is the Gallra customer-service platform: one binary that
// serves the API and UI, migrates the database, runs purges, data-subject
// requests and benchmarks.
//
// Every setting is a flag with a GALLRA_* environment variable as its default;
// see docs/configuration.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Env is what a command gets from the process: streams, environment and
// clock, so that commands are testable in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Clock  gallra.Clock
	// IsTerminal reports whether Stdout is a terminal (progress bars).
	IsTerminal bool
}

// command is a subcommand. Each lives in its own file and is listed in
// commands().
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		serveCommand(),
		migrateCommand(),
		versionCommand(),
		auditCommand(),
		benchCommand(),
		staffCommand(),
		takeoutCommand(),
		piiCommand(),
		purgeCommand(), retentionCommand(),
		orgCommand(),
		outboxCommand(),
		mailCommand(),
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Clock: gallra.SystemClock{}, IsTerminal: isTerminal(os.Stdout)}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run executes one command line and returns the exit code: 0 ok, 1 failure,
// 2 usage error.
func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case isFlagError(err):
				return 2 // the flag package has printed the error and the usage
			case errors.Is(err, errUsage):
				fmt.Fprintf(env.Stderr, "gallra %s: %v\n", c.name, err)
				return 2
			default:
				fmt.Fprintf(env.Stderr, "gallra %s: %s\n", c.name, describe(err))
				return 1
			}
		}
	}
	fmt.Fprintf(env.Stderr, "gallra: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

// describe renders an error for the terminal: the safe message for coded
// errors, the whole chain otherwise (operators need it).
func describe(err error) string {
	if c := gallra.ErrorCode(err); c != gallra.EINTERNAL {
		return gallra.ErrorMessage(err)
	}
	return err.Error()
}

var errUsage = errors.New("usage")

// isFlagError reports whether err came from flag.FlagSet.Parse (the flag
// package returns plain errors with these fixed openings).
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined", "flag needs an argument", "invalid value ", "invalid boolean ", "bad flag syntax"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: gallra <command> [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `gallra <command> -h` for a command's flags. Settings also come from GALLRA_* variables (docs/configuration.md).")
}

// newFlags returns a flag set that writes its usage to env.Stderr and
// returns errors instead of exiting.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("gallra "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: gallra %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// envDefault returns the environment variable's value, or def.
func envDefault(env *Env, key, def string) string {
	if v := strings.TrimSpace(env.Getenv(key)); v != "" {
		return v
	}
	return def
}

// DefaultDatabaseURL is the embedded database used when nothing is set.
const DefaultDatabaseURL = "sqlite:data/gallra.db"

// dbFlag registers --database-url (GALLRA_DATABASE_URL).
func dbFlag(env *Env, fs *flag.FlagSet) *string {
	return fs.String("database-url", envDefault(env, "GALLRA_DATABASE_URL", DefaultDatabaseURL),
		"database: sqlite:PATH (embedded) or postgres://… (env GALLRA_DATABASE_URL)")
}

// openDB opens the database and, with migrate, brings its schema up to date;
// without, it refuses a schema that does not match this binary.
func openDB(ctx context.Context, env *Env, url string, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, url, env.Clock)
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func newLogger(env *Env, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, usageErr("log format %q: use text or json", format)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func versionCommand() command {
	return command{name: "version", summary: "print the version", run: func(ctx context.Context, env *Env, args []string) error {
		fmt.Fprintf(env.Stdout, "gallra %s\n", version)
		return nil
	}}
}

func migrateCommand() command {
	return command{name: "migrate", summary: "bring the database schema up to date (or --status)", run: func(ctx context.Context, env *Env, args []string) error {
		fs := newFlags(env, "migrate", "[--status]")
		url := dbFlag(env, fs)
		status := fs.Bool("status", false, "only report the schema version")
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, err := store.Open(ctx, *url, env.Clock)
		if err != nil {
			return err
		}
		defer db.Close()
		if !*status {
			n, err := db.Migrate(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "applied %d migration(s)\n", n)
		}
		cur, latest, err := db.SchemaStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s schema version %d (this binary: %d)\n", db.Dialect(), cur, latest)
		return nil
	}}
}
