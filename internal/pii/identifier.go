package pii

import (
	"errors"
	"strings"
	"time"
)

// The identifier index (internal/store/identifiers.go) keeps a keyed hash of
// each e-mail address, phone number and Swedish personal identity number
// found in stored text. The functions here give each identifier one
// normalised form, so that two spellings of one identifier hash alike, and
// the string that is hashed.

// Indexed kinds: the kinds of identifier the index holds. A samordningsnummer
// is indexed as a personnummer (both are 12 digits once normalised and never
// collide: the day of a samordningsnummer is 61–91).
const (
	IdentEmail        = "email"
	IdentPhone        = "phone"
	IdentPersonnummer = "personnummer"
)

// ErrNotIdentifier is returned by NormalizeIdentifier for a value that is
// not an identifier of the kind asked for.
var ErrNotIdentifier = errors.New("pii: not an identifier of that kind")

// Identifier is one normalised identifier found in a text.
type Identifier struct {
	Kind  string // IdentEmail, IdentPhone or IdentPersonnummer
	Value string // normalised: see NormalizeIdentifier
}

// NormalizeIdentifier returns the normalised form of an identifier of kind
// (IdentEmail, IdentPhone, IdentPersonnummer):
//   - e-mail: trimmed and lower-cased (as gallra.NormalizeEmail);
//   - phone: E.164, "+46701234567" (NormalizePhone);
//   - personnummer/samordningsnummer: 12 digits YYYYMMDDNNNN; a 10-digit
//     form gets the century that puts the birth date in the 100 years
//     before now ("+" as separator: 100 years or more before now).
//
// It returns ErrNotIdentifier (or ErrNotPhone) for anything else.
func NormalizeIdentifier(kind, s string, now time.Time) (string, error) {
	switch kind {
	case IdentEmail:
		e := strings.ToLower(strings.TrimSpace(s))
		at := strings.LastIndexByte(e, '@')
		if at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n") {
			return "", ErrNotIdentifier
		}
		return e, nil
	case IdentPhone:
		return NormalizePhone(s)
	case IdentPersonnummer:
		return NormalizePersonnummer(s, now)
	}
	return "", ErrNotIdentifier
}

// NormalizePersonnummer returns the 12-digit form (YYYYMMDDNNNN) of a
// Swedish personnummer or samordningsnummer written as YYMMDD-NNNN,
// YYMMDD+NNNN, YYMMDDNNNN, YYYYMMDDNNNN or YYYYMMDD-NNNN (spaces allowed
// around the separator). The check digit must be right.
func NormalizePersonnummer(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	var b [12]byte
	d := b[:0]
	plus := false
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case isDigit(c):
			if len(d) == len(b) {
				return "", ErrNotIdentifier
			}
			d = append(d, c-'0')
		case c == '+' && (len(d) == 6 || len(d) == 8):
			plus = true
		case c == '-' || c == ' ':
		default:
			return "", ErrNotIdentifier
		}
	}
	var century int
	switch len(d) {
	case 12:
		century = int(d[0])*10 + int(d[1])
		if century < 18 || century > 20 {
			return "", ErrNotIdentifier
		}
		d = d[2:]
	case 10:
		century = -1
	default:
		return "", ErrNotIdentifier
	}
	if !luhn(d) {
		return "", ErrNotIdentifier
	}
	yy, mm, dd := twoDigits(d, 0), twoDigits(d, 2), twoDigits(d, 4)
	if mm < 1 || mm > 12 {
		return "", ErrNotIdentifier
	}
	if century < 0 {
		now = now.UTC()
		y := now.Year()/100*100 + yy
		if y > now.Year() {
			y -= 100
		}
		if plus {
			y -= 100
		}
		century = y / 100
	}
	day := dd
	if day > 60 {
		day -= 60
	}
	if day < 1 || day > daysIn(century*100+yy, mm) {
		return "", ErrNotIdentifier
	}
	out := make([]byte, 12)
	out[0], out[1] = byte('0'+century/10), byte('0'+century%10)
	for k, v := range d {
		out[2+k] = '0' + v
	}
	return string(out), nil
}

// IdentifierKey returns the string the index hashes for a normalised
// identifier: the address itself for an e-mail (so the index answers the
// keyed hash a request already records for its e-mail address), "phone:"
// and the E.164 number, "personnummer:" and the 12 digits.
func IdentifierKey(kind, normalised string) string {
	if kind == IdentEmail {
		return normalised
	}
	return kind + ":" + normalised
}

// Identifiers returns the distinct normalised identifiers (e-mail, phone,
// personnummer) d finds in text, in order of appearance. now dates 10-digit
// personnummer (see NormalizePersonnummer).
func (d *Detector) Identifiers(text string, now time.Time) []Identifier {
	var out []Identifier
	for _, f := range d.detect(text) {
		var kind string
		switch f.Kind {
		case Email:
			kind = IdentEmail
		case Phone:
			kind = IdentPhone
		case Personnummer, Samordningsnummer:
			kind = IdentPersonnummer
		default:
			continue
		}
		v, err := NormalizeIdentifier(kind, f.Text, now)
		if err != nil {
			continue
		}
		id := Identifier{Kind: kind, Value: v}
		dup := false
		for _, o := range out {
			if o == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
