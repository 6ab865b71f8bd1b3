package mailout_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// received is one message the sink accepted.
type received struct {
	from  string
	rcpts []string
	data  []byte
}

// sink is an in-process SMTP server (go-smtp) standing in for the relay.
type sink struct {
	mu         sync.Mutex
	got        []received
	rejectRcpt *smtp.SMTPError // answer to every RCPT when set
	user, pass string          // AUTH PLAIN required when set
	addr       string
}

func startSink(t *testing.T, s *sink) *sink {
	t.Helper()
	return startSinkTLS(t, s, nil)
}

// startSinkTLS starts the sink offering STARTTLS with cfg (nil: none).
func startSinkTLS(t *testing.T, s *sink, cfg *tls.Config) *sink {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "relay.example"
	srv.AllowInsecureAuth = cfg == nil
	srv.TLSConfig = cfg
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received{}, s.got...)
}

type session struct {
	s      *sink
	authed bool
	cur    received
}

func (x *session) AuthMechanisms() []string {
	if x.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.user || pass != x.s.pass {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.user != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.cur = received{from: from}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.rejectRcpt != nil {
		return x.s.rejectRcpt
	}
	x.cur.rcpts = append(x.cur.rcpts, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.data = b
	x.s.mu.Lock()
	x.s.got = append(x.s.got, x.cur)
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.cur = received{} }
func (x *session) Logout() error { return nil }

// relayTo returns a plain-text relay to the sink (the test sink has no
// certificate; ParseRelayURL's TLS settings are tested on their own).
func relayTo(t *testing.T, addr, userinfo string) *mailout.Relay {
	t.Helper()
	if userinfo != "" {
		userinfo += "@"
	}
	r, err := mailout.ParseRelayURL("smtp://" + userinfo + addr + "?starttls=none&helo=gallra.test")
	if err != nil {
		t.Fatal(err)
	}
	r.Timeout = 5 * time.Second
	return r
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// thread is a conversation with two customers: kund wrote first, kollega
// answered in the thread (both participants).
type thread struct {
	fx   *storetest.Fixture
	svc  *gallra.Services
	conv int64
}

const (
	kund    = "kund@example.se"
	kollega = "kollega@example.se"
)

func mustThread(t *testing.T, db *store.DB, clock *storetest.Clock) *thread {
	t.Helper()
	ctx := context.Background()
	th := &thread{fx: storetest.MustFixture(t, db, "Alfa"), svc: service.New(service.Deps{DB: db, Clock: clock})}
	ch := th.fx.Channels[gallra.ModuleMail].ID
	m1, err := db.IngestMail(ctx, th.fx.Org.ID, ch, gallra.InboundMail{From: kund, FromName: "Kund", Subject: "Bygglov", Body: "Hur går det?", MessageID: "m1@example.se"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	// A colleague the customer copied answers through the conversation's
	// plus address (quoting a Message-ID alone would not let a stranger
	// in: the intake starts a new conversation then).
	key, err := db.ConversationReplyKey(ctx, th.fx.Org.ID, m1.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := db.IngestMail(ctx, th.fx.Org.ID, ch, gallra.InboundMail{From: kollega, Subject: "Re: Bygglov", Body: "Jag undrar också.",
		MessageID: "m2@example.se", InReplyTo: "m1@example.se", References: []string{"m1@example.se"}, ReplyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if m2.ConversationID != m1.ConversationID {
		t.Fatalf("the colleague's answer through the plus address started conversation %d", m2.ConversationID)
	}
	th.conv = m1.ConversationID
	clock.Advance(time.Minute)
	return th
}

func dkimKey(t *testing.T) (*mailout.DKIM, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := mailout.LoadDKIM(file, "sel")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return d, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
}

func delivery(t *testing.T, th *thread, msgID int64) *gallra.MailDelivery {
	t.Helper()
	c, err := th.svc.Mail.Conversation(context.Background(), th.fx.Admin, th.conv, gallra.ThreadPage{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Messages {
		if m.ID == msgID {
			if m.Delivery == nil {
				t.Fatalf("message %d has no delivery state", msgID)
			}
			return m.Delivery
		}
	}
	t.Fatalf("message %d not in conversation", msgID)
	return nil
}

func TestReplyIsDeliveredThreadedAndSigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		k, txt := dkimKey(t)
		s := startSink(t, &sink{user: "gallra", pass: "hemligt ord"})
		msg, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Hej!\nVi återkommer i veckan. Åsa på bygg\n"})
		if err != nil {
			t.Fatal(err)
		}
		if msg.Delivery == nil || msg.Delivery.Status != gallra.DeliveryPending {
			t.Fatalf("reply delivery = %+v, want pending", msg.Delivery)
		}
		if len(msg.To) != 1 || msg.To[0] != kollega {
			t.Fatalf("default recipient = %v, want the last inbound sender only", msg.To)
		}
		d := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, s.addr, "gallra:hemligt%20ord")}, k, nil)
		st, err := d.Run(ctx)
		if err != nil || st.Sent != 1 {
			t.Fatalf("run = %+v, %v; want 1 sent", st, err)
		}
		got := s.messages()
		if len(got) != 1 {
			t.Fatalf("sink got %d messages", len(got))
		}
		inbox := th.fx.Channels[gallra.ModuleMail].Address
		if got[0].from != inbox || strings.Join(got[0].rcpts, ",") != kollega {
			t.Errorf("envelope %s -> %v", got[0].from, got[0].rcpts)
		}
		key, err := db.ConversationReplyKey(ctx, th.fx.Org.ID, th.conv)
		if err != nil || len(key) < 26 {
			t.Fatalf("reply key %q, %v", key, err)
		}
		pm, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
		if err != nil {
			t.Fatal(err)
		}
		h := pm.Header
		for name, want := range map[string]string{
			"From":           `"mail Alfa" <` + inbox + `>`,
			"To":             "<" + kollega + ">",
			"Reply-To":       "<support+c-" + key + "@alfa.example>",
			"Message-Id":     "<" + msg.MessageID + ">",
			"In-Reply-To":    "<m2@example.se>",
			"Subject":        "Re: Bygglov",
			"Auto-Submitted": "no",
			"X-Gallra-Loop":  inbox,
		} {
			if g := h.Get(name); g != want {
				t.Errorf("%s = %q, want %q", name, g, want)
			}
		}
		if refs := strings.Fields(h.Get("References")); strings.Join(refs, " ") != "<m1@example.se> <m2@example.se>" {
			t.Errorf("References = %q", h.Get("References"))
		}
		if !strings.HasSuffix(msg.MessageID, "@alfa.example") || !strings.HasPrefix(msg.MessageID, "gallra.") {
			t.Errorf("Message-ID %q is not ours at the inbox domain", msg.MessageID)
		}
		if h.Get("Cc") != "" {
			t.Errorf("Cc = %q, want none", h.Get("Cc"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
		if err != nil || !strings.Contains(string(body), "Vi återkommer i veckan. Åsa på bygg") {
			t.Errorf("body = %q, %v", body, err)
		}
		vs, err := dkim.VerifyWithOptions(strings.NewReader(string(got[0].data)), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
			if domain != "sel._domainkey.alfa.example" {
				return nil, fmt.Errorf("unexpected lookup %s", domain)
			}
			return []string{txt}, nil
		}})
		if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "alfa.example" {
			t.Fatalf("DKIM verification = %+v, %v", vs, err)
		}
		dl := delivery(t, th, msg.ID)
		if dl.Status != gallra.DeliverySent || dl.SentAt == nil || dl.Attempts != 1 {
			t.Errorf("delivery = %+v, want sent after 1 attempt", dl)
		}
		// Nothing of the mail stays in the outbox once sent.
		var to, cc, irt, refs string
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT to_addrs, cc_addrs, in_reply_to, refs FROM mail_outbox WHERE message_id = ?`, msg.ID).Scan(&to, &cc, &irt, &refs)
		}); err != nil {
			t.Fatal(err)
		}
		if to+cc+irt+refs != "" {
			t.Errorf("sent outbox row keeps %q %q %q %q", to, cc, irt, refs)
		}
		if st, err := d.Run(ctx); err != nil || st != (mailout.Stats{}) {
			t.Errorf("second run = %+v, %v; want nothing to do", st, err)
		}
		// The customer's answer quoting our Message-ID joins the thread.
		ans, err := db.IngestMail(ctx, th.fx.Org.ID, th.fx.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: kollega, Subject: "Re: Bygglov", Body: "Tack!",
			MessageID: "m4@example.se", InReplyTo: h.Get("Message-Id"), References: strings.Fields(h.Get("References"))})
		if err != nil || ans.ConversationID != th.conv {
			t.Errorf("answer to our reply went to conversation %d (%v), want %d", ans.ConversationID, err, th.conv)
		}
	})
}

func TestReplyRecipientsChosenAmongParticipants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		for _, c := range []struct {
			name   string
			in     gallra.MailReply
			wantTo []string
		}{
			{"to a participant", gallra.MailReply{To: []string{kund}}, []string{kund}},
			{"to and cc", gallra.MailReply{To: []string{"KUND@example.se"}, Cc: []string{kollega}}, []string{"KUND@example.se", kollega}},
			{"duplicate kept once", gallra.MailReply{To: []string{kund}, Cc: []string{kund}}, []string{kund}},
			{"stranger in to", gallra.MailReply{To: []string{"annan@example.net"}}, nil},
			{"stranger in cc", gallra.MailReply{To: []string{kund}, Cc: []string{"annan@example.net"}}, nil},
			{"display name", gallra.MailReply{To: []string{"Kund <" + kund + ">"}}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.in.Body = "Svar"
				m, err := th.svc.Mail.Reply(ctx, th.fx.Editor, th.conv, c.in)
				if c.wantTo == nil {
					if gallra.ErrorCode(err) != gallra.EINVALID {
						t.Fatalf("err = %v, want EINVALID", err)
					}
					if strings.Contains(err.Error(), "annan") || strings.Contains(err.Error(), "kund") {
						t.Errorf("error names the address: %v", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(m.To, ",") != strings.Join(c.wantTo, ",") {
					t.Errorf("to = %v, want %v", m.To, c.wantTo)
				}
			})
		}
		// Refused replies left nothing behind.
		var n int
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM mail_outbox`).Scan(&n)
		}); err != nil || n != 3 {
			t.Errorf("outbox rows = %d, %v; want 3", n, err)
		}
	})
}

func TestRelayDownLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		msg, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Svar", To: []string{kund}})
		if err != nil {
			t.Fatal(err)
		}
		down := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, deadAddr(t), "")}, nil, nil)
		st, err := down.Run(ctx)
		if err != nil || st.Retried != 1 {
			t.Fatalf("run = %+v, %v; want 1 retried", st, err)
		}
		dl := delivery(t, th, msg.ID)
		if dl.Status != gallra.DeliveryPending || dl.Attempts != 1 || dl.NextAttemptAt == nil || !dl.NextAttemptAt.Equal(clock.Now().Add(time.Minute)) ||
			dl.LastError != "connect: relay unreachable" {
			t.Fatalf("delivery = %+v, want pending, retry in 1m", dl)
		}
		if st, _ := down.Run(ctx); st != (mailout.Stats{}) {
			t.Fatalf("retried before its time: %+v", st)
		}
		clock.Advance(time.Minute)
		if st, _ := down.Run(ctx); st.Retried != 1 {
			t.Fatalf("second attempt = %+v", st)
		}
		if dl := delivery(t, th, msg.ID); !dl.NextAttemptAt.Equal(clock.Now().Add(5 * time.Minute)) {
			t.Fatalf("second backoff: next at %v, want +5m", dl.NextAttemptAt)
		}
		clock.Advance(5 * time.Minute)
		s := startSink(t, &sink{})
		up := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, s.addr, "")}, nil, nil)
		if st, err := up.Run(ctx); err != nil || st.Sent != 1 {
			t.Fatalf("relay back: %+v, %v", st, err)
		}
		if n := len(s.messages()); n != 1 {
			t.Fatalf("sink got %d", n)
		}
		if dl := delivery(t, th, msg.ID); dl.Status != gallra.DeliverySent || dl.Attempts != 3 || dl.LastError != "" {
			t.Fatalf("delivery = %+v", dl)
		}
	})
}

