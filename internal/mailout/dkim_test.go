package mailout_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/store"
)

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// An Ed25519 key (PKCS#8) signs too, verifiable with its DNS record.
func TestDKIMEd25519(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := mailout.LoadDKIM(writePEM(t, "PRIVATE KEY", der), "ed")
	if err != nil {
		t.Fatal(err)
	}
	it := &store.OutboxItem{ID: 1, To: []string{"kund@example.se"}, From: "kontakt@kommun.example", ChannelName: "Kundtjänst", Subject: "Re: Fråga",
		Body: "Svar med åäö", MessageID: "gallra.x@kommun.example", Date: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), ReplyKey: "abc"}
	b, err := mailout.Build(it, k)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(b), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "kommun.example" {
		t.Fatalf("verification = %+v, %v", vs, err)
	}
	// A changed body no longer verifies.
	bad := bytes.Replace(b, []byte("Svar med"), []byte("Svar utan"), 1)
	vs, err = dkim.VerifyWithOptions(bytes.NewReader(bad), &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) {
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}})
	if err != nil || len(vs) != 1 || vs[0].Err == nil {
		t.Fatalf("tampered mail verified: %+v, %v", vs, err)
	}
}

func TestLoadDKIMRefusals(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file, selector, want string
	}{
		{"no selector", good, "", "GALLRA_DKIM_SELECTOR"},
		{"selector with a semicolon", good, "a;b", "GALLRA_DKIM_SELECTOR"},
		{"missing file", "/nonexistent/key.pem", "s", "read DKIM key file"},
		{"not PEM", notPEM, "s", "no PEM block"},
		{"not a key", writePEM(t, "PRIVATE KEY", []byte("garbage")), "s", "not an RSA or Ed25519"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := mailout.LoadDKIM(c.file, c.selector)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
