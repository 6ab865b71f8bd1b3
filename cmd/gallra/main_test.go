package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// testEnv returns an Env with captured output and the given variables.
func testEnv(vars map[string]string) (*Env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Getenv: func(k string) string { return vars[k] }, Clock: gallra.SystemClock{}}, out, errb
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "Usage: gallra"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad flag", []string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{"bad idle duration", []string{"serve", "--chat-idle-close", "soon"}, 2, "chat idle close"},
		{"bad address", []string{"serve", "--addr", "nowhere"}, 2, "give host:port"},
		{"bad metrics address", []string{"serve", "--metrics-addr", "nowhere"}, 2, "metrics address"},
		{"metrics on the public port", []string{"serve", "--addr", "127.0.0.1:8080", "--metrics-addr", "127.0.0.1:8080"}, 2, "own port"},
		{"bad retention cap", []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/x.db", "--retention-cap-chat", "soon"}, 2, "GALLRA_RETENTION_CAP_CHAT"},
		{"bad purge interval", []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/y.db", "--purge-interval", "1s"}, 2, "GALLRA_PURGE_INTERVAL"},
		{"bad artefact ttl", []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/z.db", "--artefact-ttl", "forever"}, 2, "artefact"},
		{"bad database url", []string{"migrate", "--database-url", "mysql://x"}, 1, "database URL must start with sqlite: or postgres://"},
		{"audit without subcommand", []string{"audit"}, 2, "verify"},
		{"unknown bench", []string{"bench", "nope"}, 2, `no benchmark "nope"`},
		{"version", []string{"version"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, out, errb := testEnv(nil)
			code := run(context.Background(), env, c.args)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errb.String())
			}
			if !strings.Contains(errb.String()+out.String(), c.want) {
				t.Fatalf("output %q does not mention %q", errb.String()+out.String(), c.want)
			}
		})
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := store.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := storetest.MustFixture(t, db, "Tamper")
			verify := func() (int, string) {
				env, out, errb := testEnv(nil)
				code := run(ctx, env, []string{"audit", "verify", "--database-url", url})
				return code, out.String() + errb.String()
			}
			if code, out := verify(); code != 0 || !strings.Contains(out, ": ok,") {
				t.Fatalf("intact chain: exit %d\n%s", code, out)
			}
			raw := rawDB(t, d, url)
			exec := func(q string, args ...any) {
				t.Helper()
				if d == store.Postgres {
					q = strings.NewReplacer("?1", "$1", "?2", "$2").Replace(q)
				}
				if _, err := raw.Exec(q, args...); err != nil {
					t.Fatal(err)
				}
			}
			// 1. Edit an entry's details: its hash no longer matches.
			exec(`UPDATE audit_log SET details = '{"role":"admin"}' WHERE org_id = ?1 AND seq = ?2`, f.Org.ID, 3)
			code, out := verify()
			if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "entry 3: content does not match its hash") {
				t.Fatalf("edited entry not caught: exit %d\n%s", code, out)
			}
			// 2. Restore nothing, but also remove the newest entry: the head catches it.
			exec(`DELETE FROM audit_log WHERE org_id = ?1 AND seq = (SELECT MAX(seq) FROM audit_log WHERE org_id = ?2)`, f.Org.ID, f.Org.ID)
			if code, out := verify(); code != 1 || !strings.Contains(out, "entries were removed") {
				t.Fatalf("removed newest entry not caught: exit %d\n%s", code, out)
			}
			// 3. Remove an entry in the middle: the sequence and the link break.
			exec(`DELETE FROM audit_log WHERE org_id = ?1 AND seq = ?2`, f.Org.ID, 5)
			if code, out := verify(); code != 1 || !strings.Contains(out, "entries are missing") {
				t.Fatalf("removed middle entry not caught: exit %d\n%s", code, out)
			}
		})
	}
}

func rawDB(t *testing.T, d store.Dialect, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if d == store.SQLite {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")+"?_pragma=busy_timeout(5000)"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func TestServeWithBootstrapTokenAndGracefulShutdown(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			const token = "gal_test-bootstrap-token-0123456789"
			env, _, errb := testEnv(map[string]string{"GALLRA_BOOTSTRAP_TOKEN": token, "GALLRA_DATABASE_URL": url})
			pr, pw := io.Pipe()
			env.Stdout = pw
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, env, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--demo"})
				pw.Close()
			}()

			addr, metricsURL := "", ""
			lines := bufio.NewScanner(pr)
			re := regexp.MustCompile(`listening on (http://[^/\s]+)/`)
			reMetrics := regexp.MustCompile(`Metrics on (http://\S+)`)
			var printed strings.Builder
			for lines.Scan() {
				printed.WriteString(lines.Text() + "\n")
				if m := reMetrics.FindStringSubmatch(lines.Text()); m != nil {
					metricsURL = m[1]
				}
				if m := re.FindStringSubmatch(lines.Text()); m != nil {
					addr = m[1]
					break
				}
			}
			go io.Copy(io.Discard, pr)
			if addr == "" {
				t.Fatalf("serve did not start:\n%s\n%s", printed.String(), errb.String())
			}
			if strings.Contains(printed.String(), token) {
				t.Error("serve printed the bootstrap token set by the operator")
			}
			req, _ := http.NewRequest("GET", addr+"/api/v1/channels", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"module":"knowledge"`) {
				t.Fatalf("GET /api/v1/channels with bootstrap token: %d %s", resp.StatusCode, body)
			}
			// The retention and request services are wired in: their routes
			// answer, and the public forum shows the policy text.
			for path, want := range map[string]string{
				"/api/v1/retention/defaults": `"module":"chat"`,
				"/api/v1/requests":           `"items":[]`,
				"/api/v1/public/channels/1":  "Rättslig grund: uppgift av allmänt intresse",
			} {
				req, _ := http.NewRequest("GET", addr+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
					t.Errorf("GET %s: %d %.300s", path, resp.StatusCode, body)
				}
			}
			// Metrics are on their own listener, not on the public port.
			if resp, err := http.Get(addr + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("public /metrics: %v %v, want 404", resp.StatusCode, err)
			} else {
				resp.Body.Close()
			}
			if metricsURL == "" {
				t.Fatalf("serve did not print the metrics address:\n%s", printed.String())
			}
			resp, err = http.Get(metricsURL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), `gallra_http_requests_total{code="200",method="GET",route="GET /api/v1/channels"}`) {
				t.Errorf("metrics listener: %d %.500s", resp.StatusCode, body)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("serve exited %d after shutdown signal: %s", code, errb.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not shut down")
			}
		})
	}
}
