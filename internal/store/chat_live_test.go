package store

import (
	"testing"

	"github.com/gallra/gallra"
)

// FuzzParseChatNotice: any payload on the notification channel (another
// program may NOTIFY on it) parses or is refused, never panics, and what
// parses encodes back to the same notice.
func FuzzParseChatNotice(f *testing.F) {
	f.Add(ChatNotice{Origin: "abc", OrgID: 1, ChatID: 2, Seq: 3}.encode())
	f.Add(ChatNotice{Origin: "abc", Kind: gallra.ChatEventTyping, OrgID: 1, ChatID: 2, Sender: gallra.SenderStaff}.encode())
	f.Add("")
	f.Add("a b c d e f g")
	f.Add("x - 1 2 -3 -")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseChatNotice(s)
		if err != nil {
			return
		}
		back, err := ParseChatNotice(n.encode())
		if err != nil || back != n {
			t.Fatalf("%q parsed to %+v, which encodes to %q and parses to %+v, %v", s, n, n.encode(), back, err)
		}
	})
}