func TestRelayDownGivesUpAfter48h(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		msg, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Svar"})
		if err != nil {
			t.Fatal(err)
		}
		start := clock.Now()
		down := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, deadAddr(t), "")}, nil, nil)
		for i := 0; i < 50; i++ {
			if _, err := down.Run(ctx); err != nil {
				t.Fatal(err)
			}
			dl := delivery(t, th, msg.ID)
			if dl.Status == gallra.DeliveryFailed {
				if clock.Now().Sub(start) != gallra.MaxDeliveryAge || !strings.HasPrefix(dl.LastError, "gave up after 48h") {
					t.Fatalf("failed at +%v with %q", clock.Now().Sub(start), dl.LastError)
				}
				return
			}
			clock.Set(*dl.NextAttemptAt)
		}
		t.Fatal("never gave up")
	})
}

func TestPermanentRefusalFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		msg, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Svar", To: []string{kund}})
		if err != nil {
			t.Fatal(err)
		}
		s := startSink(t, &sink{rejectRcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User " + kund + " unknown"}})
		st, err := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, s.addr, "")}, nil, nil).Run(ctx)
		if err != nil || st.Failed != 1 {
			t.Fatalf("run = %+v, %v; want 1 failed", st, err)
		}
		dl := delivery(t, th, msg.ID)
		if dl.Status != gallra.DeliveryFailed || dl.FailedAt == nil || dl.LastError != "rcpt 550 5.1.1" {
			t.Fatalf("delivery = %+v, want failed with the code only", dl)
		}
	})
}

