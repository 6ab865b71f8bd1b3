package pii

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// MustDefault returns a default detector.
func MustDefault(tb testing.TB) *Detector {
	tb.Helper()
	d, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// genPersonnummer returns a synthetic personnummer (or samordningsnummer
// when con is true) as 12 digits YYYYMMDDNNNC. The birth number NNN is
// always 980–999 so it never belongs to a real person.
func genPersonnummer(r *rand.Rand, con bool) string {
	y := 1930 + r.IntN(85)
	m := 1 + r.IntN(12)
	d := 1 + r.IntN(daysIn(y, m))
	if con {
		d += 60
	}
	birth := 980 + r.IntN(20)
	base := fmt.Sprintf("%02d%02d%02d%03d", y%100, m, d, birth)
	return fmt.Sprintf("%02d%s%d", y/100, base, luhnDigit(base))
}

// luhnDigit returns the check digit that makes digits+check pass Luhn.
func luhnDigit(digits string) int {
	for c := 0; c < 10; c++ {
		var b []byte
		for _, x := range digits + fmt.Sprint(c) {
			b = append(b, byte(x-'0'))
		}
		if luhn(b) {
			return c
		}
	}
	panic("unreachable")
}

type listEntry struct {
	LongFormat      string `json:"long_format"`
	ShortFormat     string `json:"short_format"`
	SeparatedFormat string `json:"separated_format"`
	SeparatedLong   string `json:"separated_long"`
	Valid           bool   `json:"valid"`
	Type            string `json:"type"`
	Integer         int64  `json:"integer"`
}

func readList(tb testing.TB, name string) []listEntry {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var l []listEntry
	if err := json.Unmarshal(b, &l); err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestPersonnummerList(t *testing.T) {
	d := MustDefault(t)
	for _, e := range readList(t, "list.json") {
		want := Personnummer
		if e.Type == "con" {
			want = Samordningsnummer
		}
		forms := map[string]string{"long_format": e.LongFormat, "short_format": e.ShortFormat,
			"separated_format": e.SeparatedFormat, "separated_long": e.SeparatedLong}
		if e.Integer != 0 {
			forms["integer"] = fmt.Sprint(e.Integer)
		}
		spaced := strings.Contains(e.SeparatedFormat, " ")
		for form, num := range forms {
			t.Run(form+"/"+num, func(t *testing.T) {
				text := "Mitt personnummer är " + num + ", tack."
				fs := d.Detect(text)
				found := len(fs) == 1 && fs[0].Kind == want && fs[0].Text == num
				switch {
				case e.Valid && !found:
					t.Errorf("valid %s not detected as %s: %+v", num, want, fs)
				case !e.Valid && !spaced && len(fs) > 0:
					t.Errorf("invalid %s detected: %+v", num, fs)
				case spaced && strings.Contains(num, " ") && !found:
					// The space-separated entry has a valid checksum; in
					// free text we detect it.
					t.Errorf("space-separated %s not detected: %+v", num, fs)
				}
			})
		}
	}
}

func TestOrgnummerList(t *testing.T) {
	d := MustDefault(t)
	for _, e := range readList(t, "orgnumber.json") {
		for _, num := range []string{e.ShortFormat, e.SeparatedFormat} {
			fs := d.Detect("Vårt organisationsnummer: " + num)
			if len(fs) != 1 || fs[0].Kind != Orgnummer || fs[0].Text != num {
				t.Errorf("%s: got %+v, want one orgnummer", num, fs)
			}
		}
	}
}

func TestGeneratedPersonnummer(t *testing.T) {
	d := MustDefault(t)
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		con := r.IntN(2) == 0
		n := genPersonnummer(r, con)
		want := Personnummer
		if con {
			want = Samordningsnummer
		}
		for _, form := range []string{n, n[2:], n[2:8] + "-" + n[8:], n[:8] + "-" + n[8:]} {
			fs := d.Detect("pnr " + form + " ok")
			if len(fs) != 1 || fs[0].Kind != want {
				t.Fatalf("%s: got %+v, want %s", form, fs, want)
			}
		}
	}
}

func TestDetectCases(t *testing.T) {
	d, err := New(Options{Custom: []CustomPattern{{Name: "kundnummer", Pattern: `KN-\d{6}`}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		want []string // "kind:text"
	}{
		{"mobile dashed", "Ring mig på 070-123 45 67 efter lunch", []string{"phone:070-123 45 67"}},
		{"mobile spaced", "nr 070 123 45 67", []string{"phone:070 123 45 67"}},
		{"stockholm", "Växel 08-123 456 78.", []string{"phone:08-123 456 78"}},
		{"gothenburg", "tel 031-12 34 56", []string{"phone:031-12 34 56"}},
		{"paren", "tel (08) 123 45 67", []string{"phone:(08) 123 45 67"}},
		{"plus46", "Call +46 70 123 45 67 today", []string{"phone:+46 70 123 45 67"}},
		{"plus46 trunk", "+46 (0)70-123 45 67", []string{"phone:+46 (0)70-123 45 67"}},
		{"norway", "mobil +47 912 34 567", []string{"phone:+47 912 34 567"}},
		{"uk", "call +44 20 7946 0958", []string{"phone:+44 20 7946 0958"}},
		{"us", "call +1 (415) 555-2671.", []string{"phone:+1 (415) 555-2671"}},
		{"0046", "0046 70 123 45 67", []string{"phone:0046 70 123 45 67"}},
		{"email", "Mejla anna.svensson+test@exempel.se!", []string{"email:anna.svensson+test@exempel.se"}},
		{"email idn", "till info@göteborg.se.", []string{"email:info@göteborg.se"}},
		{"ipv4", "från 192.168.10.4:8080", []string{"ipv4:192.168.10.4"}},
		{"ipv6", "adress 2001:db8::8a2e:370:7334 loggad", []string{"ipv6:2001:db8::8a2e:370:7334"}},
		{"ipv6 loopback", "(::1)", []string{"ipv6:::1"}},
		{"iban", "IBAN: SE45 5000 0000 0583 9825 7466", []string{"iban:SE45 5000 0000 0583 9825 7466"}},
		{"iban compact", "GB82WEST12345698765432.", []string{"iban:GB82WEST12345698765432"}},
		{"card", "kort 4111 1111 1111 1111 gick inte", []string{"card:4111 1111 1111 1111"}},
		{"amex", "amex 3782 822463 10005", []string{"card:3782 822463 10005"}},
		{"bankgiro", "Betala till bankgiro 5050-1055.", []string{"bankgiro:5050-1055"}},
		{"bg short", "BG: 5402-9681", []string{"bankgiro:5402-9681"}},
		{"plusgiro", "Plusgiro 90 20 01-7", []string{"plusgiro:90 20 01-7"}},
		{"street", "Jag bor på Storgatan 12 i Umeå", []string{"address:Storgatan 12"}},
		{"street letter", "Drottninggatan 5B, 3 tr", []string{"address:Drottninggatan 5B, 3 tr"}},
		{"street lgh", "Kungsvägen 3 lgh 1101", []string{"address:Kungsvägen 3 lgh 1101"}},
		{"full address", "Norra Vallgatan 7, 211 25 Malmö.", []string{"address:Norra Vallgatan 7, 211 25 Malmö"}},
		{"postcode town", "Skicka till 114 55 Stockholm", []string{"address:114 55 Stockholm"}},
		{"custom", "kundnr KN-123456", []string{"custom:KN-123456"}},
		{"orgnummer", "org.nr 556036-0793", []string{"orgnummer:556036-0793"}},
		{"hetu", "HETU 131052-308T", []string{"hetu:131052-308T"}},
		{"fodselsnummer", "fnr 01010750160", []string{"fodselsnummer:01010750160"}},
		{"cpr", "CPR-nr. 070761-4285", []string{"cpr:070761-4285"}},
		{"date", "Mötet är 2024-05-17 kl 14:30", nil},
		{"date slash", "den 17/5 2024", nil},
		{"amount", "Det kostar 1 250 kr eller 12 500,00 SEK", nil},
		{"case number", "Ärendenummer 2024-00123 och order #883412", nil},
		{"postcode alone", "postnummer 114 55", nil},
		{"version", "Uppdatera till version 1.2.3.4 eller v1.2.3", nil},
		{"time range", "Öppet 08.30–17.00, lunch 12:00-13:00", nil},
		{"bad luhn", "pnr 811228-9875", nil},
		{"bad card", "4111 1111 1111 1112", nil},
		{"bad iban", "SE45 5000 0000 0583 9825 7467", nil},
		{"bad ip", "999.1.2.3", nil},
		{"time colons", "kl 12:30:45", nil},
		{"cpp", "std::vector", nil},
		{"giro without label", "5050-1055", nil},
		{"date dashed ddmm", "08-12-2024", nil},
		{"ocr", "OCR 4111111111111111", nil},
		{"vägen", "hela vägen 5 minuter", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range d.Detect(tc.text) {
				got = append(got, string(f.Kind)+":"+f.Text)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Detect(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestNewBadPattern(t *testing.T) {
	_, err := New(Options{Custom: []CustomPattern{{Name: "trasig", Pattern: `KN-(\d{6}`}}})
	if err == nil || !strings.Contains(err.Error(), "trasig") || !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("err = %v, want one naming the pattern", err)
	}
	if _, err := New(Options{Kinds: []Kind{"nope"}}); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(strings.ToUpper(string(k)))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("telefon"); err == nil {
		t.Error("ParseKind accepted an unknown kind")
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := map[string]string{
		"070-123 45 67":       "+46701234567",
		"+46 (0)70-123 45 67": "+46701234567",
		"0046 70 123 45 67":   "+46701234567",
		"+46701234567":        "+46701234567",
		"08-123 456 78":       "+46812345678",
		"(08) 123 45 67":      "+4681234567",
		"+47 912 34 567":      "+4791234567",
		"+1 (415) 555-2671":   "+14155552671",
		"hej":                 "",
		"12345":               "",
		"+46 0701234567":      "",
	}
	for in, want := range tests {
		got, err := NormalizePhone(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRedact(t *testing.T) {
	d := MustDefault(t)
	text := "Hej! Jag heter Åsa, pnr 19811228-9874, ring 070-123 45 67 eller mejla asa@exempel.se. Org 556036-0793."
	tests := []struct {
		op   Operator
		want string
	}{
		{Replace(), "Hej! Jag heter Åsa, pnr [personnummer], ring [phone] eller mejla [email]. Org 556036-0793."},
		{Mask(4), "Hej! Jag heter Åsa, pnr ********-9874, ring ***-*** 45 67 eller mejla ***@*******.**. Org 556036-0793."},
		{Remove(), "Hej! Jag heter Åsa, pnr , ring  eller mejla . Org 556036-0793."},
	}
	for _, tc := range tests {
		got := d.Redact(text, tc.op)
		if got != tc.want {
			t.Errorf("Redact(%v) =\n%q, want\n%q", tc.op, got, tc.want)
		}
		if again := d.Redact(got, tc.op); again != got {
			t.Errorf("not idempotent: %q", again)
		}
	}
	if got := d.Redact("Åsa Öberg", Mask(2)); got != "Åsa Öberg" {
		t.Errorf("changed text without findings: %q", got)
	}
}

func TestFindingJSON(t *testing.T) {
	f := Finding{Kind: Phone, Start: 17, End: 30, Text: "070-123 45 67", Confidence: 0.98}
	b, _ := json.Marshal(f)
	want := `{"kind":"phone","start":17,"end":30,"text":"070-123 45 67","confidence":0.98}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestContains(t *testing.T) {
	d := MustDefault(t)
	if !d.Contains("ring 070-123 45 67", Phone) || d.Contains("ring 070-123 45 67", Email) || d.Contains("inget här") {
		t.Error("Contains wrong")
	}
	allocs := testing.AllocsPerRun(100, func() { d.Detect("Hej, jag undrar om min beställning 2024-05-17, order #883412.") })
	if allocs != 0 {
		t.Errorf("Detect without findings allocates %v times", allocs)
	}
}

func TestOptionsKindsAndRedact(t *testing.T) {
	text := "Ring 070-123 45 67 eller mejla a@b.se, org 556036-0793, Åsgränd 5."
	d, err := New(Options{Kinds: []Kind{Phone, Orgnummer, Address}, Redact: []Kind{Phone, Orgnummer}})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	for _, f := range d.Detect(text) {
		kinds = append(kinds, f.Kind)
	}
	if fmt.Sprint(kinds) != "[phone orgnummer address]" {
		t.Errorf("kinds = %v", kinds)
	}
	got := d.Redact(text, Replace())
	want := "Ring [phone] eller mejla a@b.se, org [orgnummer], Åsgränd 5."
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if got := Default().Redact("Åsgränd 5", Mask(4)); got != "******* *" {
		t.Errorf("mask address = %q", got)
	}
	if got := Default().Redact("bad \xff 070-123 45 67", Replace()); got != "bad \uFFFD [phone]" {
		t.Errorf("invalid UTF-8 input: %q", got)
	}
}

func TestRedactFindingsSkipsBadSpans(t *testing.T) {
	text := "Åsa 070-123 45 67"
	fs := []Finding{{Kind: Phone, Start: 5, End: 18}, {Kind: Email, Start: 1, End: 3}, {Kind: Phone, Start: 100, End: 120}}
	if got := RedactFindings(text, fs, Replace()); got != "Åsa [phone]" {
		t.Errorf("got %q", got)
	}
}
