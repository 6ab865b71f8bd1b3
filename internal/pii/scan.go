package pii

import (
	"unicode"
	"unicode/utf8"
)

// Byte classes that make the scanner look closer. Everything else (lower-case
// letters, spaces, punctuation, non-ASCII) is skipped in a tight loop.
const (
	clsNone uint8 = iota
	clsDigit
	clsAt
	clsColon
	clsPlus
)

// byteClass is a read-only lookup table, computed once.
var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit
	}
	t['@'] = clsAt
	t[':'] = clsColon
	t['+'] = clsPlus
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// scanner holds the state of one Detect call.
type scanner struct {
	d    *Detector
	text string
	out  []Finding
}

func (s *scanner) add(k Kind, start, end int, conf float64) {
	if !s.d.on(k) || end <= start {
		return
	}
	if s.out == nil {
		s.out = make([]Finding, 0, 4)
	}
	s.out = append(s.out, Finding{Kind: k, Start: start, End: end, Text: s.text[start:end], Confidence: conf})
}

// run is the single pass over the text.
func (s *scanner) run() {
	t := s.text
	n := len(t)
	for i := 0; i < n; {
		for i < n && byteClass[t[i]] == clsNone {
			i++
		}
		if i >= n {
			return
		}
		switch byteClass[t[i]] {
		case clsDigit:
			j := i + 1
			for j < n && isDigit(t[j]) {
				j++
			}
			// An IBAN starts with two letters before its first digits;
			// checking here keeps letters off the hot path.
			if i >= 2 && j-i >= 2 && isAlpha(t[i-1]) && isAlpha(t[i-2]) && s.wordStart(i-2) {
				s.iban(i - 2)
			}
			if s.wordStart(i) {
				s.numeric(i)
			}
			i = j
		case clsAt:
			s.email(i)
			i++
		case clsColon:
			i = max(i+1, s.ipv6(i))
		case clsPlus:
			if i+1 < n && isDigit(t[i+1]) && s.wordStart(i) {
				s.phoneIntl(i, i+1)
			}
			i++
		default:
			i++
		}
	}
}

// isWordRuneBefore reports whether the rune ending at i is a letter or digit.
func (s *scanner) isWordRuneBefore(i int) bool {
	if i <= 0 {
		return false
	}
	c := s.text[i-1]
	if c < utf8.RuneSelf {
		return isAlnum(c) || c == '_'
	}
	r, _ := utf8.DecodeLastRuneInString(s.text[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isWordRuneAt reports whether the rune starting at i is a letter or digit.
func (s *scanner) isWordRuneAt(i int) bool {
	if i >= len(s.text) {
		return false
	}
	c := s.text[i]
	if c < utf8.RuneSelf {
		return isAlnum(c) || c == '_'
	}
	r, _ := utf8.DecodeRuneInString(s.text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordStart reports whether a number may start at i: not glued to a word
// and not the continuation of a number such as "2024-00123" or "1.250".
func (s *scanner) wordStart(i int) bool {
	if i == 0 {
		return true
	}
	if s.isWordRuneBefore(i) {
		return false
	}
	switch s.text[i-1] {
	case '-', '.', '/', ',', ':', '+', '#':
		return !(i >= 2 && isDigit(s.text[i-2]))
	}
	return true
}

// numEnd reports whether a number may end at e: not glued to a word and not
// followed by a decimal or another dashed/dotted group.
func (s *scanner) numEnd(e int) bool {
	t := s.text
	if e >= len(t) {
		return true
	}
	if s.isWordRuneAt(e) {
		return false
	}
	switch t[e] {
	case '-', '.', ',', '/', ':', '+':
		return !(e+1 < len(t) && isDigit(t[e+1]))
	}
	return true
}

// labelBefore reports whether one of labels (lower-case ASCII) occurs, as
// the start of a word, in the window bytes before i. Comparison folds ASCII
// case only.
func (s *scanner) labelBefore(i, window int, labels ...string) bool {
	lo := max(0, i-window)
	w := s.text[lo:i]
	for _, l := range labels {
		if indexFold(w, l, lo, s) >= 0 {
			return true
		}
	}
	return false
}

// indexFold finds label in w (ASCII case-folded) at a word start; base is the
// offset of w in s.text, used to check the preceding rune.
func indexFold(w, label string, base int, s *scanner) int {
	n := len(label)
outer:
	for k := len(w) - n; k >= 0; k-- {
		for j := 0; j < n; j++ {
			if lower(w[k+j]) != label[j] {
				continue outer
			}
		}
		if !s.isWordRuneBefore(base + k) {
			return k
		}
	}
	return -1
}

// group is a run of digits inside a written number.
type group struct {
	start, end int
	sep        byte // separator before this group; 0 for the first
}

func (g group) len() int { return g.end - g.start }

// groups splits the number starting at i into at most len(buf) digit groups
// separated by single bytes from seps.
func (s *scanner) groups(i int, seps string, buf []group) []group {
	t := s.text
	n := len(t)
	buf = buf[:0]
	var sep byte
	for len(buf) < cap(buf) {
		j := i
		for j < n && isDigit(t[j]) {
			j++
		}
		buf = append(buf, group{i, j, sep})
		if j+1 >= n || !isDigit(t[j+1]) || !containsByte(seps, t[j]) {
			break
		}
		sep = t[j]
		i = j + 1
	}
	return buf
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// digitsOf copies the digits of t[start:end] into buf, skipping separators.
func digitsOf(t string, start, end int, buf []byte) []byte {
	buf = buf[:0]
	for k := start; k < end; k++ {
		if isDigit(t[k]) {
			buf = append(buf, t[k]-'0')
		}
	}
	return buf
}

// luhn reports whether the digit values pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum := 0
	dbl := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k])
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return len(d) > 0 && sum%10 == 0
}

// numeric tries every number-shaped entity starting at the digit at i.
func (s *scanner) numeric(i int) {
	var gb [8]group
	gs := s.groups(i, " -+", gb[:])
	s.swedishID(i, gs)
	s.nordicID(i, gs)
	t := s.text
	if t[i] == '0' && i+1 < len(t) {
		if t[i+1] == '0' {
			if i+2 < len(t) && isDigit(t[i+2]) && t[i+2] != '0' {
				s.phoneIntl(i, i+2)
			}
		} else {
			// "(08) 123 45 67" and "(0709 12 34 56)": try both.
			if i > 0 && t[i-1] == '(' {
				s.phoneNational(i-1, i)
			}
			s.phoneNational(i, i)
		}
	}
	s.card(i, gs)
	s.giro(i)
	s.ipv4(i)
	s.postcode(i, gs)
	s.street(i)
}

// afterDigitGroup reports whether i follows a space that ends a token
// holding a digit ("SE45 5000 …", "1234 5678"): the number at i is then a
// later group of something longer, not a number of its own.
func (s *scanner) afterDigitGroup(i int) bool {
	t := s.text
	if i < 2 || t[i-1] != ' ' {
		return false
	}
	for k := i - 2; k >= 0 && i-k < 40; k-- {
		c := t[k]
		if c == ' ' || c == '\n' || c == '\t' {
			return false
		}
		if isDigit(c) {
			return true
		}
	}
	return false
}
