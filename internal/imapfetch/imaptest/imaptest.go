// Package imaptest runs go-imap's in-memory IMAP server on a loopback port
// for tests: a real IMAP server, not a mock, over plain, STARTTLS or TLS.
package imaptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend/memory"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/server"

	"github.com/gallra/gallra"
)

// Server is go-imap's in-memory IMAP server on a loopback port: user
// "username", password "password", an INBOX holding one message (UID 6).
type Server struct {
	Addr string
	Port int
	TLS  *tls.Config // client config trusting the server's certificate
}

// Start serves a fresh mailbox with the given connection security until
// the test ends.
func Start(t *testing.T, security gallra.IMAPSecurity) *Server {
	t.Helper()
	s := server.New(memory.New())
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Addr: ln.Addr().String()}
	_, port, _ := net.SplitHostPort(srv.Addr)
	srv.Port, _ = strconv.Atoi(port)
	if security != gallra.IMAPNone {
		cert, pool := selfSigned(t)
		srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.TLS = &tls.Config{RootCAs: pool, ServerName: "localhost"}
		if security == gallra.IMAPTLS {
			ln = tls.NewListener(ln, srvTLS)
		} else {
			s.TLSConfig = srvTLS
		}
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return srv
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Client connects as the mailbox owner's own mail program would, to put
// mail in and look at what is left.
func (s *Server) Client(t *testing.T) *client.Client {
	t.Helper()
	var c *client.Client
	var err error
	if s.TLS != nil && s.TLS.RootCAs != nil {
		c, err = client.DialTLS(s.Addr, s.TLS)
		if err != nil {
			c, err = client.Dial(s.Addr)
			if err == nil {
				err = c.StartTLS(s.TLS)
			}
		}
	} else {
		c, err = client.Dial(s.Addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Logout() })
	return c
}

// Append puts raw messages into folder, as the owner's mail program would.
func (s *Server) Append(t *testing.T, folder string, texts ...string) {
	t.Helper()
	c := s.Client(t)
	for _, m := range texts {
		if err := c.Append(folder, nil, time.Now(), strings.NewReader(m)); err != nil {
			t.Fatal(err)
		}
	}
}

// UIDs lists the UIDs left in folder.
func (s *Server) UIDs(t *testing.T, folder string) []uint32 {
	t.Helper()
	c := s.Client(t)
	if _, err := c.Select(folder, true); err != nil {
		t.Fatal(err)
	}
	crit := imap.NewSearchCriteria()
	uids, err := c.UidSearch(crit)
	if err != nil {
		t.Fatal(err)
	}
	return uids
}
