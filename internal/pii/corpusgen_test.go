package pii

// Deterministic generator of testdata/corpus.jsonl, a labelled corpus of
// customer-service messages. Regenerate with
//
//	go test ./internal/pii -run TestCorpus -update
//
// Templates are written the way people write to a municipality's or a
// company's customer service; slots are filled with synthetic entities
// (identity numbers only with birth numbers 980–999) and with look-alikes
// that must not be reported.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus.jsonl")

const corpusPath = "testdata/corpus.jsonl"

type corpusEntity struct {
	Kind  Kind `json:"kind"`
	Start int  `json:"start"`
	End   int  `json:"end"`
}

type corpusLine struct {
	Text     string         `json:"text"`
	Entities []corpusEntity `json:"entities"`
}

type corpusGen struct {
	r *rand.Rand
}

func (g *corpusGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *corpusGen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

var (
	firstNames = []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Mikael", "Elin", "Björn",
		"Åsa", "Örjan", "Ingrid", "Mohammed", "Fatima", "Ali", "Linnea", "Oskar", "Märta", "Göran", "Emma", "Noah",
		"Sven", "Kerstin", "Per", "Ebba", "Hugo", "Leila", "Jonas", "Ylva"}
	lastNames = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
		"Persson", "Svensson", "Gustafsson", "Pettersson", "Lindström", "Öberg", "Åkesson", "Hussein", "Berg",
		"Lundqvist", "Sjöberg", "Ek", "Nyström"}
	domains = []string{"gmail.com", "hotmail.com", "hotmail.se", "outlook.com", "telia.com", "live.se",
		"yahoo.se", "icloud.com", "bredband.net", "comhem.se", "exempel.se", "foretaget.se", "kommun.se"}
	streets = []string{"Storgatan", "Drottninggatan", "Kungsgatan", "Sveavägen", "Kungsvägen", "Vasagatan",
		"Götgatan", "Linnégatan", "Hornsgatan", "Järnvägsgatan", "Skolgatan", "Kyrkogatan", "Björkvägen",
		"Ekvägen", "Södra Förstadsgatan", "Norra Vallgatan", "Östra Hamngatan", "Stortorget", "Kvarnbacken",
		"Lärkstigen", "Tallstigen", "Sjögränd", "Parkallén", "Hamnkajen", "Åsgränd", "Björnstigen",
		"Idrottsvägen", "Lilla Nygatan", "Stora Torget", "Rosenlundsgatan"}
	towns = []struct{ code, name string }{{"114 55", "Stockholm"}, {"211 25", "Malmö"}, {"411 05", "Göteborg"},
		{"753 20", "Uppsala"}, {"903 26", "Umeå"}, {"582 24", "Linköping"}, {"702 10", "Örebro"},
		{"722 15", "Västerås"}, {"352 30", "Växjö"}, {"831 30", "Östersund"}, {"972 32", "Luleå"},
		{"451 50", "Uddevalla"}, {"194 30", "Upplands Väsby"}, {"852 33", "Sundsvall"}, {"621 57", "Visby"}}
)

// Entity generators. Each returns the text as a person would type it.

func (g *corpusGen) pnr(con bool) string {
	n := genPersonnummer(g.r, con)
	switch x := g.r.IntN(20); {
	case x < 8:
		return n[2:8] + "-" + n[8:]
	case x < 12:
		return n[:8] + "-" + n[8:]
	case x < 15:
		return n
	case x < 18:
		return n[2:]
	default:
		return n[2:8] + " " + n[8:]
	}
}

func (g *corpusGen) orgnr() string {
	// Real prefixes: 556/559 aktiebolag, 212 kommuner, 802 ideella
	// föreningar, 969 handelsbolag, 716 ekonomiska föreningar.
	base := g.pick("556", "556", "559", "212", "802", "969", "716")
	base += g.digits(9 - len(base))
	n := base + fmt.Sprint(luhnDigit(base))
	if g.r.IntN(4) == 0 {
		return n
	}
	return n[:6] + "-" + n[6:]
}

