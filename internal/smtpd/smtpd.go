// Package smtpd is the inbound mail receiver: an SMTP server (the MX, or
// LMTP behind Postfix) that hands every message to the mail service's
// Deliver. Unknown recipients are refused at RCPT (550), never bounced
// later; size, recipient and time limits are enforced by the protocol
// server; STARTTLS is offered when a certificate is configured.
package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/mailin"
)

// Defaults of Config.
const (
	DefaultMaxRecipients = 100
	DefaultTimeout       = 5 * time.Minute
	DefaultDomain        = "localhost"
)

// Config configures the receiver.
type Config struct {
	// LMTP speaks LMTP (RFC 2033, per-recipient replies) instead of SMTP,
	// for delivery from a local Postfix.
	LMTP bool
	// Domain is the host name in the greeting (default "localhost").
	Domain string
	// TLS enables STARTTLS; nil means none is offered.
	TLS *tls.Config
	// MaxMessageBytes refuses larger messages with 552 (default
	// mailin.MaxMessageBytes).
	MaxMessageBytes int64
	// MaxRecipients answers 452 to more recipients in one transaction
	// (default 100).
	MaxRecipients int
	// Timeout bounds each read and write on a connection, and each
	// delivery into the database (default 5 minutes).
	Timeout time.Duration
	// Log receives ids and counts, never addresses or content.
	Log *slog.Logger
}

// Server is the receiver.
type Server struct {
	srv  *smtp.Server
	mail gallra.MailService
	cfg  Config
	base context.Context
	stop context.CancelFunc
}

// New returns a receiver that delivers into mail.
func New(mail gallra.MailService, cfg Config) *Server {
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = mailin.MaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{mail: mail, cfg: cfg}
	s.base, s.stop = context.WithCancel(context.Background())
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.LMTP = cfg.LMTP
	srv.Domain = cfg.Domain
	srv.TLSConfig = cfg.TLS
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.Timeout
	srv.WriteTimeout = cfg.Timeout
	srv.ErrorLog = logger{cfg.Log}
	s.srv = srv
	return s
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits (until ctx ends) for the
// open ones to finish; deliveries still running are then cancelled.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.stop()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// session is one SMTP transaction at a time on a connection.
type session struct {
	s     *Server
	from  string
	rcpts []string
}

func (ss *session) Reset() { ss.from, ss.rcpts = "", nil }

func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.rcpts = from, nil
	return nil
}

// Rcpt accepts an inbox address (or a plus address of one) and refuses any
// other with 550 here, so that nothing is bounced later.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(ss.s.base, ss.s.cfg.Timeout)
	defer cancel()
	if err := ss.s.mail.AcceptRecipient(ctx, to); err != nil {
		return ss.s.reply(err)
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// Data delivers the message to every accepted recipient. One answer covers
// all: a temporary failure for any makes the client retry, and the retry
// stores nothing twice (delivery is idempotent on Message-ID).
func (ss *session) Data(r io.Reader) error {
	raw, err := ss.read(r)
	if err != nil {
		return err
	}
	var worst error
	for _, rcpt := range ss.rcpts {
		if err := ss.s.deliver(rcpt, raw); err != nil && (worst == nil || isTemporary(err)) {
			worst = err
		}
	}
	return worst
}

// LMTPData delivers to each recipient and answers for each.
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	raw, err := ss.read(r)
	if err != nil {
		return err
	}
	for _, rcpt := range ss.rcpts {
		status.SetStatus(rcpt, ss.s.deliver(rcpt, raw))
	}
	return nil
}

// read reads the message (the protocol server stops it at the size limit
// with 552), refuses an empty one, and adds the Return-Path header with the
// envelope sender, as a final delivery does.
func (ss *session) read(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return nil, se
		}
		if errors.Is(err, smtp.ErrTooLongLine) {
			return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused: a line is longer than 2000 characters"}
		}
		return nil, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Error reading the message"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message is empty"}
	}
	rp := "Return-Path: <" + strings.Map(func(r rune) rune {
		if r < ' ' || r == '<' || r == '>' {
			return -1
		}
		return r
	}, ss.from) + ">\r\n"
	return append([]byte(rp), body...), nil
}

// deliver hands one copy to the mail service and maps the outcome to a reply.
func (s *Server) deliver(rcpt string, raw []byte) error {
	ctx, cancel := context.WithTimeout(s.base, s.cfg.Timeout)
	defer cancel()
	msg, err := s.mail.Deliver(ctx, rcpt, bytes.NewReader(raw))
	if err != nil {
		return s.reply(err)
	}
	if msg != nil {
		s.cfg.Log.Debug("smtp: message accepted", "channel_id", msg.ChannelID, "message_id", msg.ID, "bytes", len(raw))
	}
	return nil
}

// reply turns a service error into the SMTP reply: ENOTFOUND 550, ETOOLARGE
// 552, EINVALID 554, anything else a temporary 451 (the client retries; an
// internal error is logged, never shown).
func (s *Server) reply(err error) error {
	switch gallra.ErrorCode(err) {
	case gallra.ENOTFOUND:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	case gallra.ETOOLARGE:
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large: " + gallra.ErrorMessage(err)}
	case gallra.EINVALID:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused: " + gallra.ErrorMessage(err)}
	}
	s.cfg.Log.Error("smtp: delivery failed", "err", err)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
}

func isTemporary(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Temporary()
}

// logger passes the protocol server's own errors (broken connections,
// TLS handshakes) to slog.
type logger struct{ l *slog.Logger }

func (l logger) Printf(format string, v ...any) { l.l.Warn("smtp: " + fmt.Sprintf(format, v...)) }
func (l logger) Println(v ...any)               { l.l.Warn("smtp: " + strings.TrimSpace(fmt.Sprintln(v...))) }