func TestCrashedWorkerRowIsSentAfterItsLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		if _, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Svar"}); err != nil {
			t.Fatal(err)
		}
		// A worker claims the row and dies (kill -9) before finishing.
		it, err := db.ClaimOutbox(ctx, "dead-worker", mailout.Lease)
		if err != nil || it == nil {
			t.Fatalf("claim = %v, %v", it, err)
		}
		s := startSink(t, &sink{})
		live := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, s.addr, "")}, nil, nil)
		if st, _ := live.Run(ctx); st != (mailout.Stats{}) {
			t.Fatalf("took a row under another worker's lease: %+v", st)
		}
		clock.Advance(mailout.Lease)
		if st, err := live.Run(ctx); err != nil || st.Sent != 1 {
			t.Fatalf("after the lease: %+v, %v", st, err)
		}
		// The dead worker's late report changes nothing.
		if err := db.FinishOutbox(ctx, it.ID, "dead-worker", store.OutboxOutcome{Status: gallra.DeliveryFailed, Error: "x"}); err != nil {
			t.Fatal(err)
		}
		if dl := delivery(t, th, it.MessageRowID); dl.Status != gallra.DeliverySent {
			t.Fatalf("delivery = %+v", dl)
		}
	})
}

func TestNoRelayFailsAfter48h(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		msg, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: "Svar"})
		if err != nil {
			t.Fatal(err)
		}
		d := mailout.New(db, nil, nil, nil)
		if st, _ := d.Run(ctx); st.Failed != 0 {
			t.Fatal("failed at once")
		}
		clock.Advance(gallra.MaxDeliveryAge + time.Second)
		if st, _ := d.Run(ctx); st.Failed != 1 {
			t.Fatalf("run = %+v", st)
		}
		if dl := delivery(t, th, msg.ID); dl.Status != gallra.DeliveryFailed || !strings.Contains(dl.LastError, "no relay") {
			t.Fatalf("delivery = %+v", dl)
		}
	})
}

