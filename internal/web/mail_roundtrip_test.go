package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/smtpd"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// relaySink is an in-process SMTP server (go-smtp) standing in for the
// organisation's relay: it keeps what it is given.
type relaySink struct {
	mu   sync.Mutex
	msgs []string
	rcpt [][]string
}

type relaySession struct {
	s    *relaySink
	rcpt []string
}

func (r *relaySession) AuthPlain(string, string) error         { return nil }
func (r *relaySession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (r *relaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	r.rcpt = append(r.rcpt, to)
	return nil
}
func (r *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	r.s.mu.Lock()
	r.s.msgs, r.s.rcpt = append(r.s.msgs, string(b)), append(r.s.rcpt, r.rcpt)
	r.s.mu.Unlock()
	return nil
}
func (r *relaySession) Reset()        { r.rcpt = nil }
func (r *relaySession) Logout() error { return nil }

// TestBrowserMailRoundTrip: a customer's mail arrives over SMTP, staff open
// it in the workspace in a real browser and reply, and the relay receives
// the reply in the same thread (In-Reply-To, References, the plus-addressed
// Reply-To), addressed to the customer only.
func TestBrowserMailRoundTrip(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		inbox := e.fx.Channels[gallra.ModuleMail]

		// The receiver, as serve --smtp-addr runs it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		rcv := smtpd.New(e.svc.Mail, smtpd.Config{})
		go rcv.Serve(ln)
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rcv.Shutdown(sctx)
		})
		raw := "From: Kim Kund <kim.kund@example.se>\r\nTo: " + inbox.Address + "\r\nCc: granne@example.se\r\nSubject: =?utf-8?q?Fr=C3=A5ga_om_f=C3=B6rskola?=\r\n" +
			"Message-ID: <kund-1@example.se>\r\nDate: Thu, 15 Jan 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej! När börjar inskolningen?\r\n"
		if err := smtp.SendMail(ln.Addr().String(), nil, "kim.kund@example.se", []string{inbox.Address}, []byte(raw)); err != nil {
			t.Fatalf("deliver over SMTP: %v", err)
		}

		// Staff open it in the workspace and reply.
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect()) + "-roundtrip"}
		p.open("/login")
		p.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email), chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		p.open("/workspace")
		p.want("inbox", "Fråga om förskola")
		convs, err := e.svc.Mail.ListConversations(ctx, e.fx.Admin, inbox.ID, gallra.Page{})
		if err != nil || len(convs) == 0 {
			t.Fatalf("conversations: %v", err)
		}
		path := "/workspace/mail/" + strconv.FormatInt(convs[0].ID, 10)
		p.submit(`a[href="` + path + `"]`)
		p.want("conversation", "När börjar inskolningen?", "kim.kund@example.se")
		p.do("reply", chromedp.SendKeys(chromedp.CSS("#reply-body"), "Hej Kim! Inskolningen börjar den 2 februari."))
		p.submit(`form#reply button[type="submit"]`)
		p.want("replied", "Svaret är skickat.", "Inskolningen börjar den 2 februari.", "Väntar på att skickas")
		p.screenshot("01-replied")

		// The outbox job delivers it to the relay.
		sink := &relaySink{}
		srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &relaySession{s: sink}, nil }))
		srv.Domain, srv.AllowInsecureAuth = "relay.example", true
		rl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(rl)
		t.Cleanup(func() { srv.Close() })
		relay := &mailout.Relay{Host: "127.0.0.1", Port: rl.Addr().(*net.TCPAddr).Port, StartTLS: "none", Timeout: 10 * time.Second}
		st, err := mailout.New(db, mailout.SMTPSender{Relay: relay}, nil, slog.New(slog.DiscardHandler)).Run(ctx)
		if err != nil || st.Sent != 1 {
			t.Fatalf("outbox run: %+v %v", st, err)
		}
		sink.mu.Lock()
		msgs, rcpts := sink.msgs, sink.rcpt
		sink.mu.Unlock()
		if len(msgs) != 1 {
			t.Fatalf("relay received %d mails", len(msgs))
		}
		m := msgs[0]
		for _, want := range []string{"In-Reply-To: <kund-1@example.se>", "References: <kund-1@example.se>", "Subject: =?UTF-8?q?Re:_Fr=C3=A5ga_om_f=C3=B6rskola?=", "Reply-To: <support+c-", "+c-", "X-Gallra-Loop: " + inbox.Address} {
			if !strings.Contains(m, want) {
				t.Errorf("the reply lacks %q:\n%s", want, m)
			}
		}
		if len(rcpts[0]) != 1 || rcpts[0][0] != "kim.kund@example.se" {
			t.Errorf("the reply went to %v, want the customer only (not the copied neighbour)", rcpts[0])
		}
		p.open(path)
		p.want("sent", "Skickat")
		p.screenshot("02-sent")
	})
}
