package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/storetest"
)

// TestDemoSendTest: serve --demo with the SMTP receiver on prints the
// command that delivers a sample mail to the demo inbox; run as printed, it
// delivers over SMTP and the mail is in the inbox. Refusals are clear.
func TestDemoSendTest(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			const token = "gal_test-bootstrap-token-0123456789"
			env, out, errb := testEnv(map[string]string{"GALLRA_BOOTSTRAP_TOKEN": token, "GALLRA_DATABASE_URL": storetest.URL(t, d)})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, env, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--smtp-addr", "127.0.0.1:0", "--demo"})
			}()
			defer func() {
				cancel()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Error("serve did not stop")
				}
			}()
			cmdRe := regexp.MustCompile(`mail send-test --smtp (\S+) --to (\S+)`)
			webRe := regexp.MustCompile(`listening on (http://[^/\s]+)/`)
			var m, web []string
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && (m == nil || web == nil); time.Sleep(50 * time.Millisecond) {
				m, web = cmdRe.FindStringSubmatch(out.String()), webRe.FindStringSubmatch(out.String())
			}
			if m == nil || web == nil {
				t.Fatalf("serve printed no send-test command:\n%s\n%s", out.String(), errb.String())
			}
			if m[2] != "kontakt@demo-kommun.example" {
				t.Errorf("demo inbox %q", m[2])
			}

			senv, sout, serr := testEnv(nil)
			if code := run(context.Background(), senv, []string{"mail", "send-test", "--smtp", m[1], "--to", m[2], "--subject", "Provmeddelande från testet"}); code != 0 {
				t.Fatalf("send-test exited %d: %s", code, serr.String())
			}
			if !strings.Contains(sout.String(), "delivered to kontakt@demo-kommun.example") {
				t.Errorf("send-test printed %q", sout.String())
			}
			// The mail is in the demo inbox.
			get := func(path string) []byte {
				req, _ := http.NewRequest("GET", web[1]+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return b
			}
			var chans struct {
				Items []struct {
					ID      int64  `json:"id"`
					Address string `json:"address"`
				} `json:"items"`
			}
			if err := json.Unmarshal(get("/api/v1/channels"), &chans); err != nil {
				t.Fatal(err)
			}
			var inbox int64
			for _, c := range chans.Items {
				if c.Address == m[2] {
					inbox = c.ID
				}
			}
			if body := string(get("/api/v1/channels/" + strconv.FormatInt(inbox, 10) + "/conversations?limit=5")); !strings.Contains(body, "Provmeddelande från testet") {
				t.Errorf("the sample mail is not in the demo inbox: %.500s", body)
			}

			// Refusals name the problem.
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"mail", "send-test", "--smtp", m[1], "--to", "nobody@demo-kommun.example"}, "RCPT TO refused"},
				{[]string{"mail", "send-test", "--smtp", m[1]}, "--to"},
				{[]string{"mail", "send-test", "--smtp", "nowhere", "--to", m[2]}, "host:port"},
				{[]string{"mail", "send"}, "send-test"},
			} {
				e, _, eb := testEnv(nil)
				if code := run(context.Background(), e, c.args); code == 0 || !strings.Contains(eb.String(), c.want) {
					t.Errorf("%v: exit %d, stderr %q", c.args, code, eb.String())
				}
			}
		})
	}
}
