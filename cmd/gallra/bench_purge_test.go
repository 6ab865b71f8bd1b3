package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/storetest"
)

// bench purge runs end to end on a small seed (on PostgreSQL too when the
// test database is configured) and ends with its summary line; bad flags
// are refused.
func TestBenchPurgeSmall(t *testing.T) {
	vars := map[string]string{"GALLRA_BENCH_POSTGRES": os.Getenv(storetest.EnvPostgres)}
	env, out, errb := testEnv(vars)
	if code := run(context.Background(), env, []string{"bench", "purge", "--n", "300", "--rounds", "2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !regexp.MustCompile(`^purge/raw ratio: \d+\.\d\d$`).MatchString(lines[len(lines)-1]) {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
	want := []string{"sqlite   2/2 purge: 300 posts anonymized", "sqlite   median of 2:"}
	if vars["GALLRA_BENCH_POSTGRES"] != "" {
		want = append(want, "postgres 2/2 raw:   300 posts anonymized", "postgres median of 2:")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	for _, args := range [][]string{{"--rounds", "0"}, {"--n", "5"}} {
		env, _, errb := testEnv(nil)
		if code := run(context.Background(), env, append([]string{"bench", "purge"}, args...)); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
