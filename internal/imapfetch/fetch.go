// Package imapfetch takes the mail of a mailbox on another server into an
// inbox over IMAP (github.com/emersion/go-imap v1): it logs in, selects the
// folder, fetches every message past the checkpoint (UIDVALIDITY and the
// last UID taken), hands each raw message to the intake, moves the
// checkpoint forward, and then deletes or moves on the server what it took,
// so the copy left there does not outlive Gallra's retention.
//
// Interrupted at any point, a fetch resumes: a message delivered but not
// checkpointed is delivered again (the intake drops it by Message-ID), and
// a message checkpointed but not yet removed is removed on the next run.
// The package holds no database handle; the caller stores the checkpoint.
package imapfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/gallra/gallra"
)

// Account is what a fetch needs of an inbox's IMAP account.
type Account struct {
	Host        string
	Port        int
	Security    gallra.IMAPSecurity
	Username    string
	Password    string
	Folder      string
	AfterImport gallra.IMAPAfterImport
	MoveTo      string
	// UIDValidity and LastUID are the checkpoint of the previous run.
	UIDValidity uint32
	LastUID     uint32
}

// Options bound one fetch.
type Options struct {
	// TLS is the client TLS configuration (nil: the system roots and the
	// account's host as server name). Tests set their own roots.
	TLS *tls.Config
	// Timeout bounds each network step (default 30 s).
	Timeout time.Duration
	// MaxMessages is the most messages taken in one run (default 200); the
	// next run takes the rest.
	MaxMessages int
	// MaxMessageBytes refuses larger messages without downloading them
	// (default 40 MiB): they stay on the server and count as refused.
	MaxMessageBytes uint32
}

// Deliver takes one raw message into the inbox. An error with a gallra
// code EINVALID, ETOOLARGE or EUNPROCESS refuses the message (it stays on the server
// and the fetch goes on); any other error stops the fetch.
type Deliver func(ctx context.Context, raw []byte) error

// Checkpoint records that everything up to lastUID is in, with the counts
// of this step.
type Checkpoint func(ctx context.Context, uidValidity, lastUID uint32, imported, refused int) error

// Fetch runs one fetch of the account. The returned run's Error (and the
// error) say what failed in words without personal data.
func Fetch(ctx context.Context, a Account, opt Options, deliver Deliver, checkpoint Checkpoint) (gallra.IMAPRun, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxMessages <= 0 {
		opt.MaxMessages = 200
	}
	if opt.MaxMessageBytes == 0 {
		opt.MaxMessageBytes = 40 << 20
	}
	var run gallra.IMAPRun
	c, err := dial(ctx, a, opt)
	if err != nil {
		return fail(run, err)
	}
	defer c.Logout()
	stop := context.AfterFunc(ctx, func() { c.Terminate() })
	defer stop()

	if err := c.Login(a.Username, a.Password); err != nil {
		return fail(run, &Error{Kind: "login", Text: "the IMAP server refused the user name or password", Err: err})
	}
	status, err := c.Select(a.Folder, false)
	if err != nil {
		return fail(run, &Error{Kind: "folder", Text: "the IMAP server has no folder " + strconv.Quote(a.Folder) + " (or refused to open it)", Err: err})
	}
	last := a.LastUID
	if status.UidValidity != a.UIDValidity {
		// A new mailbox (or one the server renumbered): start over; the
		// intake drops what it already has by Message-ID.
		last = 0
		if err := checkpoint(ctx, status.UidValidity, 0, 0, 0); err != nil {
			return fail(run, err)
		}
	}
	// Messages taken on an earlier run whose removal did not happen
	// (interrupted, or the server refused it then).
	if a.AfterImport != gallra.IMAPKeep && last > 0 {
		old, err := uidSearch(c, 1, last)
		if err != nil {
			return fail(run, err)
		}
		n, err := remove(c, a, old)
		run.Removed += n
		if err != nil {
			return fail(run, err)
		}
	}
	uids, err := uidSearch(c, last+1, 0)
	if err != nil {
		return fail(run, err)
	}
	if len(uids) > opt.MaxMessages {
		uids = uids[:opt.MaxMessages]
	}
	var taken []uint32
	for _, uid := range uids {
		raw, size, err := fetchOne(c, uid, opt.MaxMessageBytes)
		if err != nil {
			return fail(run, err)
		}
		refused := 0
		switch {
		case raw == nil && size > 0:
			refused = 1 // too large: left on the server
		case raw == nil:
			continue // expunged by another client since the search
		default:
			err := deliver(ctx, raw)
			switch gallra.ErrorCode(err) {
			case "":
				taken = append(taken, uid)
			case gallra.EINVALID, gallra.EUNPROCESS, gallra.ETOOLARGE:
				refused = 1
			default:
				return fail(run, err)
			}
		}
		if err := checkpoint(ctx, status.UidValidity, uid, 1-refused, refused); err != nil {
			return fail(run, err)
		}
		run.Imported += 1 - refused
		run.Refused += refused
	}
	if a.AfterImport != gallra.IMAPKeep {
		n, err := remove(c, a, taken)
		run.Removed += n
		if err != nil {
			return fail(run, err)
		}
	}
	return run, nil
}

func fail(run gallra.IMAPRun, err error) (gallra.IMAPRun, error) {
	run.Error = Describe(err)
	return run, err
}

// Error is a failed step of a fetch: Text says what failed without
// personal data (it is stored and shown); Err is the cause, for logs of the
// operator only.
type Error struct {
	Kind string // connect, tls, login, folder, protocol
	Text string
	Err  error
}

