package secretbox

import (
	"bytes"
	"strings"
	"testing"
)

const testKey = "0123456789abcdef0123456789abcdef-test"

func TestSealOpen(t *testing.T) {
	b, err := New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("hemligt lösenord"), "imap:channel:1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hemligt")) {
		t.Fatal("sealed value holds the plain text")
	}
	again, _ := b.Seal([]byte("hemligt lösenord"), "imap:channel:1")
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	plain, err := b.Open(sealed, "imap:channel:1")
	if err != nil || string(plain) != "hemligt lösenord" {
		t.Fatalf("open: %q %v", plain, err)
	}
	other, _ := New(strings.Repeat("x", 32))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	for name, tc := range map[string]struct {
		box     *Box
		sealed  []byte
		context string
	}{
		"other context": {b, sealed, "imap:channel:2"},
		"other key":     {other, sealed, "imap:channel:1"},
		"tampered":      {b, tampered, "imap:channel:1"},
		"truncated":     {b, sealed[:10], "imap:channel:1"},
		"empty":         {b, nil, "imap:channel:1"},
	} {
		if _, err := tc.box.Open(tc.sealed, tc.context); !IsOpenError(err) {
			t.Errorf("%s: %v, want the open error", name, err)
		}
	}
}

func TestNewRefusesShortKeys(t *testing.T) {
	for _, k := range []string{"", "short", strings.Repeat("k", 31)} {
		_, err := New(k)
		if err == nil {
			t.Errorf("key of %d characters accepted", len(k))
		} else if k != "" && strings.Contains(err.Error(), k) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	b, _ := New(testKey)
	s, _ := b.Seal([]byte("x"), "c")
	f.Add(s, "c")
	f.Add([]byte{1, 2, 3}, "")
	f.Fuzz(func(t *testing.T, sealed []byte, ctx string) {
		plain, err := b.Open(sealed, ctx)
		if err == nil && !bytes.Equal(sealed, s) {
			t.Fatalf("forged value opened: %q", plain)
		}
	})
}
