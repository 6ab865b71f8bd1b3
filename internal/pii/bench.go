package pii

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// benchSentences are the building blocks of benchmark messages. Most carry
// no personal data, as in real traffic; {x} slots are filled by benchFill.
var benchSentences = []string{
	"Hej! Jag undrar när min beställning kommer, den skulle levereras {date}.",
	"Tack för snabbt svar, det löste sig.",
	"Varför har jag fått en påminnelse på {amount}?",
	"Mitt personnummer är {pnr}.",
	"Ring mig gärna på {phone} efter kl {time}.",
	"Du når mig på {email}.",
	"Jag bor på {street} och soptunnan har inte tömts.",
	"Ärendenummer {case}, jag väntar fortfarande på besked.",
	"Appen kraschar sedan uppdateringen till version {version}.",
	"Öppettiderna på biblioteket är {time}, stämmer det?",
	"Kan ni skicka fakturan till min nya adress?",
	"Vi är fem personer som vill boka lokalen på lördag.",
	"Hi, I have a question about my invoice from {date}.",
	"Please call me on {phone}, thanks!",
	"The refund of {amount} has not arrived yet.",
	"Jag har bytt bank, nytt konto är {iban}.",
	"Skolskjutsen var försenad i morse igen, tredje gången den här veckan.",
	"Servern {ip} svarar inte sedan {time}.",
	"Betalningen gick till bankgiro {bg} enligt avin.",
	"Mvh Anna Svensson",
	"Med vänliga hälsningar, Örjan Åkesson",
	"Hur gör jag för att säga upp mitt abonnemang?",
	"Det regnar in genom taket i tvättstugan, kan någon komma och titta?",
	"Thanks for your help, have a great day!",
}

// benchFill writes a message of 1–6 sentences into b.
func benchFill(r *rand.Rand, b *strings.Builder) {
	n := 1 + r.IntN(6)
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		s := benchSentences[r.IntN(len(benchSentences))]
		for {
			i := strings.IndexByte(s, '{')
			if i < 0 {
				b.WriteString(s)
				break
			}
			j := strings.IndexByte(s[i:], '}') + i
			b.WriteString(s[:i])
			benchSlot(r, b, s[i+1:j])
			s = s[j+1:]
		}
	}
}

func benchDigits(r *rand.Rand, b *strings.Builder, n int) {
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
}

func benchSlot(r *rand.Rand, b *strings.Builder, slot string) {
	switch slot {
	case "date":
		fmt.Fprintf(b, "%d-%02d-%02d", 2020+r.IntN(6), 1+r.IntN(12), 1+r.IntN(28))
	case "amount":
		fmt.Fprintf(b, "%d %03d kr", 1+r.IntN(30), r.IntN(1000))
	case "pnr":
		// Synthetic: birth numbers 980–999 only.
		base := fmt.Sprintf("%02d%02d%02d%03d", r.IntN(100), 1+r.IntN(12), 1+r.IntN(28), 980+r.IntN(20))
		b.WriteString(base[:6] + "-" + base[6:])
		b.WriteString(strconv.Itoa(luhnCheckDigit(base)))
	case "phone":
		b.WriteString("070-")
		b.WriteByte(byte('1' + r.IntN(9)))
		benchDigits(r, b, 2)
		b.WriteByte(' ')
		benchDigits(r, b, 2)
		b.WriteByte(' ')
		benchDigits(r, b, 2)
	case "time":
		fmt.Fprintf(b, "%02d:%02d", 7+r.IntN(12), 5*r.IntN(12))
	case "email":
		fmt.Fprintf(b, "kund%d@exempel.se", r.IntN(100000))
	case "street":
		fmt.Fprintf(b, "Storgatan %d", 1+r.IntN(99))
	case "case":
		fmt.Fprintf(b, "%d-%05d", 2020+r.IntN(6), r.IntN(100000))
	case "version":
		fmt.Fprintf(b, "%d.%d.%d", 1+r.IntN(9), r.IntN(20), r.IntN(20))
	case "iban":
		b.WriteString("SE45 5000 0000 0583 9825 7466")
	case "ip":
		fmt.Fprintf(b, "192.168.%d.%d", r.IntN(256), 1+r.IntN(254))
	case "bg":
		b.WriteString("5050-1055")
	}
}

// luhnCheckDigit returns the digit that completes digits to pass Luhn.
func luhnCheckDigit(digits string) int {
	sum := 0
	dbl := true
	for k := len(digits) - 1; k >= 0; k-- {
		v := int(digits[k] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return (10 - sum%10) % 10
}

// benchMessages builds at least size bytes of messages, deterministically.
func benchMessages(size int) (msgs []string, total int) {
	r := rand.New(rand.NewPCG(1, 2026))
	var b strings.Builder
	b.Grow(size + 4096)
	var ends []int
	for b.Len() < size {
		benchFill(r, &b)
		ends = append(ends, b.Len())
	}
	all := b.String()
	msgs = make([]string, len(ends))
	start := 0
	for k, e := range ends {
		msgs[k] = all[start:e]
		start = e
	}
	return msgs, len(all)
}

// Bench measures Detect throughput of the default detector on one
// goroutine over sizeMB megabytes (10⁶ bytes; values below 50 mean 50) of
// deterministic, realistic mixed messages, called message by message. It
// prints messages/s, allocations per message and, as its last line,
// "pii throughput: X MB/s". It stops early with ctx's error when ctx is
// cancelled.
func Bench(ctx context.Context, w io.Writer, sizeMB int) error {
	if sizeMB < 50 {
		sizeMB = 50
	}
	msgs, total := benchMessages(sizeMB * 1_000_000)
	d := Default()
	fmt.Fprintf(w, "pii bench: %d messages, %.1f MB\n", len(msgs), float64(total)/1e6)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	findings := 0
	start := time.Now()
	for k, m := range msgs {
		if k&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("pii bench: %w", err)
			}
		}
		findings += len(d.Detect(m))
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	secs := elapsed.Seconds()
	fmt.Fprintf(w, "findings: %d in %s\n", findings, elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "messages/s: %.0f\n", float64(len(msgs))/secs)
	fmt.Fprintf(w, "allocs/message: %.3f\n", float64(after.Mallocs-before.Mallocs)/float64(len(msgs)))
	fmt.Fprintf(w, "pii throughput: %.1f MB/s\n", float64(total)/1e6/secs)
	return nil
}
