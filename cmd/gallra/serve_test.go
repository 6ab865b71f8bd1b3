package main

import (
	"context"
	"strings"
	"testing"
)

// TestServeRefusesWeakSettings: serve refuses to start, naming the
// variable and never echoing a secret, when GALLRA_BOOTSTRAP_TOKEN is too
// short to be a secret or GALLRA_BASE_URL is not an http(s) address.
func TestServeRefusesWeakSettings(t *testing.T) {
	long := strings.Repeat("k", 32)
	cases := []struct {
		name string
		vars map[string]string
		want string // "" : accepted
	}{
		{"one-character token", map[string]string{"GALLRA_BOOTSTRAP_TOKEN": "x"}, "GALLRA_BOOTSTRAP_TOKEN"},
		{"31-character token", map[string]string{"GALLRA_BOOTSTRAP_TOKEN": long[:31]}, "at least"},
		{"32-character token", map[string]string{"GALLRA_BOOTSTRAP_TOKEN": long}, ""},
		{"too long a token", map[string]string{"GALLRA_BOOTSTRAP_TOKEN": strings.Repeat("k", 201)}, "GALLRA_BOOTSTRAP_TOKEN"},
		{"token with a line break", map[string]string{"GALLRA_BOOTSTRAP_TOKEN": long + "\n"}, "GALLRA_BOOTSTRAP_TOKEN"},
		{"no token", nil, ""},
		{"protocol-relative base URL", map[string]string{"GALLRA_BASE_URL": "//evil.example"}, "GALLRA_BASE_URL"},
		{"base URL without scheme", map[string]string{"GALLRA_BASE_URL": "gallra.example.se"}, "GALLRA_BASE_URL"},
		{"javascript base URL", map[string]string{"GALLRA_BASE_URL": "javascript:alert(1)"}, "GALLRA_BASE_URL"},
		{"https base URL", map[string]string{"GALLRA_BASE_URL": "https://gallra.example.se/"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, _, _ := testEnv(c.vars)
			cfg, err := parseServe(env, []string{"--database-url", "sqlite:" + t.TempDir() + "/x.db"})
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", cfg)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if tok := c.vars["GALLRA_BOOTSTRAP_TOKEN"]; len(tok) > 1 && strings.Contains(err.Error(), strings.TrimSpace(tok)) {
				t.Errorf("error echoes the token: %q", err)
			}
		})
	}
	t.Run("exit code", func(t *testing.T) {
		env, _, errb := testEnv(map[string]string{"GALLRA_BOOTSTRAP_TOKEN": "x"})
		if code := run(context.Background(), env, []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/y.db"}); code != 2 || !strings.Contains(errb.String(), "GALLRA_BOOTSTRAP_TOKEN") {
			t.Errorf("exit %d, stderr %q", code, errb.String())
		}
	})
	t.Run("base URL reaches the UI", func(t *testing.T) {
		env, _, _ := testEnv(map[string]string{"GALLRA_BASE_URL": "https://gallra.example.se/"})
		cfg, err := parseServe(env, nil)
		if err != nil || cfg.baseURL != "https://gallra.example.se" {
			t.Errorf("base URL %q, %v", cfg.baseURL, err)
		}
	})
}
