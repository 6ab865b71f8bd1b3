package main

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/smtpd"
	"github.com/gallra/gallra/internal/store"
)

// benchMail delivers N messages of about 20 KB over loopback SMTP to the
// in-process receiver, from parallel senders (each one connection, one
// transaction per message, as an MTA does), through the whole intake
// pipeline (MIME parsing, HTML sanitising, threading, sensitive-data
// flags, audit) into the database. It prints accepted messages/s and the
// acceptance latency (MAIL FROM to the 250 after DATA) per database.
func benchMail(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench mail", "[--n N] [--senders S] [--postgres URL]")
	n := fs.Int("n", 3000, "messages to deliver")
	senders := fs.Int("senders", 10, "parallel SMTP senders")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 10 {
		return usageErr("--n must be at least 10")
	}
	if *senders < 1 || *senders > 100 {
		return usageErr("--senders must be between 1 and 100")
	}
	fmt.Fprintf(env.Stdout, "mail: %d messages of ~%d KB over loopback SMTP, %d parallel senders, a quarter of them replies\n", *n, len(benchMessage(0, 0, ""))/1024, *senders)
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		cpu0 := processCPU()
		wall, lat, err := mailOnce(ctx, db.WithScanner(orgpii.New(db)), *n, *senders)
		cpu := processCPU() - cpu0
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
		fmt.Fprintf(env.Stdout, "%-8s %d messages in %.2fs; acceptance p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
			t.Name, len(lat), wall.Seconds(), q(0.5), q(0.9), q(0.99), q(1))
		if cpu > 0 {
			// CPU of this process (receiver, pipeline, SQLite, and the
			// senders) per message: what the figure would be on idle cores,
			// when the machine is shared and the wall clock says little.
			fmt.Fprintf(env.Stdout, "%-8s CPU of this process: %.2f ms per message (%.0f messages per CPU-second; %d CPUs)\n",
				t.Name, float64(cpu)/float64(time.Millisecond)/float64(len(lat)), float64(len(lat))/cpu.Seconds(), runtime.NumCPU())
		}
		fmt.Fprintf(env.Stdout, "%-8s mail: %.0f messages/s, p99 %.1f ms\n", t.Name, float64(len(lat))/wall.Seconds(), q(0.99))
	}
	return nil
}

func mailOnce(ctx context.Context, db *store.DB, n, senders int) (time.Duration, []time.Duration, error) {
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return 0, nil, err
	}
	const inbox = "kontakt@bench.example"
	if _, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleMail, Name: "Kontakt", Address: inbox}); err != nil {
		return 0, nil, err
	}
	svc := service.New(service.Deps{DB: db})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	srv := smtpd.New(svc.Mail, smtpd.Config{Domain: "bench.example"})
	go srv.Serve(ln)
	defer srv.Shutdown(context.WithoutCancel(ctx))

	var mu sync.Mutex
	var lat []time.Duration
	errs := make(chan error, senders)
	start := time.Now()
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		count := n / senders
		if s < n%senders {
			count++
		}
		wg.Add(1)
		go func(s, count int) {
			defer wg.Done()
			l, err := sendMany(ctx, ln.Addr().String(), inbox, s, count)
			mu.Lock()
			lat = append(lat, l...)
			mu.Unlock()
			errs <- err
		}(s, count)
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, nil, err
		}
	}
	return wall, lat, nil
}

// sendMany sends count messages on one connection and returns each
// message's acceptance latency.
func sendMany(ctx context.Context, addr, inbox string, sender, count int) ([]time.Duration, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	from := fmt.Sprintf("kund%d@example.se", sender)
	out := make([]time.Duration, 0, count)
	for i := 0; i < count; i++ {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		reply := ""
		if i%4 == 3 {
			reply = fmt.Sprintf("bench-%d-%d@example.se", sender, i-1)
		}
		raw := benchMessage(sender, i, reply)
		t0 := time.Now()
		if err := c.Mail(from); err != nil {
			return out, err
		}
		if err := c.Rcpt(inbox); err != nil {
			return out, err
		}
		w, err := c.Data()
		if err != nil {
			return out, err
		}
		if _, err := w.Write(raw); err != nil {
			return out, err
		}
		if err := w.Close(); err != nil {
			return out, fmt.Errorf("message %d of sender %d: %w", i, sender, err)
		}
		out = append(out, time.Since(t0))
	}
	return out, c.Quit()
}

// processCPU returns the user and system CPU time this process has used,
// from /proc/self/stat (0 where there is none).
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// benchMessage is a ~20 KB multipart/alternative message in Swedish
// (quoted-printable text and HTML), a reply when inReplyTo is set.
func benchMessage(sender, i int, inReplyTo string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Kund %d <kund%d@example.se>\r\nTo: kontakt@bench.example\r\nSubject: Fråga %d om bygglov och färdtjänst\r\n", sender, sender, i)
	fmt.Fprintf(&b, "Message-ID: <bench-%d-%d@example.se>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n", sender, i)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("Content-Type: multipart/alternative; boundary=\"BENCH\"\r\n\r\n--BENCH\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	line := "Hej! Jag undrar hur l=C3=A5ng tid handl=C3=A4ggningen tar f=C3=B6r mitt =C3=A4rende, ring mig g=C3=A4rna.\r\n"
	for b.Len() < 10_000 {
		b.WriteString(line)
	}
	b.WriteString("\r\n--BENCH\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>")
	for b.Len() < 20_000 {
		b.WriteString("<p>Hej! Jag undrar hur l=C3=A5ng tid handl=C3=A4ggningen tar, <b>ring mig</b>.</p>\r\n")
	}
	b.WriteString("<img src=3D\"https://track.example.org/p.gif\"></body></html>\r\n--BENCH--\r\n")
	return []byte(b.String())
}
