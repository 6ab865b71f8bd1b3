package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/gallra/gallra/internal/pii"
)

// The JSON of `gallra pii` is written by hand (appendFindings,
// appendRedacted): byte for byte what encoding/json's Encoder with
// SetEscapeHTML(false) writes for the same values (TestPIIJSONAsEncoder),
// without reflection or an allocation per line.

// appendScanned appends {"findings":[…]} and a newline.
func appendScanned(dst []byte, fs []pii.Finding) []byte {
	dst = append(dst, `{"findings":[`...)
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"kind":`...)
		dst = appendJSONString(dst, string(f.Kind))
		dst = append(dst, `,"start":`...)
		dst = strconv.AppendInt(dst, int64(f.Start), 10)
		dst = append(dst, `,"end":`...)
		dst = strconv.AppendInt(dst, int64(f.End), 10)
		dst = append(dst, `,"text":`...)
		dst = appendJSONString(dst, f.Text)
		dst = append(dst, `,"confidence":`...)
		dst = appendJSONFloat(dst, f.Confidence)
		if f.Name != "" {
			dst = append(dst, `,"name":`...)
			dst = appendJSONString(dst, f.Name)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}\n"...)
}

// appendRedacted appends {"text":"…"} and a newline.
func appendRedacted(dst []byte, text string) []byte {
	dst = append(dst, `{"text":`...)
	dst = appendJSONString(dst, text)
	return append(dst, "}\n"...)
}

const jsonHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: quotes, backslashes and control characters
// escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[b>>4], jsonHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest decimal, in exponent form below 1e-6 and from 1e21 on (with
// e-07 written e-7). f must be finite.
func appendJSONFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// maxLine is the longest input line of --lines (as bufio.Scanner's limit
// was: the line with its newline must fit).
const maxLine = 16 << 20

// lineBatch is a run of whole input lines handled by one worker: buf holds
// them, and goes back to the reader's free list once they are handled.
type lineBatch struct {
	buf []byte
	res chan lineResult
}

// lineResult is a batch's output: the JSON of its first n lines, and err
// when line n+1 of the batch failed (the lines after it are not handled).
type lineResult struct {
	out []byte
	n   int
	err error
}

// readChunk is the size of one read of --lines input, and of the buffers
// batches travel in.
const readChunk = 1 << 20

// runLines handles every line of in (split as bufio.ScanLines splits:
// on \n, a \r before it dropped, a last line without \n kept) with handle,
// which appends the line's output to dst, and writes the outputs to out in
// input order. Lines are read in large chunks and handled in batches by
// workers goroutines side by side; a batch is whatever whole lines one read
// brought, so a slow, interactive input is still answered line by line.
// The first failing line stops the run after everything before it is
// written; its error names the line number.
//
// Input is read straight into buffers that are handed to a worker and come
// back to a free list when the worker is done, so the input is neither
// copied nor freshly allocated per batch (fresh memory costs page faults:
// a fifth of the run's time before). handle sees each line as a string
// over that buffer and must not keep it after it returns; it appends what
// it needs to dst.
func runLines(ctx context.Context, in io.Reader, out io.Writer, workers int, handle func(dst []byte, line string) ([]byte, error)) error {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan lineBatch, workers)
	order := make(chan chan lineResult, 2*workers)
	// Output buffers go back to the workers once written; input buffers
	// go back to the reader once handled.
	free := make(chan []byte, 4*workers)
	inFree := make(chan []byte, 4*workers)
	for range workers {
		go func() {
			for b := range jobs {
				var dst []byte
				select {
				case dst = <-free:
				default:
					dst = make([]byte, 0, len(b.buf)+len(b.buf)/2)
				}
				r := lineResult{}
				// The batch's lines are read in place; nothing refers to
				// them once handle returns (its output is copied to dst).
				text := unsafe.String(unsafe.SliceData(b.buf), len(b.buf))
				for len(text) > 0 {
					line := text
					if i := strings.IndexByte(text, '\n'); i >= 0 {
						line, text = text[:i], text[i+1:]
					} else {
						text = ""
					}
					if n := len(line); n > 0 && line[n-1] == '\r' {
						line = line[:n-1]
					}
					var err error
					if dst, err = handle(dst, line); err != nil {
						r.err = err
						break
					}
					r.n++
				}
				r.out = dst
				if cap(b.buf) == readChunk {
					select {
					case inFree <- b.buf[:0]:
					default:
					}
				}
				b.res <- r
			}
		}()
	}
	// The reader: whole lines of each read go out as one batch, in the
	// buffer they were read into; the rest of the line starts the next
	// buffer.
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		send := func(buf []byte) bool {
			res := make(chan lineResult, 1)
			select {
			case order <- res:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- lineBatch{buf: buf, res: res}:
				return true
			case <-ctx.Done():
				return false
			}
		}
		next := func(rest []byte) []byte {
			var nb []byte
			select {
			case nb = <-inFree:
			default:
				nb = make([]byte, 0, readChunk)
			}
			if len(rest) > cap(nb) {
				nb = make([]byte, 0, max(2*len(rest), readChunk))
			}
			return append(nb, rest...)
		}
		buf := next(nil)
		for {
			if len(buf) == cap(buf) {
				if cap(buf) >= maxLine {
					readErr <- bufio.ErrTooLong
					return
				}
				buf = append(make([]byte, 0, min(2*cap(buf), maxLine)), buf...)
			}
			n, err := in.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
				rest := buf[i+1:]
				nb := next(rest)
				if !send(buf[:i+1]) {
					return
				}
				buf = nb
			}
			if err == io.EOF {
				if len(buf) > 0 {
					send(buf)
				}
				return
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	// The writer, in input order.
	lines := 0
	for res := range order {
		var r lineResult
		select {
		case r = <-res:
		case <-ctx.Done():
			return ctx.Err()
		}
		if _, err := out.Write(r.out); err != nil {
			return err
		}
		select {
		case free <- r.out[:0]:
		default:
		}
		lines += r.n
		if r.err != nil {
			return fmt.Errorf("line %d: %w", lines+1, r.err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	select {
	case err := <-readErr:
		return fmt.Errorf("read stdin after line %d: %w", lines, err)
	default:
	}
	return ctx.Err()
}
