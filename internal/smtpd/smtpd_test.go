package smtpd_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailin"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/smtpd"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

type env struct {
	t     *testing.T
	db    *store.DB
	svc   *gallra.Services
	f     *storetest.Fixture
	addr  string
	inbox string
}

// start runs the receiver on a loopback port for the test.
func start(t *testing.T, db *store.DB, clock gallra.Clock, cfg smtpd.Config) *env {
	t.Helper()
	svc := service.New(service.Deps{DB: db, Clock: clock})
	f := storetest.MustFixture(t, db, "Kommunen")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtpd.New(svc.Mail, cfg)
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &env{t: t, db: db, svc: svc, f: f, addr: ln.Addr().String(), inbox: f.Channels[gallra.ModuleMail].Address}
}

// send delivers raw to rcpts over SMTP with net/smtp and returns the
// server's error (a *textproto.Error carries the reply code).
func (e *env) send(from string, rcpts []string, raw string) error {
	e.t.Helper()
	c, err := smtp.Dial(e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (e *env) mustSend(from, rcpt, raw string) {
	e.t.Helper()
	if err := e.send(from, []string{rcpt}, raw); err != nil {
		e.t.Fatalf("send: %v", err)
	}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mailin", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "kontakt@kommun.example", "support@kommunen.example")
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// messages returns the inbox's conversations with their messages, oldest
// conversation first.
func (e *env) conversations() []*gallra.MailConversation {
	e.t.Helper()
	ctx := context.Background()
	list, err := e.svc.Mail.ListConversations(ctx, e.f.Admin, e.f.Channels[gallra.ModuleMail].ID, gallra.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*gallra.MailConversation
	for i := len(list) - 1; i >= 0; i-- {
		c, err := e.svc.Mail.Conversation(ctx, e.f.Admin, list[i].ID, gallra.ThreadPage{})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func mail(from, msgID, inReplyTo, subject, body string) string {
	h := "From: " + from + "\r\nTo: support@kommunen.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID + ">\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	return h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

func TestReceiveAndThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := start(t, db, clock, smtpd.Config{})
		// A Gmail thread: the first message, then the reply that references it.
		e.mustSend("bertil.provsson@example.org", e.inbox, fixture(t, "gmail_first.eml"))
		e.mustSend("bertil.provsson@example.org", e.inbox, fixture(t, "gmail_thread.eml"))
		// An Outlook reply whose References hold an earlier message of Anna's.
		e.mustSend("anna.testsson@example.com", e.inbox, mail("Anna Testsson <anna.testsson@example.com>", "first-1@example.com", "", "Fråga om bygglov", "Hej, hur söker jag bygglov?"))
		e.mustSend("anna.testsson@example.com", e.inbox, fixture(t, "outlook_reply.eml"))
		cs := e.conversations()
		if len(cs) != 2 {
			t.Fatalf("%d conversations, want 2", len(cs))
		}
		if n := len(cs[0].Messages); n != 2 || !strings.Contains(cs[0].Messages[1].Body, "står fortfarande kvar") {
			t.Errorf("gmail thread: %d messages %+v", n, cs[0].Messages)
		}
		if n := len(cs[1].Messages); n != 2 || cs[1].Messages[1].MessageID != "AM0PR07MB1234567890ABCDEF@AM0PR07MB1234.eurprd07.prod.outlook.example" {
			t.Errorf("outlook thread: %d messages", n)
		}
		if !strings.Contains(cs[1].Messages[1].BodyHTML, "<p>Tack för svaret.") {
			t.Errorf("html body not kept sanitised: %q", cs[1].Messages[1].BodyHTML)
		}
		// The same message again (an SMTP retry) is stored once.
		e.mustSend("anna.testsson@example.com", e.inbox, fixture(t, "outlook_reply.eml"))
		if n := len(e.conversations()[1].Messages); n != 2 {
			t.Errorf("duplicate stored: %d messages", n)
		}
	})
}

func TestThreadingRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := start(t, db, clock, smtpd.Config{})
		e.mustSend("eva@example.se", e.inbox, mail("eva@example.se", "eva-1@example.se", "", "Min ansökan", "Hej"))
		key := e.conversations()[0].ReplyKey
		if len(key) != 32 {
			t.Fatalf("reply key %q", key)
		}
		// Someone who is not a participant quotes Eva's Message-ID: a new
		// conversation, not Eva's.
		e.mustSend("mallory@example.net", e.inbox, mail("mallory@example.net", "m-1@example.net", "eva-1@example.se", "Re: Min ansökan", "Jag med"))
		// Eva's own reply by Message-ID joins.
		e.mustSend("eva@example.se", e.inbox, mail("eva@example.se", "eva-2@example.se", "eva-1@example.se", "Re: Min ansökan", "Tillägg"))
		// A colleague writing to the plus address joins by the key.
		e.mustSend("kollega@example.se", mailin.PlusAddress(e.inbox, key), mail("kollega@example.se", "k-1@example.se", "", "Re: Min ansökan", "Jag är Evas kollega"))
		// A subject tag does too.
		e.mustSend("kollega2@example.se", e.inbox, mail("kollega2@example.se", "k-2@example.se", "", "Re: Min ansökan [#"+key+"]", "Hej"))
		cs := e.conversations()
		if len(cs) != 2 {
			t.Fatalf("%d conversations, want 2", len(cs))
		}
		var got []string
		for _, m := range cs[0].Messages {
			got = append(got, m.MessageID)
		}
		if strings.Join(got, " ") != "eva-1@example.se eva-2@example.se k-1@example.se k-2@example.se" {
			t.Errorf("Eva's conversation: %v", got)
		}
		if len(cs[1].Messages) != 1 || cs[1].Messages[0].MessageID != "m-1@example.net" {
			t.Errorf("the quoting stranger did not get a conversation of their own")
		}
		// The JSON API follows the same rule.
		ctx := context.Background()
		m, err := e.svc.Mail.Ingest(ctx, e.f.Admin, e.f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "other@example.net", Subject: "Re: x", Body: "b", MessageID: "j-1@example.net", InReplyTo: "eva-1@example.se"})
		if err != nil || m.ConversationID == cs[0].ID {
			t.Errorf("JSON ingest joined by a quoted Message-ID: %v", err)
		}
		m, err = e.svc.Mail.Ingest(ctx, e.f.Admin, e.f.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "other@example.net", To: []string{mailin.PlusAddress(e.inbox, key)}, Subject: "Autosvar: x", Body: "b", MessageID: "j-2@example.net"})
		if err != nil || m.ConversationID != cs[0].ID || m.Kind != gallra.MailKindAutoReply {
			t.Errorf("JSON ingest by plus address: %+v %v", m, err)
		}
	})
}

func TestAutoReplyBounceLoopAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := start(t, db, clock, smtpd.Config{})
		ctx := context.Background()
		e.mustSend("anna.testsson@example.com", e.inbox, mail("anna.testsson@example.com", "out-1@kommun.example", "", "Fråga om bygglov", "Hej"))
		e.mustSend("anna.testsson@example.com", e.inbox, fixture(t, "autosvar.eml"))
		e.mustSend("", e.inbox, fixture(t, "dsn_bounce.eml"))
		tok, err := db.MailLoopToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.mustSend("support@kommunen.example", e.inbox, mailin.LoopHeader+": "+tok+"\r\n"+mail("support@kommunen.example", "loop-1@kommunen.example", "", "Vårt eget", "x"))
		// What the outbox sends carries the sending inbox's address: ours
		// is dropped, another installation's inbox is a customer's mail.
		e.mustSend("support@kommunen.example", e.inbox, mailin.LoopHeader+": "+e.inbox+"\r\n"+mail("support@kommunen.example", "loop-2@kommunen.example", "", "Vårt eget svar", "x"))
		e.mustSend("anna.testsson@example.com", e.inbox, fixture(t, "attachment_traversal.eml"))
		e.mustSend("asa.test@example.se", e.inbox, fixture(t, "iso8859_swedish.eml"))
		e.mustSend("info@example.org", e.inbox, fixture(t, "html_tracking.eml"))
		e.mustSend("kontakt@annan-kommun.example", e.inbox, mailin.LoopHeader+": kontakt@annan-kommun.example\r\n"+mail("kontakt@annan-kommun.example", "other-gallra-1@annan-kommun.example", "", "Från en annan kommun", "x"))
		cs := e.conversations()
		if len(cs) != 5 {
			t.Fatalf("%d conversations, want 5 (our own loop mail must be dropped, another installation's kept)", len(cs))
		}
		ms := cs[0].Messages
		if len(ms) != 3 || ms[1].Kind != gallra.MailKindAutoReply || ms[2].Kind != gallra.MailKindBounce || ms[2].BouncedMessageID != "out-1@kommun.example" {
			t.Fatalf("first conversation: %+v", ms)
		}
		if ms[2].PersonID != nil || len(cs[0].PersonIDs) != 1 {
			t.Errorf("the bounce's sender became a participant: %v %v", ms[2].PersonID, cs[0].PersonIDs)
		}
		att := cs[1].Messages[0].Attachments
		if len(att) != 2 || att[0].Filename != "x" || att[1].Filename != "evil.txt" {
			t.Errorf("attachments: %+v", att)
		}
		if m := cs[2].Messages[0]; m.Subject != "Fråga om färdtjänst och hörselslinga" || !strings.Contains(m.Body, "färdtjänsten till Älvsjö") || m.FromName != "Åsa Örnsköld" {
			t.Errorf("ISO-8859-1: %q %q %q", m.Subject, m.Body, m.FromName)
		}
		if m := cs[3].Messages[0]; strings.Contains(m.BodyHTML, "track.example.org") || strings.Contains(m.BodyHTML, "script") || strings.Contains(m.Body, "alert") {
			t.Errorf("tracking pixel or script kept: %q", m.BodyHTML)
		}
		entries, err := db.ListAudit(ctx, e.f.Org.ID, gallra.AuditFilter{Action: "mail.received", Limit: 100})
		if err != nil {
			t.Fatal(err)
		} else {
			n := 0
			for _, a := range entries {
				if a.Action == "mail.received" {
					n++
					if a.ActorType != gallra.ActorSystem {
						t.Errorf("received audited as %s", a.ActorType)
					}
					for k, v := range a.Details {
						if s, ok := v.(string); ok && strings.Contains(s, "@") {
							t.Errorf("audit detail %s holds an address", k)
						}
					}
				}
			}
			if n != 7 {
				t.Errorf("%d mail.received audit entries, want 7", n)
			}
		}
	})
}

