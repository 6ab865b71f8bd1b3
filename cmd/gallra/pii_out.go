package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushingWriter buffers the output of `gallra pii … --lines` (one write(2)
// per 64 KiB instead of per line) and still streams: whatever is buffered is
// written at the latest every interval, so a line typed or piped in slowly
// gets its answer within that time.
type flushingWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	err  error
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newFlushingWriter(w io.Writer, every time.Duration) *flushingWriter {
	f := &flushingWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-f.stop:
				return
			case <-t.C:
				f.mu.Lock()
				if f.w.Buffered() > 0 && f.err == nil {
					f.err = f.w.Flush()
				}
				f.mu.Unlock()
			}
		}
	}()
	return f
}

func (f *flushingWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	f.err = err
	return n, err
}

// Close stops the timer and writes what is buffered; closing again only
// reports the first error.
func (f *flushingWriter) Close() error {
	f.once.Do(func() { close(f.stop) })
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	return f.w.Flush()
}
