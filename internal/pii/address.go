package pii

import (
	"unicode"
	"unicode/utf8"
)

// streetSuffixes end Nordic street names (lower case). Words that end in
// them but are not streets ("våningsplan") are avoided by leaving out the
// ambiguous suffixes.
var streetSuffixes = []string{
	"gatan", "gata", "vägen", "väg", "gränd", "gränden", "torget", "torg",
	"platsen", "stigen", "backen", "allén", "allé", "leden", "kajen",
	"slingan", "esplanaden", "promenaden", "stråket", "vej", "gade",
	"veien", "vegen", "vei", "gate", "gaten", "katu", "kuja",
}

// streetQualifiers may precede a street name as a separate word.
var streetQualifiers = []string{
	"norra", "södra", "östra", "västra", "stora", "lilla", "gamla", "nya",
	"sankt", "s:t", "övre", "nedre", "store", "lille",
}

// townStop are capitalised words that follow five-digit numbers but are not
// towns (currencies, units, months).
var townStop = []string{
	"kr", "kronor", "sek", "eur", "euro", "usd", "nok", "dkk", "dollar",
	"st", "stycken", "styck", "pers", "personer", "dagar", "timmar",
	"minuter", "meter", "km", "kg", "mb", "gb", "kunder", "ärenden",
	"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
	"september", "oktober", "november", "december", "january", "february",
	"march", "may", "june", "july", "august", "october",
}

// foldByte lower-cases ASCII and the Latin-1 letters encoded as C3 xx
// (Å, Ä, Ö, É, …), given the byte before it.
func foldByte(prev, c byte) byte {
	if c < utf8.RuneSelf {
		return lower(c)
	}
	if prev == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97 {
		return c + 0x20
	}
	return c
}

// hasSuffixFold reports whether w ends with the lower-case suffix suf.
func hasSuffixFold(w, suf string) bool {
	if len(w) < len(suf) {
		return false
	}
	off := len(w) - len(suf)
	for k := len(suf) - 1; k >= 0; k-- {
		var prev byte
		if off+k > 0 {
			prev = w[off+k-1]
		}
		if foldByte(prev, w[off+k]) != suf[k] {
			return false
		}
	}
	return true
}

func equalFold(w, x string) bool { return len(w) == len(x) && hasSuffixFold(w, x) }

// wordBefore returns the start of the letter word ending at e (exclusive).
func (s *scanner) wordBefore(e int) int {
	t := s.text
	k := e
	for k > 0 && e-k < 64 {
		r, sz := utf8.DecodeLastRuneInString(t[:k])
		if !unicode.IsLetter(r) && (r != ':' || k == e) { // "S:t", not "adress:"
			break
		}
		k -= sz
	}
	return k
}

// town returns the end of a town name starting at k ("Stockholm",
// "GÖTEBORG", "Upplands-Bro"), or -1.
func (s *scanner) town(k int) int {
	t := s.text
	if k >= len(t) {
		return -1
	}
	r, sz := utf8.DecodeRuneInString(t[k:])
	if !unicode.IsUpper(r) {
		return -1
	}
	e := k + sz
	lowers, uppers := 0, 1
	for e < len(t) && e-k < 40 {
		r, sz := utf8.DecodeRuneInString(t[e:])
		switch {
		case unicode.IsLower(r):
			lowers++
		case unicode.IsUpper(r):
			uppers++
		case r == '-' && e+1 < len(t) && isUpper(t[e+1]):
		default:
			goto done
		}
		e += sz
	}
done:
	if s.isWordRuneAt(e) {
		return -1
	}
	if !(lowers >= 2 && uppers <= 3) && !(lowers == 0 && uppers >= 3) {
		return -1
	}
	w := t[k:e]
	for _, x := range townStop {
		if equalFold(w, x) {
			return -1
		}
	}
	return e
}

// postcodeTown returns the end of "NNN NN Town" or "NNNNN Town" starting at
// i, or -1. A postcode alone does not count.
func (s *scanner) postcodeTown(i int) int {
	t := s.text
	if i+7 > len(t) || t[i] == '0' {
		return -1
	}
	var e int
	switch {
	case isDigit(t[i+1]) && isDigit(t[i+2]) && t[i+3] == ' ' && isDigit(t[i+4]) && isDigit(t[i+5]) && !isDigit(t[i+6]):
		e = i + 6
	case isDigit(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]) && isDigit(t[i+4]) && !isDigit(t[i+5]):
		e = i + 5
	default:
		return -1
	}
	if e+1 >= len(t) || t[e] != ' ' {
		return -1
	}
	k := e + 1
	if t[k] == ' ' {
		k++
	}
	return s.town(k)
}

