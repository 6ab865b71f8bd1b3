package pii

// Nordic identity numbers and Swedish giro numbers.

// daysIn returns the days in month m of year y; y < 0 means the century is
// unknown, so 29 February is allowed when the two-digit year could be leap.
func daysIn(y, m int) int {
	switch m {
	case 1, 3, 5, 7, 8, 10, 12:
		return 31
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y < 0 {
			if (-y-1)%4 == 0 {
				return 29
			}
			return 28
		}
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 0
}

// twoDigits returns 10*d[k]+d[k+1].
func twoDigits(d []byte, k int) int { return int(d[k])*10 + int(d[k+1]) }

// Labels that say the number next to them is a personal identity number or
// a phone number; used to break ties between look-alikes.
var (
	idLabels = []string{"personnummer", "personnr", "pnr", "samordningsnummer", "samordningsnr", "född", "personal identity", "ssn", "id-nummer", "personal number"}
	// refLabels introduce reference numbers (invoice, order, OCR) that
	// may pass a Luhn check by chance.
	refLabels = []string{"ocr", "referens", "reference", "faktura", "invoice", "order", "ärende", "case",
		"kundnummer", "kundnr", "avtal", "spårning", "tracking", "kvitto", "receipt", "ticket", "biljett",
		"medlemsnummer", "medlemsnr", "member"}
	orgLabels   = []string{"org", "organisationsnummer", "registration", "company", "företag", "bolag", "vat", "momsreg"}
	phoneLabels = []string{"tel", "ring", "mobil", "mob", "sms", "phone", "call", "växel", "fax", "nå mig", "nås på", "numret", "nummer är", "number is", "contact me"}
)

// swedishID detects personnummer, samordningsnummer and organisationsnummer
// in the forms YYMMDD-NNNN, YYMMDD+NNNN, YYMMDD NNNN, YYMMDDNNNN,
// YYYYMMDDNNNN and YYYYMMDD-NNNN (organisationsnummer also 16NNNNNNNNNN).
func (s *scanner) swedishID(i int, gs []group) {
	g0 := gs[0]
	var end int
	var sep byte
	switch {
	case g0.len() == 12 || g0.len() == 10:
		end = g0.end
	case len(gs) >= 2 && (g0.len() == 8 || g0.len() == 6) && gs[1].len() == 4:
		end, sep = gs[1].end, gs[1].sep
	default:
		return
	}
	if !s.numEnd(end) {
		return
	}
	var db [12]byte
	d := digitsOf(s.text, i, end, db[:])
	century := -1
	if len(d) == 12 {
		century = twoDigits(d, 0)
		d = d[2:]
	}
	if !luhn(d) {
		return
	}
	yy, mm, dd := twoDigits(d, 0), twoDigits(d, 2), twoDigits(d, 4)
	if mm >= 1 && mm <= 12 {
		if d[6] == 0 && d[7] == 0 && d[8] == 0 {
			return // birth number 000 is never issued
		}
		if century != 18 && century != 19 && century != 20 && century != -1 {
			return
		}
		y := -(yy + 1)
		if century > 0 {
			y = century*100 + yy
		}
		dim := daysIn(y, mm)
		kind := Personnummer
		switch {
		case dd >= 1 && dd <= dim:
		case dd >= 61 && dd <= 60+dim:
			kind = Samordningsnummer
		default:
			return
		}
		conf := 0.98
		switch {
		case s.labelBefore(i, 32, idLabels...):
			conf = 0.99
		case sep == 0 && century < 0:
			// Ten bare digits: could be a phone number (07…) or an
			// invoice number; lower unless labelled.
			if s.labelBefore(i, 24, refLabels...) {
				return
			}
			conf = 0.9
			if d[0] == 0 && d[1] == 7 && d[2] == 0 {
				conf = 0.8 // 070… is far more often a mobile number
			}
			if s.labelBefore(i, 24, phoneLabels...) {
				conf = 0.8
			}
		case sep == ' ':
			conf = 0.95
		}
		s.add(kind, i, end, conf)
		return
	}
	// Organisationsnummer: month part ≥ 20, first digit the legal-form
	// group (never 0 or 4).
	if d[2] >= 2 && d[0] != 0 && d[0] != 4 && (century == -1 || century == 16) && sep != '+' {
		// Ten bare Luhn-valid digits are common (receipts, members);
		// without an organisation label they are not worth reporting.
		if sep == 0 && !s.labelBefore(i, 40, orgLabels...) {
			return
		}
		conf := 0.95
		if sep == 0 && century < 0 {
			conf = 0.85
		}
		s.add(Orgnummer, i, end, conf)
	}
}

// nordicID detects Norwegian fødselsnummer (DDMMYYNNNNN, two mod-11 check
// digits), Finnish HETU (DDMMYY[+-A…]NNNC, mod-31 check character) and
// Danish CPR (DDMMYY-NNNN) when labelled "CPR", since modern CPR numbers
// carry no checksum.
func (s *scanner) nordicID(i int, gs []group) {
	t := s.text
	g0 := gs[0]
	var db [12]byte
	// Fødselsnummer.
	if end := 0; g0.len() == 11 || (len(gs) >= 2 && g0.len() == 6 && gs[1].len() == 5 && gs[1].sep == ' ') {
		end = g0.end
		if g0.len() == 6 {
			end = gs[1].end
		}
		d := digitsOf(t, i, end, db[:])
		if s.numEnd(end) && fodselsnummerOK(d) {
			s.add(Fodselsnummer, i, end, 0.95)
		}
	}
	if g0.len() != 6 {
		return
	}
	// HETU.
	if e := i + 11; e <= len(t) && containsByte("+-ABCDEFYXWVU", t[i+6]) &&
		isDigit(t[i+7]) && isDigit(t[i+8]) && isDigit(t[i+9]) && s.numEnd(e) {
		d := digitsOf(t, i, i+10, db[:])
		if hetuOK(d, t[i+10]) {
			s.add(HETU, i, e, 0.95)
		}
	}
	// CPR.
	if len(gs) >= 2 && gs[1].len() == 4 && gs[1].sep == '-' && s.numEnd(gs[1].end) && s.labelBefore(i, 20, "cpr") {
		d := digitsOf(t, i, gs[1].end, db[:])
		dd, mm := twoDigits(d, 0), twoDigits(d, 2)
		if mm >= 1 && mm <= 12 && dd >= 1 && dd <= daysIn(-(twoDigits(d, 4)+1), mm) {
			s.add(CPR, i, gs[1].end, 0.99)
		}
	}
}

func fodselsnummerOK(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	dd, mm := twoDigits(d, 0), twoDigits(d, 2)
	if dd > 40 {
		dd -= 40 // D-nummer
	}
	switch {
	case mm > 80:
		mm -= 80 // synthetic test numbers (Skatteetaten/Tenor)
	case mm > 40:
		mm -= 40 // H-nummer
	}
	if mm < 1 || mm > 12 || dd < 1 || dd > daysIn(-(twoDigits(d, 4)+1), mm) {
		return false
	}
	w1 := [...]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	w2 := [...]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	check := func(w []int) int {
		sum := 0
		for k, x := range w {
			sum += x * int(d[k])
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		return c
	}
	k1 := check(w1[:])
	if k1 == 10 || k1 != int(d[9]) {
		return false
	}
	k2 := check(w2[:])
	return k2 != 10 && k2 == int(d[10])
}

const hetuChecks = "0123456789ABCDEFHJKLMNPRSTUVWXY"

func hetuOK(d []byte, check byte) bool {
	if len(d) != 9 {
		return false
	}
	dd, mm := twoDigits(d, 0), twoDigits(d, 2)
	if mm < 1 || mm > 12 || dd < 1 || dd > daysIn(-(twoDigits(d, 4)+1), mm) {
		return false
	}
	n := 0
	for _, x := range d {
		n = n*10 + int(x)
	}
	return hetuChecks[n%31] == check
}

// giro detects bankgiro (NNN-NNNN, NNNN-NNNN) and plusgiro (up to eight
// digits, check digit after a dash) numbers, only right after their label.
func (s *scanner) giro(i int) {
	bg := s.giroLabel(i, "bankgiro", "bg")
	pg := !bg && s.giroLabel(i, "plusgiro", "postgiro", "pg")
	if !bg && !pg {
		return
	}
	var gb [5]group
	gs := s.groups(i, " -", gb[:])
	var db [12]byte
	if bg {
		var end int
		switch {
		case len(gs) >= 2 && (gs[0].len() == 3 || gs[0].len() == 4) && gs[1].len() == 4 && gs[1].sep == '-':
			end = gs[1].end
		case gs[0].len() == 7 || gs[0].len() == 8:
			end = gs[0].end
		default:
			return
		}
		if s.numEnd(end) && luhn(digitsOf(s.text, i, end, db[:])) {
			s.add(Bankgiro, i, end, 0.97)
		}
		return
	}
	// Plusgiro: "4 78 09-6", "90 20 01-9", "1234567-8", "4780969".
	end := -1
	total := 0
	for k, g := range gs {
		total += g.len()
		if total > 8 {
			break
		}
		if (k == 0 && g.len() >= 2) || (k > 0 && g.sep == '-' && g.len() == 1) {
			end = g.end
		}
		if k > 0 && g.sep == '-' {
			break
		}
	}
	if end > 0 && s.numEnd(end) {
		d := digitsOf(s.text, i, end, db[:])
		if len(d) >= 2 && luhn(d) {
			s.add(Plusgiro, i, end, 0.97)
		}
	}
}

// giroLabel reports whether one of labels ends just before i, allowing
// "nummer"/"nr"/"konto" and punctuation in between ("Bankgironr: ").
func (s *scanner) giroLabel(i int, labels ...string) bool {
	t := s.text
	lo := max(0, i-24)
	// Every label holds a 'g'; most numbers have none nearby.
	hasG := false
	for k := lo; k < i; k++ {
		if t[k]|0x20 == 'g' {
			hasG = true
			break
		}
	}
	if !hasG {
		return false
	}
	for _, l := range labels {
		k := indexFold(t[lo:i], l, lo, s)
		if k < 0 {
			continue
		}
		gap := t[lo+k+len(l) : i]
		gap = trimFoldPrefix(gap, "-")
		for _, w := range [...]string{"nummer", "numret", "nr", "number", "no", "kontot", "konto", "ts", "t"} {
			if g := trimFoldPrefix(gap, w); len(g) < len(gap) {
				gap = g
				break
			}
		}
		ok := true
		for k := 0; k < len(gap); k++ {
			if !containsByte(" :.#-\t", gap[k]) {
				ok = false
				break
			}
		}
		if ok && len(gap) <= 4 {
			return true
		}
	}
	return false
}

func trimFoldPrefix(s, p string) string {
	if len(s) < len(p) {
		return s
	}
	for k := 0; k < len(p); k++ {
		if lower(s[k]) != p[k] {
			return s
		}
	}
	return s[len(p):]
}