func newDeliverer(t *testing.T, db *store.DB, addr string) *mailout.Deliverer {
	t.Helper()
	return mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, addr, "")}, nil, nil)
}

// Several workers (processes) side by side send each reply once.
func TestWorkersSideBySideSendEachReplyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		const n = 30
		for i := 0; i < n; i++ {
			if _, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: fmt.Sprintf("Svar %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		s := startSink(t, &sink{})
		var wg sync.WaitGroup
		stats := make([]mailout.Stats, 4)
		errs := make([]error, 4)
		for w := range stats {
			d := newDeliverer(t, db, s.addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				stats[w], errs[w] = d.Run(ctx)
			}()
		}
		wg.Wait()
		sent := 0
		for w := range stats {
			if errs[w] != nil {
				t.Fatalf("worker %d: %v", w, errs[w])
			}
			sent += stats[w].Sent
		}
		ids := map[string]int{}
		for _, m := range s.messages() {
			pm, err := mail.ReadMessage(strings.NewReader(string(m.data)))
			if err != nil {
				t.Fatal(err)
			}
			ids[pm.Header.Get("Message-Id")]++
		}
		if sent != n || len(ids) != n || len(s.messages()) != n {
			t.Fatalf("sent %d, sink got %d messages with %d distinct ids; want %d each", sent, len(s.messages()), len(ids), n)
		}
	})
}

// A run stops at the first reply the relay cannot take (the others would
// fail the same way); those not attempted for 48 hours fail then, with the
// last code kept for those that were.
func TestRelayDownStopsTheRunAndStaleRepliesFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		th := mustThread(t, db, clock)
		var ids []int64
		for i := 0; i < 3; i++ {
			m, err := th.svc.Mail.Reply(ctx, th.fx.Admin, th.conv, gallra.MailReply{Body: fmt.Sprintf("Svar %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		down := mailout.New(db, mailout.SMTPSender{Relay: relayTo(t, deadAddr(t), "")}, nil, nil)
		if st, err := down.Run(ctx); err != nil || st != (mailout.Stats{Retried: 1}) {
			t.Fatalf("run = %+v, %v; want one attempt", st, err)
		}
		if dl := delivery(t, th, ids[1]); dl.Status != gallra.DeliveryPending || dl.Attempts != 0 {
			t.Fatalf("second reply = %+v, want untouched", dl)
		}
		clock.Advance(gallra.MaxDeliveryAge + time.Minute)
		if st, err := down.Run(ctx); err != nil || st.Failed != 3 {
			t.Fatalf("run after 48h = %+v, %v; want 3 failed", st, err)
		}
		if dl := delivery(t, th, ids[0]); dl.Status != gallra.DeliveryFailed || dl.LastError != "gave up after 48h: connect: relay unreachable" {
			t.Errorf("attempted reply = %+v", dl)
		}
		if dl := delivery(t, th, ids[2]); dl.Status != gallra.DeliveryFailed || dl.LastError != "gave up after 48h: not attempted" {
			t.Errorf("unattempted reply = %+v", dl)
		}
	})
}