func (g *corpusGen) mobile() string {
	p := g.pick("070", "072", "073", "076", "079")
	sub := string(rune('1'+g.r.IntN(9))) + g.digits(2)
	b, c := g.digits(2), g.digits(2)
	switch g.r.IntN(8) {
	case 0, 1:
		return p + "-" + sub + " " + b + " " + c
	case 2:
		return p + " " + sub + " " + b + " " + c
	case 3:
		return p + sub + b + c
	case 4:
		return p + "-" + sub + b + c
	case 5:
		return "+46 " + p[1:] + " " + sub + " " + b + " " + c
	case 6:
		return g.pick("+46"+p[1:]+sub+b+c, "+46 (0)"+p[1:]+"-"+sub+" "+b+" "+c)
	default:
		return "0046 " + p[1:] + " " + sub + " " + b + " " + c
	}
}

func (g *corpusGen) landline() string {
	sub := func(n int) string { return string(rune('1'+g.r.IntN(9))) + g.digits(n-1) }
	switch g.r.IntN(8) {
	case 0:
		s := sub(8)
		return "08-" + s[:3] + " " + s[3:6] + " " + s[6:]
	case 1:
		s := sub(7)
		return "08-" + s[:3] + " " + s[3:5] + " " + s[5:]
	case 2:
		s := sub(6)
		return g.pick("031", "040", "018", "090", "013") + "-" + s[:2] + " " + s[2:4] + " " + s[4:]
	case 3:
		s := sub(5)
		return g.pick("0451", "0522", "0611", "0920", "0498") + "-" + s[:3] + " " + s[3:]
	case 4:
		s := sub(7)
		return "(08) " + s[:3] + " " + s[3:5] + " " + s[5:]
	case 5:
		s := sub(8)
		return "+46 8 " + s[:3] + " " + s[3:6] + " " + s[6:]
	case 6:
		s := sub(6)
		return "0771-" + s[:3] + " " + s[3:]
	default:
		s := sub(7)
		return g.pick("031", "040") + "-" + s[:3] + " " + s[3:5] + " " + s[5:]
	}
}

func (g *corpusGen) intlPhone() string {
	switch g.r.IntN(6) {
	case 0:
		return "+47 " + g.pick("4", "9") + g.digits(2) + " " + g.digits(2) + " " + g.digits(3)
	case 1:
		return "+45 " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2) + " " + g.digits(2)
	case 2:
		return "+358 40 " + g.digits(3) + " " + g.digits(4)
	case 3:
		return "+44 20 " + g.digits(4) + " " + g.digits(4)
	case 4:
		return "+49 30 " + g.digits(8)
	default:
		return "+1 415 555 " + g.digits(4)
	}
}

func ascii(s string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "A", "Ä", "A", "Ö", "O", "é", "e")
	return strings.ToLower(r.Replace(s))
}

func (g *corpusGen) email() string {
	f, l := ascii(g.pick(firstNames...)), ascii(g.pick(lastNames...))
	local := g.pick(f+"."+l, f+l, f[:1]+l, f+"_"+l, f+"."+l+g.digits(2), l+"."+f, f+g.digits(4), f+"+kundtjanst")
	return local + "@" + g.pick(domains...)
}

func (g *corpusGen) ipv4() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	default:
		return fmt.Sprintf("%d.%d.%d.%d", 31+g.r.IntN(180), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	}
}

func (g *corpusGen) ipv6() string {
	h := func() string { return fmt.Sprintf("%x", g.r.IntN(65536)) }
	switch g.r.IntN(4) {
	case 0:
		return "2001:db8::" + h()
	case 1:
		return "fe80::" + h() + ":" + h() + ":" + h() + ":" + h()
	case 2:
		return "2a02:" + h() + ":" + h() + ":" + h() + ":" + h() + ":" + h() + ":" + h() + ":" + h()
	default:
		return "2001:db8:" + h() + "::" + h()
	}
}

func ibanCheck(cc, bban string) string {
	s := bban + cc + "00"
	r := 0
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A') + 10) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return fmt.Sprintf("%02d", 98-r)
}

func groupBy4(s string) string {
	var b strings.Builder
	for k := 0; k < len(s); k += 4 {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[k:min(k+4, len(s))])
	}
	return b.String()
}

