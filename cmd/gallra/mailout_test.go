package main

import (
	"strings"
	"testing"
)

// TestServeMailoutSettings: serve checks the relay URL and the DKIM
// settings before it starts, naming the variable and never echoing the
// relay's password.
func TestServeMailoutSettings(t *testing.T) {
	for _, c := range []struct {
		name string
		vars map[string]string
		want string // "": accepted
	}{
		{"no relay", nil, ""},
		{"relay with STARTTLS", map[string]string{"GALLRA_SMTP_RELAY_URL": "smtp://gallra:pw-secret@relay.example:587"}, ""},
		{"wrong scheme", map[string]string{"GALLRA_SMTP_RELAY_URL": "imap://gallra:pw-secret@relay.example"}, "GALLRA_SMTP_RELAY_URL"},
		{"password in clear", map[string]string{"GALLRA_SMTP_RELAY_URL": "smtp://gallra:pw-secret@relay.example?starttls=none"}, "GALLRA_SMTP_RELAY_URL"},
		{"selector without key", map[string]string{"GALLRA_DKIM_SELECTOR": "gallra"}, "GALLRA_DKIM_KEY_FILE"},
		{"missing key file", map[string]string{"GALLRA_DKIM_KEY_FILE": "/nonexistent/dkim.pem", "GALLRA_DKIM_SELECTOR": "gallra"}, "GALLRA_DKIM_KEY_FILE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, _, _ := testEnv(c.vars)
			cfg, err := parseServe(env, []string{"--database-url", "sqlite:" + t.TempDir() + "/x.db"})
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if (c.vars["GALLRA_SMTP_RELAY_URL"] != "") != (cfg.mailout.Relay != nil) {
					t.Errorf("relay = %+v", cfg.mailout.Relay)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "pw-secret") {
				t.Errorf("error echoes the password: %v", err)
			}
		})
	}
}
