package gallra

import (
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 10, 30, 0, 0, time.UTC) }
	cases := []struct {
		name string
		in   time.Time
		n    int
		want time.Time
	}{
		{"plain", d(2026, 3, 15), 1, d(2026, 4, 15)},
		{"Jan 31 + 1 clamps to Feb 28", d(2026, 1, 31), 1, d(2026, 2, 28)},
		{"Jan 31 + 1 in a leap year", d(2028, 1, 31), 1, d(2028, 2, 29)},
		{"Mar 31 - 1 clamps to Feb 28", d(2025, 3, 31), -1, d(2025, 2, 28)},
		{"Feb 29 + 12", d(2028, 2, 29), 12, d(2029, 2, 28)},
		{"Feb 29 - 12", d(2028, 2, 29), -12, d(2027, 2, 28)},
		{"across year end", d(2026, 11, 30), 3, d(2027, 2, 28)},
		{"backwards across year end", d(2026, 1, 15), -2, d(2025, 11, 15)},
		{"many years back", d(2026, 5, 31), -37, d(2023, 4, 30)},
		{"zero", d(2026, 5, 31), 0, d(2026, 5, 31)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AddMonths(c.in, c.n); !got.Equal(c.want) {
				t.Fatalf("AddMonths(%s, %d) = %s, want %s", c.in.Format(time.DateOnly), c.n, got.Format(time.DateTime), c.want.Format(time.DateTime))
			}
		})
	}
}

// An item N months old by AddMonths is never younger than N months by the
// calendar: going back and forth never lands after the start.
func TestAddMonthsRoundTripNeverLater(t *testing.T) {
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for day := 0; day < 4*366; day++ {
		now := start.AddDate(0, 0, day)
		for _, n := range []int{1, 2, 6, 12, 36} {
			cut := AddMonths(now, -n)
			if back := AddMonths(cut, n); back.After(now) {
				t.Fatalf("AddMonths(AddMonths(%s, -%d), %d) = %s, after now", now.Format(time.DateOnly), n, n, back.Format(time.DateOnly))
			}
		}
	}
}
