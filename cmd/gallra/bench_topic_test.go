package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/storetest"
)

// bench topic runs end to end on small topics (on PostgreSQL too when the
// test database is configured): the walk by the cursor reaches every page;
// bad flags are refused.
func TestBenchTopicSmall(t *testing.T) {
	vars := map[string]string{"GALLRA_BENCH_POSTGRES": os.Getenv(storetest.EnvPostgres)}
	env, out, errb := testEnv(vars)
	if code := run(context.Background(), env, []string{"bench", "topic", "--posts", "3,7", "--size", "100", "--clients", "2", "--requests", "2", "--limit", "2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := []string{"sqlite      3 posts: walk: 2 pages", "sqlite      7 posts: walk: 4 pages", "sqlite      7 posts: public GET p99"}
	if vars["GALLRA_BENCH_POSTGRES"] != "" {
		want = append(want, "postgres    7 posts: walk: 4 pages")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	for _, args := range [][]string{{"--posts", "0"}, {"--limit", "101"}, {"--size", "100001"}} {
		env, _, errb := testEnv(nil)
		if code := run(context.Background(), env, append([]string{"bench", "topic"}, args...)); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