func (g *corpusGen) iban(valid bool) string {
	cc := g.pick("SE", "SE", "SE", "NO", "DK", "FI", "DE", "GB")
	var bban string
	switch cc {
	case "SE":
		bban = g.pick("500", "800", "300", "600") + g.digits(17)
	case "NO":
		bban = g.digits(11)
	case "DK", "FI":
		bban = g.digits(14)
	case "DE":
		bban = g.digits(18)
	case "GB":
		bban = g.pick("NWBK", "BARC", "MIDL") + g.digits(14)
	}
	ck := ibanCheck(cc, bban)
	if !valid {
		ck = fmt.Sprintf("%02d", (int(ck[0]-'0')*10+int(ck[1]-'0')+1+g.r.IntN(90))%97+2)
		if ck == ibanCheck(cc, bban) {
			ck = "01"
		}
	}
	s := cc + ck + bban
	if g.r.IntN(3) == 0 {
		return s
	}
	return groupBy4(s)
}

func (g *corpusGen) card(valid bool) string {
	var base string
	switch g.r.IntN(4) {
	case 0, 1:
		base = "4" + g.digits(14)
	case 2:
		base = g.pick("51", "52", "53", "54", "55") + g.digits(13)
	default:
		base = g.pick("34", "37") + g.digits(12)
	}
	c := luhnDigit(base)
	if !valid {
		c = (c + 1 + g.r.IntN(9)) % 10
	}
	n := base + fmt.Sprint(c)
	if len(n) == 15 {
		if g.r.IntN(2) == 0 {
			return n
		}
		return n[:4] + " " + n[4:10] + " " + n[10:]
	}
	switch g.r.IntN(4) {
	case 0:
		return n
	case 1:
		return strings.ReplaceAll(groupBy4(n), " ", "-")
	default:
		return groupBy4(n)
	}
}

func (g *corpusGen) bankgiro() string {
	base := string(rune('1'+g.r.IntN(9))) + g.digits(5+g.r.IntN(2))
	n := base + fmt.Sprint(luhnDigit(base))
	return n[:len(n)-4] + "-" + n[len(n)-4:]
}

func (g *corpusGen) plusgiro() string {
	base := string(rune('1'+g.r.IntN(9))) + g.digits(4+g.r.IntN(3))
	c := fmt.Sprint(luhnDigit(base))
	if g.r.IntN(2) == 0 {
		// "90 20 01-7" style: pairs from the right.
		var parts []string
		for k := len(base); k > 0; k -= 2 {
			parts = append([]string{base[max(0, k-2):k]}, parts...)
		}
		return strings.Join(parts, " ") + "-" + c
	}
	return base + "-" + c
}

func (g *corpusGen) street() string {
	n := fmt.Sprint(1 + g.r.IntN(120))
	s := g.pick(streets...) + " " + n
	switch g.r.IntN(6) {
	case 0:
		s += g.pick("A", "B", "C")
	case 1:
		s += " lgh " + fmt.Sprint(1001+g.r.IntN(400))
	case 2:
		s += ", lgh " + fmt.Sprint(1001+g.r.IntN(400))
	}
	return s
}

func (g *corpusGen) postort() string {
	t := towns[g.r.IntN(len(towns))]
	if strings.Contains(t.name, " ") {
		t = towns[0]
	}
	return t.code + " " + t.name
}

// fnr returns a synthetic Norwegian fødselsnummer: month + 80 marks test
// numbers that are never issued to people.
func (g *corpusGen) fnr() string {
	for {
		base := fmt.Sprintf("%02d%02d%02d%03d", 1+g.r.IntN(28), 81+g.r.IntN(12), g.r.IntN(100), g.r.IntN(1000))
		d := make([]byte, 0, 11)
		for _, c := range base {
			d = append(d, byte(c-'0'))
		}
		for _, w := range [][]int{{3, 7, 6, 1, 8, 9, 4, 5, 2}, {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}} {
			sum := 0
			for k, x := range w {
				sum += x * int(d[k])
			}
			d = append(d, byte((11-sum%11)%11))
		}
		if d[9] < 10 && d[10] < 10 {
			var b strings.Builder
			for _, x := range d {
				b.WriteByte('0' + x)
			}
			return b.String()
		}
	}
}

// hetu returns a synthetic Finnish HETU with individual number 900–999,
// the range reserved for test identities.
func (g *corpusGen) hetu() string {
	y := g.r.IntN(100)
	sign := g.pick("-", "A")
	base := fmt.Sprintf("%02d%02d%02d", 1+g.r.IntN(28), 1+g.r.IntN(12), y)
	ind := fmt.Sprint(900 + g.r.IntN(100))
	n := 0
	for _, c := range base + ind {
		n = n*10 + int(c-'0')
	}
	return base + sign + ind + string(hetuChecks[n%31])
}

