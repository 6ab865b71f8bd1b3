package pii

import (
	"errors"
	"strings"
)

// phoneGroups is the digit grouping of a written phone number.
type phoneGroups struct {
	n     int
	lens  [10]int
	ends  [10]int
	seps  [10]byte // separator before group k; ')' for a closing parenthesis
	total int      // digits counted, excluding a "(0)" trunk prefix
	trunk bool     // "(0)" seen after the country code
	// overflow is set when more digit groups followed than a phone number
	// holds: the digits are part of something longer (an IBAN, a list).
	overflow bool
}

// parsePhone collects digit groups from i, separated by one of ' ', '-',
// '/', '.', " - ", or parentheses around a group, until maxDigits would be
// exceeded.
func (s *scanner) parsePhone(i int, maxDigits int, paren bool, intl bool) (pg phoneGroups, ok bool) {
	t := s.text
	n := len(t)
	j := i
	var sep byte
	for pg.n < len(pg.lens) {
		k := j
		for k < n && isDigit(t[k]) {
			k++
		}
		l := k - j
		trunk := intl && pg.n == 1 && sep == '(' && l == 1 && t[j] == '0'
		if !trunk && pg.total+l > maxDigits {
			pg.overflow = true
			break
		}
		closing := false
		if sep == '(' {
			if k >= n || t[k] != ')' {
				break
			}
			k++
			closing = true
		}
		if trunk {
			pg.trunk = true
		} else {
			pg.total += l
		}
		pg.lens[pg.n], pg.ends[pg.n], pg.seps[pg.n] = l, k, sep
		pg.n++
		if paren && pg.n == 1 {
			// National "(08) 123 45 67": the area code must be closed.
			if k >= n || t[k] != ')' {
				return pg, false
			}
			pg.ends[0] = k + 1
			k++
			closing = true
		}
		// Separator before the next group.
		switch {
		case k+1 < n && isDigit(t[k+1]) && (t[k] == ' ' || t[k] == '-' || (!closing && (t[k] == '/' || t[k] == '.'))):
			sep, j = t[k], k+1
		case closing && k < n && isDigit(t[k]):
			sep, j = ')', k
		case k+3 < n && t[k] == ' ' && t[k+1] == '-' && t[k+2] == ' ' && isDigit(t[k+3]):
			sep, j = '-', k+3
		case intl && !closing && k+2 < n && t[k] == ' ' && t[k+1] == '(' && isDigit(t[k+2]):
			sep, j = '(', k+2
		case intl && !closing && k+1 < n && t[k] == '(' && isDigit(t[k+1]):
			sep, j = '(', k+1
		default:
			return pg, true
		}
	}
	return pg, pg.n > 0
}

// phoneNational detects Swedish national numbers: 070-123 45 67,
// 08-123 456 78, 031-12 34 56, (08) 123 45 67, 0701234567.
func (s *scanner) phoneNational(start, i int) {
	t := s.text
	if s.afterDigitGroup(start) {
		return // inside a longer run of digit groups
	}
	pg, ok := s.parsePhone(i, 10, start < i, false)
	if !ok || pg.overflow {
		return
	}
	// A trailing one-digit group is more likely a following number
	// ("08-123 45 67 1 gång").
	for pg.n > 1 && pg.lens[pg.n-1] == 1 && pg.total > 8 {
		pg.total--
		pg.n--
	}
	if pg.total < 8 || pg.total > 10 {
		return
	}
	end := pg.ends[pg.n-1]
	if !s.numEnd(end) {
		return
	}
	if start < i && (pg.n < 2 || pg.lens[0] > 4) {
		return // "(08) 123 45 67", not "(0308649938)"
	}
	// Mobile numbers (07x) always have ten digits.
	if t[i+1] == '7' && pg.total != 10 {
		return
	}
	dashOnly := true
	for k := 1; k < pg.n; k++ {
		if pg.seps[k] != '-' && pg.seps[k] != '/' && pg.seps[k] != '.' {
			dashOnly = false
		}
		if pg.seps[k] == '.' && pg.n != 2 {
			return // 08.30.17.00 and friends
		}
	}
	if pg.n >= 2 {
		a := pg.lens[0]
		if a == 2 && t[i+1] != '8' {
			return // the only two-digit area code is 08
		}
		if a > 4 {
			return // area codes have 2–4 digits; 850101-1234 is no phone
		}
		// Subscriber numbers never start with 0.
		if a <= 4 && s.firstDigitAfter(pg.ends[0]) == '0' {
			return
		}
		if dashOnly && pg.n == 3 && pg.lens[0] == 2 && pg.lens[1] == 2 && (pg.lens[2] == 4 || pg.lens[2] == 2) {
			return // 08-12-2024 is a date
		}
	}
	conf := 0.95
	if pg.n == 1 {
		conf = 0.7
		if t[i+1] == '7' {
			conf = 0.85
		}
	}
	if s.labelBefore(start, 24, phoneLabels...) {
		conf = 0.98
	}
	s.add(Phone, start, end, conf)
}

