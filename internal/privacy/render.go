package privacy

import (
	"embed"
	"html/template"
	"io"
	"strings"

	"github.com/gallra/gallra"
)

//go:embed templates/art30.html
var templateFS embed.FS

// art30Template is parsed once; html/template escapes every value.
var art30Template = template.Must(template.ParseFS(templateFS, "templates/art30.html"))

// art30Words are the headings of the record, per language.
var art30Words = map[string]map[string]string{
	"sv": {"title": "Register över behandlingar", "art": "Artikel 30.1 i dataskyddsförordningen", "generated": "Upprättat", "version": "inställningsversion",
		"controller": "Personuppgiftsansvarig", "name": "Namn", "orgnr": "Organisationsnummer", "address": "Adress", "contact": "Kontakt", "dpo": "Dataskyddsombud",
		"processing": "Behandlingar per kanal", "purpose": "Ändamål", "basis": "Rättslig grund", "subjects": "Kategorier av registrerade",
		"categories": "Kategorier av personuppgifter", "special": "Känsliga identifierare som setts (granska: art. 9 / art. 87)", "recipients": "Mottagare",
		"retention": "Lagringstid (gällande inställning)", "transfers": "Personuppgiftsbiträdets underbiträden och överföringar till tredje land",
		"service": "Tjänst", "country": "Land", "mechanism": "Överföringsmekanism", "added": "Tillagd", "nosubs": "Inga underbiträden är registrerade.",
		"security": "Tekniska och organisatoriska säkerhetsåtgärder", "rights": "De registrerades rättigheter", "staff": "Personalens uppgifter"},
	"en": {"title": "Record of processing activities", "art": "Article 30(1) GDPR", "generated": "Generated", "version": "settings version",
		"controller": "Controller", "name": "Name", "orgnr": "Registration number", "address": "Address", "contact": "Contact", "dpo": "Data protection officer",
		"processing": "Processing per channel", "purpose": "Purpose", "basis": "Legal basis", "subjects": "Categories of data subjects",
		"categories": "Categories of personal data", "special": "Sensitive identifiers seen (review: Art. 9 / Art. 87)", "recipients": "Recipients",
		"retention": "Retention (current setting)", "transfers": "The processor's sub-processors and transfers to third countries",
		"service": "Service", "country": "Country", "mechanism": "Transfer mechanism", "added": "Added", "nosubs": "No sub-processors are registered.",
		"security": "Technical and organisational security measures", "rights": "Data subjects' rights", "staff": "Staff data"},
}

// RenderArt30 writes the record as a self-contained, printable HTML page in
// lang ("sv" or "en"): the same page the admin UI shows and offers as a
// download.
func RenderArt30(w io.Writer, rec *gallra.Art30Record, lang string) error {
	if lang != "en" {
		lang = "sv"
	}
	type row struct {
		Name, Module, Purpose, Basis, BasisSource, Subjects, Categories, IP, Sensitive, Recipients, Retention, RetentionSource string
	}
	type sub struct {
		Name, Service, Country, Mechanism, Added string
		Flagged                                  bool
	}
	labelsOf := func(keys []string) string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = Label(k, lang)
		}
		return strings.Join(out, ", ")
	}
	var rows []row
	for _, p := range rec.Processing {
		r := row{Name: p.ChannelName, Module: string(p.Module), Purpose: p.Purpose.In(lang), Basis: BasisLabel(p.Basis, lang), BasisSource: p.BasisSource,
			Subjects: labelsOf(p.DataSubjects), Categories: labelsOf(p.DataCategories), Sensitive: strings.Join(p.SensitiveKinds, ", "),
			Recipients: p.Recipients.In(lang), Retention: p.RetentionText.In(lang), RetentionSource: p.Retention.Source}
		if p.IPStorage != "" {
			r.IP = Label("ip."+p.IPStorage, lang)
		}
		rows = append(rows, r)
	}
	var subs []sub
	for _, s := range rec.SubProcessors {
		m := Label("mech."+s.Mechanism, lang)
		if s.Flagged {
			m = Label("mech.missing", lang)
		}
		subs = append(subs, sub{Name: s.Name, Service: s.Service, Country: s.Country, Mechanism: m, Added: s.AddedAt.Format("2006-01-02"), Flagged: s.Flagged})
	}
	return art30Template.Execute(w, map[string]any{
		"Lang": lang, "T": art30Words[lang], "R": rec, "Kind": Label("kind."+rec.Kind, lang), "Date": rec.GeneratedAt.Format("2006-01-02 15:04 UTC"),
		"Rows": rows, "Subs": subs, "Security": rec.Security.In(lang), "Rights": rec.Rights.In(lang), "Authority": rec.Authority.In(lang),
		"Staff": rec.StaffData.In(lang),
	})
}
