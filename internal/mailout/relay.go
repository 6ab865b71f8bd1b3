// Package mailout delivers staff replies from the mail outbox through the
// configured SMTP relay: it builds each message (threading headers, the
// plus-addressed Reply-To, the loop header, an optional DKIM signature),
// hands it to the relay with go-mail's SMTP client, and records the outcome
// with retries and backoff. It is the outbound half of the mail transport;
// what a reply is and who may receive it is decided by the mail service.
package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Relay is a parsed GALLRA_SMTP_RELAY_URL.
type Relay struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS (smtps://) speaks TLS from the first byte; otherwise
	// STARTTLS is required, unless StartTLS is "opportunistic" or "none"
	// (a relay on the same host, e.g. Postfix on 127.0.0.1:25).
	ImplicitTLS bool
	StartTLS    string // "mandatory" (default), "opportunistic", "none"
	// TLSConfig, when set, replaces the default TLS settings (tests trust
	// their own certificate with it).
	TLSConfig *tls.Config
	// HELO is the name given in EHLO; empty: the host name.
	HELO    string
	Timeout time.Duration
}

// ParseRelayURL parses a relay URL: smtp://[user:password@]host[:port]
// (STARTTLS required, port 587 by default) or smtps://… (implicit TLS, port
// 465). The query may hold starttls=opportunistic|none and helo=name.
// Credentials are refused without TLS except towards a loopback address.
// Errors never repeat the URL (it may hold a password).
func ParseRelayURL(raw string) (*Relay, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("not a URL: give smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	r := &Relay{Host: u.Hostname(), StartTLS: "mandatory", Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		r.Port = 587
	case "smtps":
		r.Port, r.ImplicitTLS = 465, true
	default:
		return nil, errors.New("the scheme must be smtp:// (STARTTLS) or smtps:// (implicit TLS)")
	}
	if r.Host == "" || u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return nil, errors.New("give the relay as smtp://user:password@host:port, with no path")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, errors.New("the port must be a number from 1 to 65535")
		}
		r.Port = n
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" && k != "helo" {
			return nil, fmt.Errorf("unknown setting %q: the query may hold starttls and helo", k)
		}
	}
	if v := q.Get("starttls"); v != "" {
		if r.ImplicitTLS {
			return nil, errors.New("starttls does not apply to smtps://")
		}
		if v != "mandatory" && v != "opportunistic" && v != "none" {
			return nil, errors.New("starttls must be mandatory, opportunistic or none")
		}
		r.StartTLS = v
	}
	r.HELO = q.Get("helo")
	if r.Username != "" && !r.ImplicitTLS && r.StartTLS != "mandatory" && !isLoopback(r.Host) {
		return nil, errors.New("a user and password go to a remote relay only over TLS: drop starttls=" + r.StartTLS + " or use smtps://")
	}
	return r, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Sender hands one message to a relay.
type Sender interface {
	// Send delivers msg from the envelope sender to the recipients. Its
	// error is a *SendError when the relay answered, saying whether to
	// retry.
	Send(ctx context.Context, from string, rcpts []string, msg []byte) error
}

// SendError is a delivery failure, described without personal data: the
// SMTP stage, reply code and enhanced status code, never the relay's text
// (which may quote an address).
type SendError struct {
	Stage     string // connect, mail, rcpt, data
	Code      int    // SMTP reply code; 0 when the relay did not answer
	Enhanced  string // e.g. 5.1.1
	Permanent bool   // a 5xx to MAIL, RCPT or DATA: retrying will not help
	Reason    string // a fixed phrase for errors without a code
}

// Error implements error.
func (e *SendError) Error() string {
	s := e.Stage
	if e.Code != 0 {
		s += " " + strconv.Itoa(e.Code)
		if e.Enhanced != "" {
			s += " " + e.Enhanced
		}
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

var enhancedCode = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// classify turns an error of stage into a SendError. Errors before MAIL
// (connection, TLS, authentication) are never permanent: they are the
// relay's or the configuration's, not the message's, and a fix delivers
// the queue.
func classify(stage string, err error) *SendError {
	e := &SendError{Stage: stage}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Code = tp.Code
		e.Enhanced = enhancedCode.FindString(tp.Msg)
		e.Permanent = stage != "connect" && tp.Code >= 500 && tp.Code < 600
		return e
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Reason = "cancelled or timed out"
	case errors.As(err, &ne) && ne.Timeout():
		e.Reason = "relay timed out"
	case errors.As(err, new(*net.OpError)):
		e.Reason = "relay unreachable"
	case errors.As(err, new(tls.RecordHeaderError)), errors.As(err, new(*tls.CertificateVerificationError)), strings.Contains(err.Error(), "tls"), strings.Contains(err.Error(), "TLS"):
		e.Reason = "TLS with the relay failed"
	case strings.Contains(strings.ToLower(err.Error()), "auth"):
		e.Reason = "authentication with the relay failed"
	default:
		e.Reason = "relay error"
	}
	return e
}

// SMTPSender sends through a Relay with go-mail's SMTP client: one
// connection per message (replies are few; a pooled connection would
// outlive relay restarts).
type SMTPSender struct{ Relay *Relay }

// Send implements Sender.
func (s SMTPSender) Send(ctx context.Context, from string, rcpts []string, msg []byte) error {
	r := s.Relay
	opts := []mail.Option{mail.WithPort(r.Port), mail.WithTimeout(r.Timeout)}
	if r.ImplicitTLS {
		opts = append(opts, mail.WithSSL())
	} else {
		switch r.StartTLS {
		case "none":
			opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		case "opportunistic":
			opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		default:
			opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		}
	}
	if r.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(r.TLSConfig))
	}
	if r.HELO != "" {
		opts = append(opts, mail.WithHELO(r.HELO))
	}
	if r.Username != "" {
		auth := mail.SMTPAuthAutoDiscover // the strongest offered; PLAIN and LOGIN only over TLS
		if !r.ImplicitTLS && r.StartTLS == "none" && isLoopback(r.Host) {
			auth = mail.SMTPAuthPlainNoEnc // a relay on this host (ParseRelayURL allows no other without TLS)
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(r.Username), mail.WithPassword(r.Password))
	}
	c, err := mail.NewClient(r.Host, opts...)
	if err != nil {
		return &SendError{Stage: "connect", Reason: "relay settings refused"}
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify("connect", err)
	}
	defer func() { _ = c.CloseWithSMTPClient(sc) }()
	if err := sc.Mail(from); err != nil {
		return classify("mail", err)
	}
	for _, rc := range rcpts {
		if err := sc.Rcpt(rc); err != nil {
			_ = sc.Reset()
			return classify("rcpt", err)
		}
	}
	w, err := sc.Data()
	if err != nil {
		return classify("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		_ = w.Close()
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return classify("data", err)
	}
	return nil
}
