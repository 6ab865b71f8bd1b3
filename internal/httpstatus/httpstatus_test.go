package httpstatus

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/gallra/gallra"
)

func TestCode(t *testing.T) {
	for code, want := range map[string]int{
		gallra.EINVALID:      http.StatusBadRequest,
		gallra.EUNAUTHORIZED: http.StatusUnauthorized,
		gallra.EFORBIDDEN:    http.StatusForbidden,
		gallra.ENOTFOUND:     http.StatusNotFound,
		MethodNotAllowed:     http.StatusMethodNotAllowed,
		gallra.ECONFLICT:     http.StatusConflict,
		gallra.EUNPROCESS:    http.StatusUnprocessableEntity,
		gallra.ETOOLARGE:     http.StatusRequestEntityTooLarge,
		gallra.ERATELIMIT:    http.StatusTooManyRequests,
		gallra.EUNAVAILABLE:  http.StatusServiceUnavailable,
		gallra.EINTERNAL:     http.StatusInternalServerError,
		"":                   http.StatusInternalServerError,
		"no_such_code":       http.StatusInternalServerError,
	} {
		if got := Code(code); got != want {
			t.Errorf("Code(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestOf(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want int
	}{
		"coded":         {gallra.Errorf(gallra.ECONFLICT, "x"), http.StatusConflict},
		"wrapped coded": {fmt.Errorf("save: %w", gallra.Errorf(gallra.ENOTFOUND, "x")), http.StatusNotFound},
		"uncoded":       {errors.New("boom"), http.StatusInternalServerError},
	} {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("%s: Of = %d, want %d", name, got, tc.want)
		}
	}
}
