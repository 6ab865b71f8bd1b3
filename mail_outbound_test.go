package gallra

import (
	"strings"
	"testing"
)

func TestReplyToAddress(t *testing.T) {
	for _, c := range []struct{ inbox, key, want string }{
		{"kontakt@kommun.example", "abc", "kontakt+c-abc@kommun.example"},
		{"kontakt@kommun.example", "", "kontakt@kommun.example"},
		{"no-at-sign", "abc", "no-at-sign"},
	} {
		if got := ReplyToAddress(c.inbox, c.key); got != c.want {
			t.Errorf("ReplyToAddress(%q, %q) = %q, want %q", c.inbox, c.key, got, c.want)
		}
	}
}

func TestMailReplyValidate(t *testing.T) {
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = "a@example.se"
	}
	for _, c := range []struct {
		name string
		in   MailReply
		want string // "": valid
	}{
		{"body only", MailReply{Body: "Hej"}, ""},
		{"to and cc", MailReply{Body: "Hej", To: []string{"a@example.se"}, Cc: []string{"b@example.se"}}, ""},
		{"no body", MailReply{To: []string{"a@example.se"}}, "body is required"},
		{"display name", MailReply{Body: "Hej", To: []string{"Anna <a@example.se>"}}, "to[0] is not a valid e-mail address"},
		{"header injection", MailReply{Body: "Hej", Cc: []string{"a@example.se\r\nBcc: x@example.net"}}, "cc[0]"},
		{"too many", MailReply{Body: "Hej", To: many}, "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EINVALID %q", err, c.want)
			}
			if strings.Contains(err.Error(), "example") {
				t.Errorf("error names the address: %v", err)
			}
		})
	}
}