// postcode detects "114 55 Stockholm" (optionally "SE-" prefixed).
func (s *scanner) postcode(i int, gs []group) {
	if gs[0].len() != 3 && gs[0].len() != 5 {
		return
	}
	e := s.postcodeTown(i)
	if e < 0 {
		return
	}
	start := i
	if i >= 3 && s.text[i-3:i] == "SE-" && !s.isWordRuneBefore(i-3) {
		start = i - 3
	}
	s.add(Address, start, e, 0.9)
}

// street detects "Storgatan 12", "Drottninggatan 5B", "Norra Vallgatan 3,
// lgh 1101, 211 25 Malmö": a street name, a house number and optionally an
// apartment number, floor and postcode with town.
func (s *scanner) street(i int) {
	t := s.text
	if i < 4 || t[i-1] != ' ' || t[i] == '0' {
		return
	}
	// House number first: cheap, and rules out dates and amounts.
	j := i
	for j < len(t) && isDigit(t[j]) && j-i < 4 {
		j++
	}
	if j < len(t) && isDigit(t[j]) {
		return
	}
	switch {
	case j < len(t) && isAlpha(t[j]) && !s.isWordRuneAt(j+1):
		j++ // "5B"
	case !s.numEnd(j):
		return
	case j+1 < len(t) && t[j] == ' ' && t[j+1] >= 'A' && t[j+1] <= 'H' && !s.isWordRuneAt(j+2):
		j += 2 // "12 B"
	}
	// Street names end in a few letters; check the last one before
	// decoding the word.
	switch foldByte(t[i-3], t[i-2]) {
	case 'n', 'a', 'g', 'd', 't', 'j', 'e', 'i', 'u', 'x', 0xA9:
	default:
		return
	}
	ws := s.wordBefore(i - 1)
	w := t[ws : i-1]
	if len(w) < 3 {
		return
	}
	qs := -1
	if ws >= 2 && t[ws-1] == ' ' {
		q := s.wordBefore(ws - 1)
		for _, x := range streetQualifiers {
			if equalFold(t[q:ws-1], x) {
				qs = q
				break
			}
		}
	}
	ok := equalFold(w, "box") && isUpper(w[0]) // "Box 123, 101 23 Stockholm"
	for _, suf := range streetSuffixes {
		if !hasSuffixFold(w, suf) {
			continue
		}
		if len(w) >= len(suf)+2 { // "Storgatan"
			ok = true
			break
		}
		// The suffix as a word of its own: "Stora Torget", "Karl
		// Johans väg" — only after capitalised words.
		if qs < 0 {
			qs = s.capitalisedWordsBefore(ws)
		}
		ok = qs >= 0
		break
	}
	if !ok {
		return
	}
	conf := 0.9
	if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
		conf = 0.8
	}
	if qs >= 0 {
		ws = qs
	}
	end := j
	// ", lgh 1101" / " lgh 1101"
	if k := s.afterSep(end); k > 0 {
		for _, l := range [...]string{"lgh. ", "lgh ", "lägenhet "} {
			if k+len(l)+4 <= len(t) && equalFold(t[k:k+len(l)], l) {
				n := k + len(l)
				if isDigit(t[n]) && isDigit(t[n+1]) && isDigit(t[n+2]) && isDigit(t[n+3]) && s.numEnd(n+4) {
					end = n + 4
				}
				break
			}
		}
	}
	// ", 3 tr"
	if k := s.afterSep(end); k > 0 && k+4 <= len(t) && isDigit(t[k]) && t[k+1] == ' ' && t[k+2] == 't' && t[k+3] == 'r' && !s.isWordRuneAt(k+4) {
		end = k + 4
		if end < len(t) && t[end] == '.' {
			end++
		}
	}
	if k := s.afterSep(end); k > 0 && k < len(t) && isDigit(t[k]) {
		if e := s.postcodeTown(k); e > 0 {
			end = e
		}
	}
	s.add(Address, ws, end, conf)
}

// capitalisedWordsBefore returns the start of up to three capitalised words
// directly before ws, separated by single spaces, or -1 if there is none.
func (s *scanner) capitalisedWordsBefore(ws int) int {
	t := s.text
	start := -1
	for range 3 {
		if ws < 2 || t[ws-1] != ' ' {
			break
		}
		p := s.wordBefore(ws - 1)
		if p == ws-1 {
			break
		}
		r, _ := utf8.DecodeRuneInString(t[p:])
		if !unicode.IsUpper(r) {
			break
		}
		start, ws = p, p
	}
	return start
}

// afterSep returns the index after ", " or " " at k, or -1. The index may
// equal len(s.text).
func (s *scanner) afterSep(k int) int {
	t := s.text
	if k+1 < len(t) && t[k] == ',' && t[k+1] == ' ' {
		return k + 2
	}
	if k < len(t) && t[k] == ' ' {
		return k + 1
	}
	return -1
}