func (e *Error) Error() string { return e.Text }
func (e *Error) Unwrap() error { return e.Err }

// Describe gives the words stored as an account's last error.
func Describe(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Text
	}
	if ge := gallra.ErrorCode(err); ge != gallra.EINTERNAL {
		return "the inbox could not take the mail (" + ge + ")"
	}
	return "the fetch stopped on an internal error; see the server log"
}

func dial(ctx context.Context, a Account, opt Options) (*client.Client, error) {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	d := &net.Dialer{Timeout: opt.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &Error{Kind: "connect", Text: "could not connect to the IMAP server at " + addr, Err: err}
	}
	cfg := opt.TLS
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = a.Host
	}
	cfg.MinVersion = tls.VersionTLS12
	if a.Security == gallra.IMAPTLS {
		tc := tls.Client(conn, cfg)
		hctx, cancel := context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
		if err := tc.HandshakeContext(hctx); err != nil {
			conn.Close()
			return nil, &Error{Kind: "tls", Text: "the TLS handshake with the IMAP server failed (certificate or protocol)", Err: err}
		}
		conn = tc
	}
	// A server that never greets (or a TLS port spoken to in clear) must
	// not hold the fetch: the greeting gets the step timeout too.
	conn.SetDeadline(time.Now().Add(opt.Timeout))
	c, err := client.New(conn)
	conn.SetDeadline(time.Time{})
	if err != nil {
		conn.Close()
		return nil, &Error{Kind: "protocol", Text: "the server at " + addr + " did not greet as an IMAP server", Err: err}
	}
	c.Timeout = opt.Timeout
	if a.Security == gallra.IMAPStartTLS {
		if ok, _ := c.SupportStartTLS(); !ok {
			c.Terminate()
			return nil, &Error{Kind: "tls", Text: "the IMAP server does not offer STARTTLS; choose tls or another server", Err: errors.New("no STARTTLS")}
		}
		if err := c.StartTLS(cfg); err != nil {
			c.Terminate()
			return nil, &Error{Kind: "tls", Text: "STARTTLS with the IMAP server failed (certificate or protocol)", Err: err}
		}
	}
	return c, nil
}

// uidSearch returns the UIDs from..to (to 0: to the end), ascending. The
// search "from:*" also answers the highest UID when it is below from; it is
// filtered out.
func uidSearch(c *client.Client, from, to uint32) ([]uint32, error) {
	set := new(imap.SeqSet)
	set.AddRange(from, to)
	crit := imap.NewSearchCriteria()
	crit.Uid = set
	uids, err := c.UidSearch(crit)
	if err != nil {
		return nil, &Error{Kind: "protocol", Text: "the IMAP server refused to list the folder's messages", Err: err}
	}
	out := uids[:0]
	for _, u := range uids {
		if u >= from && (to == 0 || u <= to) {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

// fetchOne downloads one message without marking it seen. A message over
// max is not downloaded: nil with its size.
func fetchOne(c *client.Client, uid uint32, max uint32) ([]byte, uint32, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	ch := make(chan *imap.Message, 1)
	if err := c.UidFetch(set, []imap.FetchItem{imap.FetchRFC822Size}, ch); err != nil {
		return nil, 0, &Error{Kind: "protocol", Text: "the IMAP server refused to give a message's size", Err: err}
	}
	msg := <-ch
	if msg == nil {
		// Gone since the search (another client expunged it).
		return nil, 0, nil
	}
	if msg.Size > max {
		return nil, msg.Size, nil
	}
	section := &imap.BodySectionName{Peek: true}
	ch = make(chan *imap.Message, 1)
	if err := c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch); err != nil {
		return nil, 0, &Error{Kind: "protocol", Text: "the IMAP server refused to give a message", Err: err}
	}
	msg = <-ch
	if msg == nil {
		return nil, 0, nil
	}
	body := msg.GetBody(section)
	if body == nil {
		return nil, 0, &Error{Kind: "protocol", Text: "the IMAP server sent a message without its body", Err: errors.New("no body section")}
	}
	raw, err := io.ReadAll(io.LimitReader(body, int64(max)+1))
	if err != nil {
		return nil, 0, &Error{Kind: "protocol", Text: "reading a message from the IMAP server failed", Err: err}
	}
	if uint32(len(raw)) > max {
		return nil, uint32(len(raw)), nil
	}
	return raw, uint32(len(raw)), nil
}

// remove deletes or moves the messages on the server, as the account says.
func remove(c *client.Client, a Account, uids []uint32) (int, error) {
	if len(uids) == 0 {
		return 0, nil
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	switch a.AfterImport {
	case gallra.IMAPMove:
		if err := c.UidMove(set, a.MoveTo); err != nil {
			// Some servers announce MOVE and still refuse it: copy, flag
			// and expunge, as RFC 6851 describes for servers without it.
			err = c.UidCopy(set, a.MoveTo)
			if err == nil {
				err = c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.DeletedFlag}, nil)
			}
			if err == nil {
				err = c.Expunge(nil)
			}
			if err == nil {
				break
			}
			return 0, &Error{Kind: "folder", Text: fmt.Sprintf("the IMAP server refused to move messages to %q", a.MoveTo), Err: err}
		}
	case gallra.IMAPDelete:
		if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.DeletedFlag}, nil); err != nil {
			return 0, &Error{Kind: "protocol", Text: "the IMAP server refused to delete imported messages", Err: err}
		}
		if err := c.Expunge(nil); err != nil {
			return 0, &Error{Kind: "protocol", Text: "the IMAP server refused to expunge deleted messages", Err: err}
		}
	}
	return len(uids), nil
}
