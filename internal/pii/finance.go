package pii

// ibanLength returns the total IBAN length for a country code (SWIFT IBAN
// registry), or 0 for a country without IBAN.
func ibanLength(cc string) int {
	switch cc {
	case "NO":
		return 15
	case "BE":
		return 16
	case "DK", "FI", "FO", "GL", "NL":
		return 18
	case "MK", "SI":
		return 19
	case "AT", "BA", "EE", "KZ", "LT", "LU", "XK":
		return 20
	case "CH", "HR", "LI", "LV":
		return 21
	case "BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA":
		return 22
	case "AE", "GI", "IL", "IQ", "TL":
		return 23
	case "AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG":
		return 24
	case "PT", "ST":
		return 25
	case "IS", "TR":
		return 26
	case "FR", "GR", "IT", "MC", "MR", "SM":
		return 27
	case "AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "PL", "SV":
		return 28
	case "BR", "EG", "PS", "QA", "UA":
		return 29
	case "JO", "KW", "MU":
		return 30
	case "MT", "SC":
		return 31
	case "LC":
		return 32
	}
	return 0
}

// iban detects an IBAN starting at i, written compactly or in groups
// separated by single spaces, in either letter case, with the country's length and a valid mod-97
// check.
func (s *scanner) iban(i int) {
	t := s.text
	cc := [2]byte{t[i] &^ 0x20, t[i+1] &^ 0x20} // upper-case ASCII letters
	want := ibanLength(string(cc[:]))
	if want == 0 {
		return
	}
	var buf [34]byte
	n := 0
	e := i
	for e < len(t) && n < want {
		c := t[e]
		switch {
		case isDigit(c) || isAlpha(c):
			if isLower(c) {
				c -= 'a' - 'A'
			}
			buf[n] = c
			n++
			e++
		case c == ' ' && n >= 4 && e+1 < len(t) && isAlnum(t[e+1]):
			e++
		default:
			e = len(t) + 1
		}
	}
	if n != want || e > len(t) || !s.numEnd(e) {
		return
	}
	// Mod 97 of BBAN + country + check digits, letters as 10..35.
	r := 0
	for k := 0; k < n; k++ {
		c := buf[(k+4)%n]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	if r == 1 {
		s.add(IBAN, i, e, 0.99)
	}
}

// cardLengthOK reports whether a card with this number and length is
// plausible for its issuer identification number (IIN) prefix.
func cardLengthOK(d []byte) bool {
	n := len(d)
	p2 := twoDigits(d, 0)
	p4 := p2*100 + twoDigits(d, 2)
	switch {
	case d[0] == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p2 == 36 || p2 == 38 || p2 == 39 || (p2 == 30 && d[2] <= 5): // Diners
		return n >= 14 && n <= 16
	case p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499): // Discover
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	case p2 == 50 || (p2 >= 56 && p2 <= 69): // Maestro
		return n >= 13 && n <= 19
	}
	return false
}

// card detects payment card numbers: 13–19 digits written compactly or in
// the usual groups (4-4-4-4, 4-6-5, …), with a known IIN prefix, a length
// that fits it, and a valid Luhn check digit. A preceding "OCR" label (Swedish
// payment reference, also Luhn) suppresses it.
func (s *scanner) card(i int, gs []group) {
	if gs[0].len() < 4 {
		return
	}
	var db [24]byte
	// Lengths tried in order of how common they are.
	best := -1
	total := 0
	for k, g := range gs {
		if k > 0 && g.sep == '+' {
			break
		}
		if k > 0 && (g.sep != gs[1].sep || g.len() > 6) {
			break
		}
		if k > 0 && gs[0].len() != 4 {
			break
		}
		total += g.len()
		if total > 19 {
			break
		}
		if total < 13 || !s.numEnd(g.end) {
			continue
		}
		d := digitsOf(s.text, i, g.end, db[:])
		if luhn(d) && cardLengthOK(d) && (best < 0 || cardPref(total) < cardPref(len(digitsOf(s.text, i, gs[best].end, db[:])))) {
			best = k
		}
	}
	if best < 0 {
		return
	}
	if s.labelBefore(i, 20, refLabels...) || s.afterDigitGroup(i) {
		return
	}
	conf := 0.95
	if best > 0 {
		conf = 0.97
	}
	s.add(Card, i, gs[best].end, conf)
}

func cardPref(n int) int {
	switch n {
	case 16:
		return 0
	case 15:
		return 1
	case 19:
		return 2
	case 14:
		return 3
	case 13:
		return 4
	}
	return 5
}
