package imapfetch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/imapfetch/imaptest"
)

func mailText(n int, size int) string {
	return fmt.Sprintf("From: Kund %d <kund%d@example.se>\r\nTo: kontakt@kommun.example\r\nSubject: Fråga %d\r\nMessage-ID: <m%d@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		n, n, n, n, strings.Repeat("x", size))
}

// inbox is the receiving side: what was delivered, and the checkpoint.
type inbox struct {
	got        []string
	validity   uint32
	last       uint32
	imported   int
	refused    int
	refuseWith error // returned for a body containing "REFUSE"
	failAfter  int   // a plain (infrastructure) error on delivery number failAfter+1
}

func (in *inbox) deliver(_ context.Context, raw []byte) error {
	if strings.Contains(string(raw), "REFUSE") {
		return in.refuseWith
	}
	if in.failAfter > 0 && len(in.got) == in.failAfter {
		return errors.New("database is down")
	}
	in.got = append(in.got, string(raw))
	return nil
}

func (in *inbox) checkpoint(_ context.Context, v, last uint32, imp, ref int) error {
	if v != in.validity {
		in.validity, in.last = v, 0
	}
	if last > in.last {
		in.last = last
	}
	in.imported += imp
	in.refused += ref
	return nil
}

func (in *inbox) account(s *imaptest.Server, sec gallra.IMAPSecurity, after gallra.IMAPAfterImport) Account {
	return Account{Host: "127.0.0.1", Port: s.Port, Security: sec, Username: "username", Password: "password", Folder: "INBOX",
		AfterImport: after, MoveTo: "Arkiv", UIDValidity: in.validity, LastUID: in.last}
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	t.Run("delete after import, over every kind of connection", func(t *testing.T) {
		for _, sec := range []gallra.IMAPSecurity{gallra.IMAPNone, gallra.IMAPStartTLS, gallra.IMAPTLS} {
			t.Run(string(sec), func(t *testing.T) {
				s := imaptest.Start(t, sec)
				s.Append(t, "INBOX", mailText(1, 100), mailText(2, 100))
				in := &inbox{}
				run, err := Fetch(ctx, in.account(s, sec, gallra.IMAPDelete), Options{TLS: s.TLS}, in.deliver, in.checkpoint)
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
				if run.Imported != 3 || run.Removed != 3 || len(in.got) != 3 || in.validity != 1 || in.last != 8 {
					t.Fatalf("run %+v, delivered %d, checkpoint %d/%d", run, len(in.got), in.validity, in.last)
				}
				if !strings.Contains(in.got[1], "Subject: Fråga 1") || !strings.Contains(in.got[2], "Message-ID: <m2@example.se>") {
					t.Errorf("delivered messages are not the raw mail in UID order: %q", in.got[1][:60])
				}
				if left := s.UIDs(t, "INBOX"); len(left) != 0 {
					t.Errorf("left on the server after import: %v", left)
				}
				// Nothing new: a second run delivers nothing.
				run, err = Fetch(ctx, in.account(s, sec, gallra.IMAPDelete), Options{TLS: s.TLS}, in.deliver, in.checkpoint)
				if err != nil || run.Imported != 0 || len(in.got) != 3 {
					t.Errorf("second run: %+v %v", run, err)
				}
			})
		}
	})
	t.Run("keep leaves the mail and takes only new messages", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		in := &inbox{}
		if _, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPKeep), Options{}, in.deliver, in.checkpoint); err != nil {
			t.Fatal(err)
		}
		s.Append(t, "INBOX", mailText(3, 10))
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPKeep), Options{}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 1 || run.Removed != 0 || len(in.got) != 2 || !strings.Contains(in.got[1], "Fråga 3") {
			t.Fatalf("run %+v %v, delivered %d", run, err, len(in.got))
		}
		if left := s.UIDs(t, "INBOX"); len(left) != 2 {
			t.Errorf("keep removed mail from the server: %v", left)
		}
	})
	t.Run("move to another folder", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		if err := s.Client(t).Create("Arkiv"); err != nil {
			t.Fatal(err)
		}
		in := &inbox{}
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPMove), Options{}, in.deliver, in.checkpoint)
		if err != nil || run.Removed != 1 {
			t.Fatalf("run %+v %v", run, errors.Unwrap(err))
		}
		if len(s.UIDs(t, "INBOX")) != 0 || len(s.UIDs(t, "Arkiv")) != 1 {
			t.Errorf("not moved: inbox %v, archive %v", s.UIDs(t, "INBOX"), s.UIDs(t, "Arkiv"))
		}
	})
	t.Run("refused and oversize messages stay on the server and are passed", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		s.Append(t, "INBOX", mailText(1, 10)+"REFUSE\r\n", mailText(2, 5000), mailText(3, 10))
		in := &inbox{refuseWith: gallra.Errorf(gallra.EINVALID, "malformed")}
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{MaxMessageBytes: 2000}, in.deliver, in.checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		if run.Imported != 2 || run.Refused != 2 || in.refused != 2 || in.last != 9 {
			t.Fatalf("run %+v, checkpoint %d, refused %d", run, in.last, in.refused)
		}
		if left := s.UIDs(t, "INBOX"); len(left) != 2 || left[0] != 7 || left[1] != 8 {
			t.Errorf("left on the server: %v, want the refused 7 and oversize 8", left)
		}
	})
	t.Run("a failing inbox stops the fetch and loses nothing", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		s.Append(t, "INBOX", mailText(1, 10), mailText(2, 10))
		in := &inbox{failAfter: 1}
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{}, in.deliver, in.checkpoint)
		if err == nil || in.last != 6 || run.Error == "" || strings.Contains(run.Error, "database") {
			t.Fatalf("run %+v %v, checkpoint %d", run, err, in.last)
		}
		if left := s.UIDs(t, "INBOX"); len(left) != 3 {
			t.Fatalf("mail removed from the server before it was in: %v", left)
		}
		in.failAfter = 0
		run, err = Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 2 || len(in.got) != 3 || len(s.UIDs(t, "INBOX")) != 0 {
			t.Fatalf("resumed run %+v %v, delivered %d", run, err, len(in.got))
		}
	})
	t.Run("checkpointed but not removed: the next run removes without delivering", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		s.Append(t, "INBOX", mailText(1, 10))
		in := &inbox{validity: 1, last: 7} // as if a run stopped after its checkpoint
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 0 || run.Removed != 2 || len(in.got) != 0 || len(s.UIDs(t, "INBOX")) != 0 {
			t.Fatalf("run %+v %v, delivered %d, left %v", run, err, len(in.got), s.UIDs(t, "INBOX"))
		}
	})
	t.Run("a new UIDVALIDITY starts over", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		in := &inbox{validity: 99, last: 1000}
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPKeep), Options{}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 1 || in.validity != 1 || in.last != 6 {
			t.Fatalf("run %+v %v, checkpoint %d/%d", run, err, in.validity, in.last)
		}
	})
	t.Run("batches are bounded", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPNone)
		s.Append(t, "INBOX", mailText(1, 10), mailText(2, 10), mailText(3, 10))
		in := &inbox{}
		run, err := Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{MaxMessages: 3}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 3 || len(s.UIDs(t, "INBOX")) != 1 {
			t.Fatalf("first batch %+v %v", run, err)
		}
		run, err = Fetch(ctx, in.account(s, gallra.IMAPNone, gallra.IMAPDelete), Options{MaxMessages: 3}, in.deliver, in.checkpoint)
		if err != nil || run.Imported != 1 || len(in.got) != 4 {
			t.Fatalf("second batch %+v %v", run, err)
		}
	})
	t.Run("errors say what failed without secrets", func(t *testing.T) {
		s := imaptest.Start(t, gallra.IMAPTLS)
		cases := []struct {
			name string
			acct func(Account) Account
			opt  Options
			want string
		}{
			{"wrong password", func(a Account) Account { a.Password = "hemligt-fel"; return a }, Options{TLS: s.TLS}, "refused the user name or password"},
			{"untrusted certificate", func(a Account) Account { return a }, Options{}, "TLS handshake"},
			{"no such folder", func(a Account) Account { a.Folder = "Saknas"; return a }, Options{TLS: s.TLS}, `no folder "Saknas"`},
			{"nothing listening", func(a Account) Account { a.Port = 1; return a }, Options{TLS: s.TLS}, "could not connect"},
			{"plain IMAP spoken to a TLS port", func(a Account) Account { a.Security = gallra.IMAPNone; return a }, Options{Timeout: 2 * time.Second}, "IMAP server"},
		}
		for _, c := range cases {
			in := &inbox{}
			run, err := Fetch(ctx, c.acct(in.account(s, gallra.IMAPTLS, gallra.IMAPDelete)), c.opt, in.deliver, in.checkpoint)
			if err == nil || !strings.Contains(run.Error, c.want) {
				t.Errorf("%s: run error %q (%v), want %q", c.name, run.Error, err, c.want)
			}
			if strings.Contains(run.Error, "hemligt") || strings.Contains(run.Error, "username") {
				t.Errorf("%s: error shows the credentials: %q", c.name, run.Error)
			}
		}
	})
}
