package gallra

import "time"

// AddMonths adds n calendar months (n may be negative) to t, keeping the time
// of day and clamping the day to the last day of the target month: Jan 31
// plus one month is Feb 28 (Feb 29 in a leap year), not Mar 3 as
// time.AddDate would give. Deadlines and retention periods use it so that a
// month never silently becomes a few days shorter or longer.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	y += total / 12
	total %= 12
	if total < 0 {
		total += 12
		y--
	}
	month := time.Month(total + 1)
	if last := DaysIn(y, month); d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(y, month, d, h, mi, s, t.Nanosecond(), t.Location())
}

// DaysIn returns the number of days in the month of the year.
func DaysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