func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := start(t, db, clock, smtpd.Config{MaxMessageBytes: 64 << 10, MaxRecipients: 3})
		ok := mail("anna@example.se", "ok-1@example.se", "", "Hej", "Hej")
		tests := []struct {
			name  string
			rcpts []string
			raw   string
			code  int
		}{
			{"unknown recipient", []string{"nobody@kommunen.example"}, ok, 550},
			{"unknown domain", []string{"support@elsewhere.example"}, ok, 550},
			{"not an address", []string{"support"}, ok, 501},
			{"oversize", []string{e.inbox}, mail("anna@example.se", "big@example.se", "", "Stor", strings.Repeat(strings.Repeat("x", 78)+"\r\n", 1500)), 552},
			{"line too long", []string{e.inbox}, mail("anna@example.se", "long@example.se", "", "Lång", strings.Repeat("x", 3000)), 554},
			{"empty message", []string{e.inbox}, "", 554},
			{"no sender anywhere", []string{e.inbox}, "Subject: x\r\n\r\nbody\r\n", 554},
			{"too many recipients", []string{e.inbox, e.inbox, e.inbox, e.inbox}, ok, 452},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				from := "anna@example.se"
				if tt.name == "no sender anywhere" {
					from = ""
				}
				if got := code(e.send(from, tt.rcpts, tt.raw)); got != tt.code {
					t.Errorf("reply code %d, want %d", got, tt.code)
				}
			})
		}
		if cs := e.conversations(); len(cs) != 0 {
			t.Errorf("%d conversations stored from refused mail", len(cs))
		}
		// Upper case and a plus tag reach the inbox.
		if err := e.send("anna@example.se", []string{"SUPPORT+nyhet@Kommunen.Example"}, ok); err != nil {
			t.Errorf("plus address refused: %v", err)
		}
	})
}

func TestLMTPAndSTARTTLS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := start(t, db, clock, smtpd.Config{LMTP: true, TLS: selfSigned(t)})
		conn, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		c := gosmtp.NewClientLMTP(conn)
		defer c.Close()
		if err := c.Hello("mx.example.com"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Error("STARTTLS not offered with a certificate")
		}
		if err := c.Mail("anna@example.se", nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt(e.inbox, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("nobody@kommunen.example", nil); err == nil {
			t.Error("unknown recipient accepted")
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, mail("anna@example.se", "lmtp-1@example.se", "", "Via Postfix", "Hej"))
		resp, err := w.CloseWithLMTPResponse()
		if err != nil || len(resp) != 1 || resp[e.inbox] == nil {
			t.Fatalf("LMTP replies: %v %v", resp, err)
		}
		if cs := e.conversations(); len(cs) != 1 {
			t.Errorf("%d conversations after LMTP delivery", len(cs))
		}
	})
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.kommunen.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"mx.kommunen.example"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}
