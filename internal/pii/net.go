package pii

import (
	"net/netip"
	"unicode"
	"unicode/utf8"
)

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// email detects addresses around the '@' at a: an ASCII local part and a
// domain of at least two labels (international letters allowed) ending in
// an alphabetic top-level domain.
func (s *scanner) email(a int) {
	t := s.text
	st := a
	for st > 0 && a-st < 64 {
		if isLocalByte(t[st-1]) {
			st--
			continue
		}
		// Internationalised local parts (RFC 6531): "förnamn@…".
		if t[st-1] >= utf8.RuneSelf {
			if r, sz := utf8.DecodeLastRuneInString(t[:st]); unicode.IsLetter(r) {
				st -= sz
				continue
			}
		}
		break
	}
	for st < a && (t[st] == '.' || t[st] == '-' || t[st] == '+') {
		st++
	}
	if st == a || t[a-1] == '.' {
		return
	}
	// Domain labels.
	e := a + 1
	lastDot := -1
	labelStart := e
	for e < len(t) && e-a < 255 {
		c := t[e]
		if isAlnum(c) || c == '-' {
			e++
			continue
		}
		if c >= utf8.RuneSelf {
			r, sz := utf8.DecodeRuneInString(t[e:])
			if unicode.IsLetter(r) {
				e += sz
				continue
			}
			break
		}
		if c == '.' && e > labelStart && e+1 < len(t) && (isAlnum(t[e+1]) || t[e+1] >= utf8.RuneSelf) {
			lastDot = e
			e++
			labelStart = e
			continue
		}
		break
	}
	if lastDot < 0 {
		return
	}
	// Top-level domain: letters only, at least two.
	tld := t[lastDot+1 : e]
	for len(tld) > 0 && tld[len(tld)-1] == '-' {
		tld = tld[:len(tld)-1]
		e--
	}
	if len(tld) < 2 {
		return
	}
	for k := 0; k < len(tld); k++ {
		if !isAlpha(tld[k]) {
			return
		}
	}
	if t[a+1] == '-' || t[a+1] == '.' || (e < len(t) && t[e] == '@') {
		return
	}
	s.add(Email, st, e, 0.99)
}

// versionLabels precede version numbers that look like IPv4 addresses.
var versionLabels = []string{"version", "ver", "v.", "build", "release", "firmware", "app "}

// ipv4 detects dotted-quad addresses validated by net/netip (no leading
// zeros, octets ≤ 255), unless a version label precedes them.
func (s *scanner) ipv4(i int) {
	t := s.text
	e := i
	dots := 0
	for e < len(t) && e-i < 15 {
		c := t[e]
		if isDigit(c) {
			e++
			continue
		}
		if c == '.' && dots < 3 && e+1 < len(t) && isDigit(t[e+1]) {
			dots++
			e++
			continue
		}
		break
	}
	if dots != 3 || s.isWordRuneAt(e) {
		return
	}
	if e+1 < len(t) && (t[e] == '.' || t[e] == ',' || t[e] == '-') && isDigit(t[e+1]) {
		return
	}
	if _, err := netip.ParseAddr(t[i:e]); err != nil {
		return
	}
	if s.labelBefore(i, 12, versionLabels...) {
		return
	}
	s.add(IPv4, i, e, 0.95)
}

func isHex(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }

// ipv6 detects an IPv6 address around the ':' at c, validated by
// net/netip. It returns the index where scanning should continue.
func (s *scanner) ipv6(c int) int {
	t := s.text
	st := c
	for st > 0 && c-st < 45 && (isHex(t[st-1]) || t[st-1] == ':') {
		st--
	}
	e := c + 1
	for e < len(t) && e-st < 45 && (isHex(t[e]) || t[e] == ':' || (t[e] == '.' && e+1 < len(t) && isDigit(t[e+1]))) {
		e++
	}
	colons, hex := 0, 0
	for k := st; k < e; k++ {
		if t[k] == ':' {
			colons++
		} else {
			hex++
		}
	}
	if colons < 2 || hex == 0 || s.isWordRuneBefore(st) || s.isWordRuneAt(e) {
		return c + 1
	}
	// A trailing single colon ("fe80::1:") is punctuation.
	if t[e-1] == ':' && (e-2 < st || t[e-2] != ':') {
		e--
	}
	a, err := netip.ParseAddr(t[st:e])
	if err != nil || !a.Is6() {
		return c + 1
	}
	s.add(IPv6, st, e, 0.95)
	return e
}
