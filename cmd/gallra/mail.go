package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

func mailCommand() command {
	return command{name: "mail", summary: "mail tools: send-test (deliver a sample customer mail to an inbox over SMTP)", run: runMail}
}

// runMail is `gallra mail send-test --smtp HOST:PORT --to INBOX`: a real
// SMTP client delivering a sample customer mail (Swedish text, UTF-8) to
// Gallra's receiver or to the MX in front of it, to check the path end to
// end. It prints the Message-ID, to find the mail in the workspace.
func runMail(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "send-test" {
		return usageErr("mail takes send-test")
	}
	fs := newFlags(env, "mail send-test", "--to INBOX [flags]")
	addr := fs.String("smtp", envDefault(env, "GALLRA_SMTP_ADDR", "127.0.0.1:2525"), "SMTP server to deliver to, host:port (default GALLRA_SMTP_ADDR)")
	to := fs.String("to", "", "the inbox address to deliver to (required)")
	from := fs.String("from", "kund@example.com", "the sample customer's address")
	subject := fs.String("subject", "Fråga om bygglov", "subject of the sample mail")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if err := gallra.ValidateEmail("--to", *to); err != nil {
		return usageErr("--to: give the inbox's address, e.g. kontakt@kommun.example")
	}
	if err := gallra.ValidateEmail("--from", *from); err != nil {
		return usageErr("--from: give an e-mail address")
	}
	if strings.ContainsAny(*subject, "\r\n") {
		return usageErr("--subject must be one line")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageErr("--smtp %q: give host:port, e.g. 127.0.0.1:2525", *addr)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	msgID := "send-test." + hex.EncodeToString(rnd[:]) + "@example.com"
	now := env.Clock.Now()
	body := strings.Join([]string{
		"From: Testkund <" + *from + ">",
		"To: " + *to,
		"Subject: " + mimeWord(*subject),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: <" + msgID + ">",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"",
		"Hej!",
		"",
		"Jag undrar hur lång handläggningstiden är för ett bygglov för en carport.",
		"Det här är ett provmeddelande från gallra mail send-test.",
		"",
		"Med vänlig hälsning",
		"Testkund",
		"",
	}, "\r\n")
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w (is serve running with --smtp-addr?)", *addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP greeting from %s: %w", *addr, err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if err := c.Mail(*from); err != nil {
		return fmt.Errorf("MAIL FROM refused: %w", err)
	}
	if err := c.Rcpt(*to); err != nil {
		return fmt.Errorf("RCPT TO refused: %w (is %s an inbox's address?)", err, *to)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA refused: %w", err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return fmt.Errorf("send the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("message refused: %w", err)
	}
	_ = c.Quit()
	fmt.Fprintf(env.Stdout, "delivered to %s via %s, Message-ID <%s>\n", *to, *addr, msgID)
	return nil
}

// mimeWord encodes a header text as an RFC 2047 word when it is not ASCII.
func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return mime.QEncoding.Encode("utf-8", s)
		}
	}
	return s
}