// Look-alikes: none of these may be reported.

func (g *corpusGen) date() string {
	y, m, d := 2019+g.r.IntN(7), 1+g.r.IntN(12), 1+g.r.IntN(28)
	switch g.r.IntN(7) {
	case 0:
		return fmt.Sprintf("%d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%d/%d %d", d, m, y)
	case 2:
		return fmt.Sprintf("%02d.%02d.%d", d, m, y)
	case 3:
		return fmt.Sprintf("%d-%02d-%02d %02d:%02d", y, m, d, 7+g.r.IntN(12), g.r.IntN(60))
	case 4:
		return fmt.Sprintf("den %d %s", d, g.pick("januari", "mars", "maj", "augusti", "november"))
	case 5:
		return fmt.Sprintf("%d/%d/%d", m, d, y)
	default:
		return fmt.Sprintf("%d%02d%02d", y, m, d)
	}
}

func (g *corpusGen) clock() string {
	return g.pick(fmt.Sprintf("%02d:%02d", 7+g.r.IntN(12), 5*g.r.IntN(12)), "08.30–17.00", "kl. 9", "12:00-13:00",
		fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60)), "10–15")
}

func (g *corpusGen) amount() string {
	return g.pick(
		fmt.Sprintf("%d %03d kr", 1+g.r.IntN(20), g.r.IntN(1000)),
		fmt.Sprintf("%d %03d,%02d SEK", 1+g.r.IntN(99), g.r.IntN(1000), g.r.IntN(100)),
		fmt.Sprintf("%d:-", 49+g.r.IntN(2000)),
		fmt.Sprintf("€%d,%02d", 5+g.r.IntN(200), g.r.IntN(100)),
		fmt.Sprintf("$%d,%03d.00", 1+g.r.IntN(9), g.r.IntN(1000)),
		fmt.Sprintf("%d kronor", 100+g.r.IntN(5000)),
		fmt.Sprintf("%d %03d %03d kr", 1+g.r.IntN(9), g.r.IntN(1000), g.r.IntN(1000)),
	)
}

func (g *corpusGen) caseNo() string {
	return g.pick(
		fmt.Sprintf("Ärendenummer %d-%05d", 2020+g.r.IntN(6), g.r.IntN(100000)),
		fmt.Sprintf("order #%d", 100000+g.r.IntN(900000)),
		fmt.Sprintf("ordernummer %d", 10000000+g.r.IntN(90000000)),
		fmt.Sprintf("ärende #%d-%d", 2020+g.r.IntN(6), 1000+g.r.IntN(9000)),
		fmt.Sprintf("fakturanummer %d", 2024000000+g.r.IntN(999999)),
		fmt.Sprintf("case %d", 1000000+g.r.IntN(9000000)),
		fmt.Sprintf("Dnr KS %d/%d", 2020+g.r.IntN(6), 10+g.r.IntN(900)),
		fmt.Sprintf("OCR %s", func() string { b := g.digits(15); return b + fmt.Sprint(luhnDigit(b)) }()),
		fmt.Sprintf("kundnummer %d", 100000+g.r.IntN(900000)),
		fmt.Sprintf("spårningsnummer %s", "00"+g.digits(18)),
	)
}

func (g *corpusGen) version() string {
	return g.pick(
		fmt.Sprintf("v%d.%d.%d", 1+g.r.IntN(5), g.r.IntN(20), g.r.IntN(20)),
		fmt.Sprintf("version %d.%d.%d.%d", 1+g.r.IntN(5), g.r.IntN(20), g.r.IntN(20), g.r.IntN(300)),
		fmt.Sprintf("iOS %d.%d.%d", 15+g.r.IntN(4), g.r.IntN(8), g.r.IntN(5)),
		fmt.Sprintf("Android %d", 11+g.r.IntN(5)),
		fmt.Sprintf("appversion %d.%d", 3+g.r.IntN(5), g.r.IntN(30)),
	)
}

