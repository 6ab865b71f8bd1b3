package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/storetest"
)

// bench takeout seeds every module (chat messages with their sequence
// numbers included) and runs find, export and erase at both sizes, on
// PostgreSQL too when the test database is configured; a too small --n is
// refused. A schema change that breaks its seeding fails here, not in the
// middle of an hour-long run.
func TestBenchTakeoutSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 22,000 rows per engine")
	}
	vars := map[string]string{"GALLRA_BENCH_POSTGRES": os.Getenv(storetest.EnvPostgres)}
	env, out, errb := testEnv(vars)
	if code := run(context.Background(), env, []string{"bench", "takeout", "--n", "20000"}); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	want := []string{"sqlite      20000 rows: seed", "sqlite   erase time at 10x rows", "takeout growth 10x rows (worst of find, export, erase"}
	if vars["GALLRA_BENCH_POSTGRES"] != "" {
		want = append(want, "postgres    20000 rows: seed", "postgres erase time at 10x rows")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	env, _, errb = testEnv(nil)
	if code := run(context.Background(), env, []string{"bench", "takeout", "--n", "19999"}); code != 2 {
		t.Errorf("--n 19999: exit %d, want 2 (%s)", code, errb.String())
	}
}
