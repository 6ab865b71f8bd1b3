package pii

import (
	"strings"
	"testing"
	"time"
)

// TestLinearTime guards against quadratic behaviour on long, dense input.
func TestLinearTime(t *testing.T) {
	d := MustDefault(t)
	for _, unit := range []string{"1.1.1.1 ", "070-123 45 67 ", "a@b.se ", "::1 ", "111 11 Aaaa", "Storgatan 1 ", "@@@@", "1-1-1-1-", "SE45 ", "+46 70 "} {
		text := strings.Repeat(unit, 200_000/len(unit))
		start := time.Now()
		d.Detect(text)
		d.Redact(text, Mask(4))
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%q ×%d took %s", unit, 200_000/len(unit), el)
		}
	}
}
