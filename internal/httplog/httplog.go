// Package httplog records what a handler answered, for access logs and
// metrics.
package httplog

import "net/http"

// Recorder wraps a ResponseWriter and remembers the status written.
type Recorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

// NewRecorder wraps w.
func NewRecorder(w http.ResponseWriter) *Recorder { return &Recorder{ResponseWriter: w} }

// WriteHeader records the first status and passes it on.
func (s *Recorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 when nothing was written yet.
func (s *Recorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.code, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Status is the status written, 200 if none was.
func (s *Recorder) Status() int {
	if !s.wrote {
		return http.StatusOK
	}
	return s.code
}

// Wrote reports whether anything was written.
func (s *Recorder) Wrote() bool { return s.wrote }

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *Recorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
