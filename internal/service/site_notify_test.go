package service

import (
	"strings"
	"testing"

	"github.com/gallra/gallra"
)

func TestUnsubscribeToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("fedcba9876543210fedcba9876543210")
	good := UnsubscribeToken(key, 7, 4242)
	if org, post, err := VerifyUnsubscribeToken(key, good); err != nil || org != 7 || post != 4242 {
		t.Fatalf("good token: org %d post %d err %v", org, post, err)
	}
	forged := UnsubscribeToken(key, 7, 4243)
	forged = "7.4242." + forged[strings.LastIndexByte(forged, '.')+1:]
	cases := []struct {
		name, tok string
		k         []byte
	}{
		{"empty", "", key},
		{"other key", UnsubscribeToken(other, 7, 4242), key},
		{"mac of another post", forged, key},
		{"changed post", strings.Replace(good, ".4242.", ".4241.", 1), key},
		{"leading zero", "07.4242." + good[len("7.4242."):], key},
		{"negative", "-7.4242." + good[len("7.4242."):], key},
		{"two parts", "7.4242", key},
		{"truncated mac", good[:len(good)-2], key},
		{"no key", good, nil},
		{"huge", strings.Repeat("1", 500), key},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := VerifyUnsubscribeToken(c.k, c.tok)
			if gallra.ErrorCode(err) != gallra.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			if !strings.Contains(gallra.ErrorMessage(err), "not valid") || (c.tok != "" && strings.Contains(err.Error(), c.tok)) {
				t.Fatalf("message %q", err)
			}
		})
	}
	lu, lup := UnsubscribeHeaders("https://forum.example.se/p/kommun/unsubscribe", good)
	if lu != "<https://forum.example.se/p/kommun/unsubscribe?t="+good+">" || lup != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %q %q", lu, lup)
	}
}

func FuzzVerifyUnsubscribeToken(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	f.Add(UnsubscribeToken(key, 1, 2))
	f.Add("1.2.x")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		org, post, err := VerifyUnsubscribeToken(key, tok)
		if err == nil && UnsubscribeToken(key, org, post) != tok {
			t.Fatalf("accepted %q which is not the token of %d/%d", tok, org, post)
		}
	})
}