func (s *scanner) firstDigitAfter(k int) byte {
	for ; k < len(s.text); k++ {
		if isDigit(s.text[k]) {
			return s.text[k]
		}
	}
	return 0
}

// phoneIntl detects international numbers written +CC… or 00CC…, with
// usual spacing, dashes, "(0)" trunk prefixes and parenthesised area codes.
func (s *scanner) phoneIntl(start, i int) {
	t := s.text
	if t[start] == '0' && s.afterDigitGroup(start) {
		return
	}
	var cc [3]byte
	k := 0
	for j := i; j < len(t) && k < 3 && isDigit(t[j]); j++ {
		cc[k] = t[j] - '0'
		k++
	}
	cl := ccLen(cc[:k])
	if cl == 0 {
		return
	}
	maxDigits := 15
	if cl == 2 && cc[0] == 4 && cc[1] == 6 {
		maxDigits = 11 // +46 and at most nine national digits
	}
	pg, ok := s.parsePhone(i, maxDigits, false, true)
	if !ok || pg.overflow || pg.total < 8 {
		return
	}
	for pg.n > 1 && pg.lens[pg.n-1] == 1 && pg.total > 8 {
		pg.total--
		pg.n--
	}
	if maxDigits == 11 && pg.total < 9 {
		return
	}
	end := pg.ends[pg.n-1]
	if !s.numEnd(end) {
		return
	}
	conf := 0.95
	if s.labelBefore(start, 24, phoneLabels...) {
		conf = 0.98
	}
	s.add(Phone, start, end, conf)
}

// ccLen returns the length of the ITU country calling code at the start of
// d, or 0 if d does not start with one.
func ccLen(d []byte) int {
	if len(d) == 0 || d[0] == 0 {
		return 0
	}
	if d[0] == 1 || d[0] == 7 {
		return 1
	}
	if len(d) < 2 {
		return 0
	}
	switch d[0]*10 + d[1] {
	case 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
		51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86,
		90, 91, 92, 93, 94, 95, 98:
		return 2
	case 21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80,
		85, 87, 88, 96, 97, 99:
		if len(d) < 3 {
			return 0
		}
		return 3
	}
	return 0
}

// ErrNotPhone is returned by NormalizePhone for input that is not a
// plausible phone number.
var ErrNotPhone = errors.New("pii: not a phone number")

// NormalizePhone returns the E.164 form (+46701234567) of a phone number
// written in any of the forms Detect recognises: Swedish national numbers
// (leading 0 becomes +46), +CC and 00CC prefixes, "(0)" trunk prefixes,
// spaces, dashes, dots, slashes and parentheses. It returns ErrNotPhone for
// anything else, so two spellings of one number normalise equally.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.Replace(s, "(0)", "", 1)
	var b [20]byte
	d := b[:0]
	plus := false
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case isDigit(c):
			if len(d) == len(b) {
				return "", ErrNotPhone
			}
			d = append(d, c)
		case c == '+' && k == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
		default:
			return "", ErrNotPhone
		}
	}
	switch {
	case plus:
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		d = d[2:]
	case len(d) > 1 && d[0] == '0':
		d = append([]byte{'4', '6'}, d[1:]...)
	default:
		return "", ErrNotPhone
	}
	var v [3]byte
	for k := 0; k < 3 && k < len(d); k++ {
		v[k] = d[k] - '0'
	}
	cl := ccLen(v[:min(3, len(d))])
	if cl == 0 || len(d) < 8 || len(d) > 15 {
		return "", ErrNotPhone
	}
	if d[0] == '4' && d[1] == '6' {
		nat := len(d) - 2
		if nat < 7 || nat > 9 || d[2] == '0' {
			return "", ErrNotPhone
		}
	}
	return "+" + string(d), nil
}
