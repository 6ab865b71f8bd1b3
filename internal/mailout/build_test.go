package mailout_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/store"
)

// Text that reaches a header from outside (an inbound subject, a channel
// name) cannot add a header of its own.
func TestBuildKeepsHeadersOneLine(t *testing.T) {
	it := &store.OutboxItem{ID: 1, To: []string{"kund@example.se"}, From: "kontakt@kommun.example", ChannelName: "Kundtjänst\r\nX-Evil: 1",
		Subject: "Re: Hej\r\nBcc: evil@example.net\nX-Injected: yes", Body: "Svar\r\n.\r\nMAIL FROM:<evil@example.net>\r\n", MessageID: "gallra.x@kommun.example",
		InReplyTo: "m1@example.se>\r\nX-Ref: 1", References: []string{"m1@example.se"}, Date: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), ReplyKey: "abc"}
	b, err := mailout.Build(it, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Bcc", "X-Injected", "X-Evil", "X-Ref"} {
		if v := m.Header.Get(h); v != "" {
			t.Errorf("injected header %s: %q", h, v)
		}
	}
	if got := m.Header.Get("Reply-To"); got != "<kontakt+c-abc@kommun.example>" {
		t.Errorf("Reply-To = %q", got)
	}
	// A line with a lone dot in the body does not end DATA early: the
	// whole message reaches the relay, as one message.
	sk := startSink(t, &sink{})
	if err := (mailout.SMTPSender{Relay: relayTo(t, sk.addr, "")}).Send(context.Background(), it.From, it.To, b); err != nil {
		t.Fatal(err)
	}
	got := sk.messages()
	if len(got) != 1 || !strings.Contains(string(got[0].data), "MAIL FROM:<evil@example.net>") || strings.Join(got[0].rcpts, ",") != "kund@example.se" {
		t.Fatalf("sink got %+v", got)
	}
}

// FuzzParseRelayURL: any input gives a relay or an error, never a panic,
// and an error never repeats the password.
func FuzzParseRelayURL(f *testing.F) {
	for _, s := range []string{"smtp://u:pw@relay.example:587", "smtps://relay.example", "smtp://127.0.0.1:25?starttls=none", "smtp://u:pw@h?starttls=none", "smtp://[::1]:25", "smtp://%zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := mailout.ParseRelayURL(raw)
		if err != nil {
			if r != nil {
				t.Fatal("relay and error")
			}
			if i := strings.Index(raw, ":pw"); i >= 0 && strings.Contains(err.Error(), "pw@") {
				t.Fatalf("error repeats the password: %v", err)
			}
			return
		}
		if r.Host == "" || r.Port <= 0 || r.Port > 65535 {
			t.Fatalf("accepted %q as %+v", raw, r)
		}
	})
}
