package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/mailout"
	"github.com/gallra/gallra/internal/service"
)

// benchOutbox queues N staff replies through the mail service (each its own
// transaction: message, outbox row, audit entry) and delivers them with W
// workers side by side to an SMTP relay on loopback (go-smtp), and prints
// replies queued/s, mails delivered/s and how many the relay got twice
// (must be 0).
func benchOutbox(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench outbox", "[--n N] [--workers W] [--postgres URL]")
	n := fs.Int("n", 2000, "replies to queue and deliver")
	workers := fs.Int("workers", 4, "delivery workers side by side (as several serve processes would run)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 10 {
		return usageErr("--n must be at least 10")
	}
	if *workers < 1 || *workers > 64 {
		return usageErr("--workers must be between 1 and 64")
	}
	relay, err := startBenchRelay()
	if err != nil {
		return err
	}
	defer relay.close()
	fmt.Fprintf(env.Stdout, "outbox: %d replies in %d conversations, delivered by %d workers to a loopback SMTP relay\n", *n, *n/10, *workers)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		relay.reset()
		svc := service.New(service.Deps{DB: db, Clock: env.Clock})
		org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
		if err != nil {
			cleanup()
			return err
		}
		inbox, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleMail, Name: "Kundtjänst", Address: "kontakt@bench.example"})
		if err != nil {
			cleanup()
			return err
		}
		convs := make([]int64, *n/10)
		for i := range convs {
			m, err := db.IngestMail(ctx, org.ID, inbox.ID, gallra.InboundMail{From: fmt.Sprintf("kund%d@example.se", i), Subject: "Fråga om bygglov",
				Body: "Hej! När får jag besked om mitt bygglov?", MessageID: fmt.Sprintf("in%d@example.se", i)})
			if err != nil {
				cleanup()
				return err
			}
			convs[i] = m.ConversationID
		}
		body := "Hej!\n\nTack för ditt meddelande. Handläggningen tar normalt tre veckor; vi hör av oss så snart beslutet är fattat.\n\nVänliga hälsningar\nKundtjänst"
		start := time.Now()
		for i := 0; i < *n; i++ {
			if _, err := svc.Mail.Reply(ctx, admin, convs[i%len(convs)], gallra.MailReply{Body: body}); err != nil {
				cleanup()
				return fmt.Errorf("%s: reply: %w", t.Name, err)
			}
		}
		queued := time.Since(start)
		r, _ := mailout.ParseRelayURL("smtp://" + relay.addr + "?starttls=none")
		start = time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, *workers)
		for w := 0; w < *workers; w++ {
			d := mailout.New(db, mailout.SMTPSender{Relay: r}, nil, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := d.Run(ctx); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		delivered := time.Since(start)
		cleanup()
		close(errs)
		if err := <-errs; err != nil {
			return fmt.Errorf("%s: deliver: %w", t.Name, err)
		}
		got, distinct := relay.counts()
		if distinct != *n {
			return fmt.Errorf("%s: the relay got %d distinct mails of %d", t.Name, distinct, *n)
		}
		fmt.Fprintf(env.Stdout, "%-8s queued:    %6d replies in %7.2fs = %7.0f replies/s\n", t.Name, *n, queued.Seconds(), float64(*n)/queued.Seconds())
		fmt.Fprintf(env.Stdout, "%-8s delivered: %6d mails   in %7.2fs = %7.0f mails/s, %d sent twice\n", t.Name, *n, delivered.Seconds(), float64(*n)/delivered.Seconds(), got-distinct)
	}
	return nil
}

// benchRelay is a loopback SMTP server counting the mails it accepts by
// Message-ID.
type benchRelay struct {
	addr string
	srv  *smtp.Server
	mu   sync.Mutex
	ids  map[string]int
	all  int
}

func startBenchRelay() (*benchRelay, error) {
	r := &benchRelay{ids: map[string]int{}}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &benchSession{r: r}, nil }))
	r.srv.Domain = "relay.bench.example"
	r.srv.ReadTimeout, r.srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench relay: %w", err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *benchRelay) close() { _ = r.srv.Close() }

func (r *benchRelay) reset() {
	r.mu.Lock()
	r.ids, r.all = map[string]int{}, 0
	r.mu.Unlock()
}

func (r *benchRelay) counts() (all, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.all, len(r.ids)
}

type benchSession struct{ r *benchRelay }

func (s *benchSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *benchSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *benchSession) Reset()                               {}
func (s *benchSession) Logout() error                        { return nil }

func (s *benchSession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(b))).ReadMIMEHeader()
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.ids[h.Get("Message-Id")]++
	s.r.all++
	s.r.mu.Unlock()
	return nil
}