func (g *corpusGen) badPnr() string {
	n := genPersonnummer(g.r, false)
	c := (int(n[11]-'0') + 1 + g.r.IntN(9)) % 10
	n = n[:11] + fmt.Sprint(c)
	if g.r.IntN(2) == 0 {
		return n[2:8] + "-" + n[8:]
	}
	return n[:8] + "-" + n[8:]
}

func (g *corpusGen) postnr() string {
	t := towns[g.r.IntN(len(towns))]
	return g.pick("postnummer "+t.code, "postnr "+strings.ReplaceAll(t.code, " ", ""), "postnumret "+t.code)
}

func (g *corpusGen) badIP() string {
	return g.pick(fmt.Sprintf("%d.%d.%d.%d", 256+g.r.IntN(700), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256)), "1.2.3", "192.168.1")
}

// slot fills one placeholder: text and kind ("" for look-alikes).
func (g *corpusGen) slot(name string) (string, Kind) {
	switch name {
	case "pnr":
		return g.pnr(false), Personnummer
	case "samord":
		return g.pnr(true), Samordningsnummer
	case "org":
		return g.orgnr(), Orgnummer
	case "mobil":
		return g.mobile(), Phone
	case "tel":
		return g.landline(), Phone
	case "intl":
		return g.intlPhone(), Phone
	case "email":
		return g.email(), Email
	case "ip":
		return g.ipv4(), IPv4
	case "ip6":
		return g.ipv6(), IPv6
	case "iban":
		return g.iban(true), IBAN
	case "card":
		return g.card(true), Card
	case "bg":
		return g.bankgiro(), Bankgiro
	case "pg":
		return g.plusgiro(), Plusgiro
	case "gata":
		return g.street(), Address
	case "adress":
		return g.street() + g.pick(", ", " ") + g.postort(), Address
	case "postort":
		return g.postort(), Address
	case "fnr":
		return g.fnr(), Fodselsnummer
	case "hetu":
		return g.hetu(), HETU
	case "kn":
		return "KN-" + g.digits(6), Custom
	case "namn":
		return g.pick(firstNames...) + " " + g.pick(lastNames...), ""
	case "förnamn":
		return g.pick(firstNames...), ""
	case "datum":
		return g.date(), ""
	case "tid":
		return g.clock(), ""
	case "belopp":
		return g.amount(), ""
	case "ärende":
		return g.caseNo(), ""
	case "version":
		return g.version(), ""
	case "felpnr":
		return g.badPnr(), ""
	case "felkort":
		return g.card(false), ""
	case "feliban":
		return g.iban(false), ""
	case "postnr":
		return g.postnr(), ""
	case "felip":
		return g.badIP(), ""
	case "antal":
		return fmt.Sprintf("%d %s", 2+g.r.IntN(30), g.pick("st", "dagar", "veckor", "timmar", "personer")), ""
	}
	panic("unknown slot " + name)
}

