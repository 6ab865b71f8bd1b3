package main

import (
	"context"
	"sort"
	"strings"
)

// bench is one `gallra bench NAME` benchmark. It prints its figures to
// env.Stdout; by convention the last line is the headline figure.
type bench struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// benches lists the benchmarks; each lives in its own bench_*.go file.
func benches() map[string]bench {
	return map[string]bench{
		"takeout":   {"find, export (MB/s) and erase one person's 1,000 items at N/10 and N rows", benchTakeout},
		"ingest":    {"writes/s of forum posts and chat messages through the store, the services and the public API over HTTP, with each engine's durability setting", benchIngest},
		"purge":     {"rows/s of the retention purge vs a raw bulk UPDATE, with p99 of concurrent store calls", benchPurge},
		"pii":       {"personal-data detector throughput (MB/s on one core)", benchPII},
		"orgdelete": {"rows/s of deleting a whole organisation of N messages, and p99 of another organisation's writes meanwhile", benchOrgDelete},
		"signin":    {"peak RSS and public GET p99 under 500 concurrent sign-in attempts from 100 addresses", benchSignin},
		"topic":     {"public topic reads of 50 and 500 posts of 99 KB: page size, p50/p99, RSS growth and bytes allocated per request", benchTopic},
		"mail":      {"accepted messages/s and p99 acceptance latency of ~20 KB mails over loopback SMTP, 10 senders", benchMail},
		"outbox":    {"staff replies queued/s and delivered/s to a loopback SMTP relay by workers side by side", benchOutbox},
		"overview":  {"admin overview / retention preview per channel at N/10 and N due posts: exact count vs counts kept per purge cycle", benchOverview},
		"web":       {"public site: topic pages/s and searches/s with p99, 8 readers, forum of 1,000,000 posts", benchWeb},
		"chat":      {"visitor WebSockets held, RSS per idle connection, delivered messages/s and delivery p50/p99 of visitors answered by agents", benchChat},
		"social":    {"signed Meta webhook deliveries accepted/s with p50/p99 answer time, and applied/s by the job", benchSocial},
		"append":    {"cost of a chat message and a mail reply at message 10 and at message N of one conversation (median of the first and last W)", benchAppend},
	}
}

func benchCommand() command {
	return command{name: "bench", summary: "run a benchmark: " + strings.Join(benchNames(), ", "), run: func(ctx context.Context, env *Env, args []string) error {
		if len(args) == 0 {
			return usageErr("bench takes a name: %s", strings.Join(benchNames(), ", "))
		}
		b, ok := benches()[args[0]]
		if !ok {
			return usageErr("no benchmark %q; have %s", args[0], strings.Join(benchNames(), ", "))
		}
		return b.run(ctx, env, args[1:])
	}}
}

func benchNames() []string {
	var out []string
	for n := range benches() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// benchTargets returns the databases a benchmark runs on: a fresh SQLite file
// in dir, plus PostgreSQL when a URL is given (--postgres or
// GALLRA_BENCH_POSTGRES). Each PostgreSQL run uses a fresh schema.
func benchPostgresURL(env *Env, flagVal string) string {
	if flagVal != "" {
		return flagVal
	}
	return env.Getenv("GALLRA_BENCH_POSTGRES")
}
