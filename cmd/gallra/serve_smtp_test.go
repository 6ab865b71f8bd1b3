package main

import (
	"errors"
	"testing"
)

func TestParseServeSMTP(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		ok   bool
	}{
		{"off by default", nil, nil, true},
		{"address from the environment", map[string]string{"GALLRA_SMTP_ADDR": "127.0.0.1:2525", "GALLRA_SMTP_LMTP": "true"}, nil, true},
		{"address flag", nil, []string{"--smtp-addr", "127.0.0.1:2525"}, true},
		{"address without a port", nil, []string{"--smtp-addr", "localhost"}, false},
		{"certificate without key", map[string]string{"GALLRA_SMTP_ADDR": "127.0.0.1:2525", "GALLRA_SMTP_TLS_CERT": "c.pem"}, nil, false},
		{"LMTP without address", map[string]string{"GALLRA_SMTP_LMTP": "true"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			cfg, err := parseServe(env, append([]string{"--database-url", "sqlite:" + t.TempDir() + "/x.db"}, tt.args...))
			if tt.ok && err != nil {
				t.Fatalf("parseServe: %v", err)
			}
			if !tt.ok && !errors.Is(err, errUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if tt.ok && tt.vars["GALLRA_SMTP_LMTP"] == "true" && !cfg.smtp.lmtp {
				t.Error("GALLRA_SMTP_LMTP not read")
			}
		})
	}
}