// corpusTemplates are messages as people write them. {slot} is filled by
// corpusGen.slot.
var corpusTemplates = []string{
	// Forum questions (Swedish).
	"Hej! Jag har försökt logga in sedan {datum} men det går inte. Mitt personnummer är {pnr}. Kan någon hjälpa mig?",
	"Varför har jag fått en påminnelse på {belopp} när jag betalade {datum}? {ärende}",
	"Min dotter har samordningsnummer {samord} och hon kommer inte in i e-tjänsten, vad gör vi?",
	"Bor på {gata} och soptunnan har inte tömts sedan {datum}. Ring mig gärna på {mobil}",
	"Jag har flyttat till {adress}, kan ni uppdatera adressen? /{namn}",
	"Hej, vi har inte fått någon faktura för bygglovet ({ärende}). Vårt organisationsnummer är {org}.",
	"Appen kraschar efter uppdateringen till {version} på min telefon. Det hände {datum} kl {tid}.",
	"Betalade {belopp} till bankgiro {bg} men ser ingen bekräftelse. Mvh {namn}",
	"Någon som vet varför bibblan har stängt {datum}? Öppettider står {tid}.",
	"Hej! Kan ni skicka blanketten till {adress}? Tack på förhand!",
	"Jag hittade en plånbok utanför {gata} igår kväll, innehöll bl.a. ett kort med nummer {card}. Lämnat till polisen.",
	"Varför kostar parkeringen {belopp} nu? Förut var det {belopp}. Vänliga hälsningar {förnamn}",
	"Återbetalningen kan sättas in på {iban}, kontoinnehavare {namn}.",
	"Jag skrev fel personnummer förut ({felpnr}), rätt är {pnr}.",
	"Kontakta mig på {email} eller {mobil}, jag är hemma efter {tid}.",
	"Har fått ett sms från {mobil} som säger att jag ska betala {belopp}. Är det bluff?",
	"Postnumret stämmer inte, {postnr} finns inte enligt ert formulär!",
	"Se bifogad skärmdump, felet visades {datum} i {version}.",
	"Ni kan betala in avgiften på plusgiro {pg}, ange {ärende} som referens.",
	"Hej, jag ringde {tel} flera gånger {datum} men ingen svarade.",
	"Min mamma ({pnr}) bor på {adress} och behöver hemtjänst. Mitt nummer är {mobil}.",
	"Tack för snabbt svar! Allt löste sig efter {antal}.",
	"Jag vill begära ut all data ni har om mig. Namn: {namn}, personnummer: {pnr}, e-post: {email}",
	"Bytte mobilnummer från {mobil} till {mobil}, kan ni uppdatera?",
	"Inloggningen med BankID fungerar inte på {version}, testade igen {datum}.",
	"Vi på {namn} AB (org.nr {org}) vill boka lokalen {datum} för {antal}.",
	"Kortet som slutar på {felkort} nekades, men jag har pengar på kontot.",
	"Skicka fakturan till {email}, referens {kn}.",
	"Mitt kundnummer är {kn} och jag har frågor om fakturan på {belopp}.",
	"Hej! Jag har inte fått lönen insatt, kontonumret är {iban}. Vad gör jag?",
	"Vi ses vid {gata} kl {tid}, ring {tel} om du blir sen.",
	"Jag fick fel IBAN av er: {feliban}. Kan ni kontrollera?",
	"Skolskjutsen kommer aldrig {tid}, vi bor på {adress}. Mvh {förnamn}, {mobil}",
	"Leveransen skulle komma {datum} men {ärende} visar fortfarande 'på väg'.",
	"Samordningsnumret {samord} tillhör min kollega som precis börjat.",
	"Jag bor i {postort} och undrar om ni levererar hit.",
	// E-mails (Swedish).
	"Hej,\n\nJag heter {namn} och har personnummer {pnr}. Jag vill säga upp mitt abonnemang från och med {datum}.\n\nMed vänliga hälsningar\n{namn}\n{adress}\nTel: {tel}",
	"Hej!\nBifogar kvitto på {belopp} ({ärende}). Pengarna kan sättas in på bankgiro: {bg}\n/{förnamn}",
	"Hejsan,\nvi har problem med servern på {ip} sedan {datum} {tid}. Loggen visar anrop från {ip6}.\nHälsningar IT, {mobil}",
	"God morgon!\nMin adress är {adress}. Telefon {mobil}, e-post {email}.\nTack!",
	"Hej, jag har bytt bank. Nytt konto: {iban}. Gamla kontot ska inte användas efter {datum}.",
	"Hej, det gäller {ärende}. Kan ni ringa mig på {intl}? Jag är i Norge till {datum}.",
	"Svar på ert brev {datum}: jag har redan betalat {belopp}, se {ärende}.",
	// Chat lines (Swedish).
	"hej kan ni hjälpa mig",
	"mitt pnr e {pnr}",
	"ring {mobil}",
	"ok tack",
	"min mejl är {email}",
	"bor på {gata}",
	"betalat {belopp} igår",
	"jag har {version}",
	"de e {ärende}",
	"nej jag har inget kundnummer",
	"kl {tid} funkar",
	// Forum / e-mail (English).
	"Hi, I can't log in since {datum}. My personal identity number is {pnr}. Please help!",
	"Please call me back on {intl} or email {email}. Thanks, {namn}",
	"I was charged {belopp} twice, {ärende}. Card used: {card}.",
	"Our new office is at {adress}. Switchboard {tel}.",
	"We see repeated failed logins from {ip} and {ip6} between {tid} on {datum}.",
	"After updating to {version} the app shows an error. Tried {antal}.",
	"Refund to IBAN {iban} please, account holder {namn}.",
	"The invoice {ärende} of {belopp} should be paid to bankgiro {bg}.",
	"Hello, I moved to {gata} last month. My phone number is {mobil}.",
	"This is not a valid address: {felip}. Is the server down?",
	"My coordination number is {samord}, I'm new in Sweden.",
	"Our company registration number is {org}.",
	"Dear support, my card {felkort} was declined on {datum}.",
	"Hi! Customer number {kn}, phone {mobil}.",
	"The meeting is {datum} at {tid}, room 4.",
	"Thanks, problem solved after {antal}!",
	// Harder messages: several numbers close together, odd spacing, lists.
	"Tider: 10.00, 12.30 och 15.45. Pris {belopp}. Frågor? Ring {tel}.",
	"Beställde {antal} {datum}, {ärende}, totalt {belopp} inkl. moms.",
	"{mobil} heter jag inte, jag heter {förnamn} :) men ni kan ringa det numret",
	"Personnummer: {pnr}\nAdress: {adress}\nTelefon: {mobil}\nE-post: {email}",
	"Namn: {namn}\nPostnummer: {postnr}\nÄrende: {ärende}",
	"skriv till mig på <{email}> så svarar jag",
	"IP: {ip} (enligt routern), {version}",
	"Fick SMS från {intl} om ett paket, {ärende}. Är det ni?",
	"Vi flyttar {datum} från {gata} till {adress}.",
	"Kan ni betala tillbaka {belopp} till kortet {card}? Det drogs {datum} kl {tid}.",
	"Min son ({samord}) och jag ({pnr}) vill boka tid.",
	"Tel. {tel}, fax {tel}. Org.nr: {org}. Bankgiro {bg}.",
	"Hej! Har ni öppet {datum}? Vi är {antal}.",
	"Felkod 500 när jag skickar formuläret, webbläsare Chrome {version}.",
	"Jag har betalat in {belopp} på PG {pg} enligt avin, OCR-nummer {ärende}.",
	"Please delete all my data. Name: {namn}, phone: {mobil}, address: {adress}.",
	"My old address was {gata} and my postcode is {postnr}.",
	"Server {ip} answered with 503 at {tid}; retry later, ticket {ärende}.",
	"Customer {kn} wants a refund of {belopp} to {iban}.",
	"Sorry, wrong number: {felpnr} is not mine. It should be {pnr}.",
	"{förnamn} här. Min nya mejl: {email} (gamla slutade fungera {datum}).",
	"Ni har skrivit fel på mitt kort, sista siffrorna är {antal}, inte {felkort}.",
	// Nordic neighbours.
	"Hei! Jeg bor i Norge, fødselsnummer {fnr}. Kan jeg søke om parkeringstillstånd? Ring {intl}.",
	"Min man är finsk, hans henkilötunnus är {hetu}, och han har inget svenskt personnummer än.",
	"Norwegian customer here, national ID {fnr}, invoice {ärende}.",
	"Finnish ID {hetu}, phone {intl}, I moved to {adress} on {datum}.",
	"Bor på {gata} {förnamn}",
}

// renderCorpusLine fills one template.
func (g *corpusGen) line(tmpl string) corpusLine {
	var b strings.Builder
	var ents []corpusEntity
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}') + i
		b.WriteString(tmpl[:i])
		text, kind := g.slot(tmpl[i+1 : j])
		if kind != "" {
			ents = append(ents, corpusEntity{Kind: kind, Start: b.Len(), End: b.Len() + len(text)})
		}
		b.WriteString(text)
		tmpl = tmpl[j+1:]
	}
	return corpusLine{Text: b.String(), Entities: ents}
}

func generateCorpus(n int) []byte {
	g := &corpusGen{r: rand.New(rand.NewPCG(2026, 5))}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for k := range n {
		tmpl := corpusTemplates[k%len(corpusTemplates)]
		if k >= len(corpusTemplates) {
			tmpl = corpusTemplates[g.r.IntN(len(corpusTemplates))]
		}
		if err := enc.Encode(g.line(tmpl)); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

func TestCorpusUpToDate(t *testing.T) {
	want := generateCorpus(corpusSize)
	if *update {
		if err := os.WriteFile(corpusPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run go test ./internal/pii -run TestCorpus -update", corpusPath)
	}
}

const corpusSize = 1500
