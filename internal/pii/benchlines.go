package pii

import (
	"bufio"
	"io"
)

// WriteBenchLines writes at least size bytes of the messages Bench scans
// (deterministic, realistic mixed text), one message per line, to w: the
// input of a whole-process measurement of `gallra pii scan --lines`.
func WriteBenchLines(w io.Writer, size int) error {
	msgs, _ := benchMessages(size)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, m := range msgs {
		bw.WriteString(m)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
