package mailout_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra/internal/mailout"
)

func TestParseRelayURL(t *testing.T) {
	for _, c := range []struct {
		raw               string
		host              string
		port              int
		user, pass        string
		implicit          bool
		starttls, wantErr string
	}{
		{raw: "smtp://relay.example:587", host: "relay.example", port: 587, starttls: "mandatory"},
		{raw: "smtp://relay.example", host: "relay.example", port: 587, starttls: "mandatory"},
		{raw: "smtp://u%40kommun:p%C3%A5ss@relay.example:2525", host: "relay.example", port: 2525, user: "u@kommun", pass: "påss", starttls: "mandatory"},
		{raw: "smtps://u:p@relay.example", host: "relay.example", port: 465, user: "u", pass: "p", implicit: true, starttls: "mandatory"},
		{raw: "smtp://127.0.0.1:25?starttls=none", host: "127.0.0.1", port: 25, starttls: "none"},
		{raw: "smtp://u:p@localhost:25?starttls=none", host: "localhost", port: 25, user: "u", pass: "p", starttls: "none"},
		{raw: "smtp://relay.example?starttls=opportunistic&helo=gallra.kommun.example", host: "relay.example", port: 587, starttls: "opportunistic"},
		{raw: "http://relay.example", wantErr: "scheme"},
		{raw: "smtp://u:secret@relay.example?starttls=none", wantErr: "only over TLS"},
		{raw: "smtp://u:secret@relay.example?starttls=opportunistic", wantErr: "only over TLS"},
		{raw: "smtps://relay.example?starttls=none", wantErr: "does not apply"},
		{raw: "smtp://relay.example:99999", wantErr: "port"},
		{raw: "smtp://relay.example/path", wantErr: "no path"},
		{raw: "smtp://relay.example?tls=off", wantErr: "unknown setting"},
		{raw: "smtp://", wantErr: "no path"},
		{raw: "smtp://u:secret@relay.example?starttls=maybe", wantErr: "mandatory, opportunistic or none"},
	} {
		t.Run(c.raw, func(t *testing.T) {
			r, err := mailout.ParseRelayURL(c.raw)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Host != c.host || r.Port != c.port || r.Username != c.user || r.Password != c.pass || r.ImplicitTLS != c.implicit || r.StartTLS != c.starttls {
				t.Errorf("got %+v", r)
			}
		})
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// configuration trusting it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// The production path: STARTTLS required, then AUTH (PLAIN, chosen by
// go-mail over TLS only).
func TestSendOverStartTLSWithAuth(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t)
	s := startSinkTLS(t, &sink{user: "gallra", pass: "hemligt"}, srvTLS)
	r, err := mailout.ParseRelayURL("smtp://gallra:hemligt@" + s.addr)
	if err != nil {
		t.Fatal(err)
	}
	r.TLSConfig = cliTLS
	msg := []byte("From: a@alfa.example\r\nTo: b@example.se\r\nSubject: x\r\n\r\nhej\r\n")
	if err := (mailout.SMTPSender{Relay: r}).Send(context.Background(), "a@alfa.example", []string{"b@example.se"}, msg); err != nil {
		t.Fatal(err)
	}
	if got := s.messages(); len(got) != 1 || !strings.Contains(string(got[0].data), "hej") {
		t.Fatalf("sink got %+v", got)
	}
	// A relay without STARTTLS is refused when TLS is mandatory: the
	// password never crosses in clear.
	plain := startSink(t, &sink{user: "gallra", pass: "hemligt"})
	r2, _ := mailout.ParseRelayURL("smtp://gallra:hemligt@" + plain.addr)
	err = (mailout.SMTPSender{Relay: r2}).Send(context.Background(), "a@alfa.example", []string{"b@example.se"}, msg)
	var se *mailout.SendError
	if err == nil || !asSendError(err, &se) || se.Permanent || se.Stage != "connect" {
		t.Fatalf("send without STARTTLS = %v, want a temporary connect error", err)
	}
	if strings.Contains(err.Error(), "hemligt") {
		t.Errorf("error repeats the password: %v", err)
	}
	if len(plain.messages()) != 0 {
		t.Fatal("sent without TLS")
	}
}

func asSendError(err error, se **mailout.SendError) bool {
	e, ok := err.(*mailout.SendError)
	*se = e
	return ok
}
