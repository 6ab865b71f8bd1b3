package takeout

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the organisation's time zone on hosts without a zoneinfo database

	"github.com/gallra/gallra"
)

//go:embed templates/index.html
var templateFS embed.FS

// indexTemplate is parsed once; html/template escapes every value, so text a
// person or anyone else typed cannot inject markup into the summary.
var indexTemplate = template.Must(template.ParseFS(templateFS, "templates/index.html"))

// countLabels names the count keys of exports and erasures, Swedish / English.
var countLabels = map[string][2]string{
	"custom_fields":                     {"Egna fält", "Custom fields"},
	"forum_posts":                       {"Foruminlägg och kommentarer", "Forum posts and comments"},
	"mail_conversations":                {"E-postkonversationer", "E-mail conversations"},
	"mail_messages":                     {"E-postmeddelanden", "E-mail messages"},
	"mail_messages_own":                 {"varav skrivna av dig", "of which written by you"},
	"mail_attachments":                  {"Bifogade filer", "Attachments"},
	"mail_messages_of_others":           {"varav från andra kunder (avsändaren ersatt)", "of which from other customers (sender replaced)"},
	"mail_attachments_withheld":         {"Andra kunders bifogade filer, undanhållna", "Other customers' attachments, withheld"},
	"chat_conversations":                {"Chattar", "Chats"},
	"chat_messages":                     {"Chattmeddelanden", "Chat messages"},
	"social_items":                      {"Inlägg i sociala medier", "Social media items"},
	"forum_posts_deleted":               {"Raderade foruminlägg", "Forum posts deleted"},
	"forum_posts_anonymized":            {"Avidentifierade foruminlägg", "Forum posts anonymized"},
	"forum_placeholders":                {"Foruminlägg ersatta med tom platshållare", "Forum posts replaced by an empty placeholder"},
	"forum_topics_deleted":              {"Raderade forumtrådar", "Forum topics deleted"},
	"mail_conversations_deleted":        {"Raderade e-postkonversationer", "E-mail conversations deleted"},
	"mail_messages_deleted":             {"Raderade e-postmeddelanden", "E-mail messages deleted"},
	"mail_attachments_deleted":          {"Raderade bifogade filer", "Attachments deleted"},
	"chat_conversations_deleted":        {"Raderade chattar", "Chats deleted"},
	"chat_messages_deleted":             {"Raderade chattmeddelanden", "Chat messages deleted"},
	"social_comments_of_others_removed": {"Andras svar som försvann med dina inlägg", "Others' replies removed with your items"},
	"social_comment_authors_deleted":    {"Personposter utan andra uppgifter som togs bort med svaren", "Person records with no other data removed with the replies"},
	"social_items_deleted":              {"Raderade inlägg i sociala medier (lokal kopia)", "Social media items deleted (local copy)"},
	"social_platform_deletions_queued":  {"Begärda raderingar på den sociala plattformen", "Deletions requested on the social platform"},
	"custom_fields_deleted":             {"Raderade egna fält", "Custom fields deleted"},
	"person_deleted":                    {"Personposten raderad", "Person record deleted"},
	"retained_legal_hold":               {"Kvar på grund av rättsligt bevarande", "Kept under a legal hold"},
	"earlier_requests_reduced":          {"Tidigare begäranden där e-postadressen togs bort", "Earlier requests whose e-mail address was removed"},
	"earlier_exports_retired":           {"Tidigare registerutdrag som togs bort", "Earlier data exports deleted"},
}

// label returns the key's label in lang ("sv" or "en"), or the key itself.
func label(key, lang string) string {
	l, ok := countLabels[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

type countRow struct {
	Key, Label string
	N          int64
}

// countRows orders counts by key with both-language labels.
func countRows(counts map[string]int64, lang string) []countRow {
	out := []countRow{}
	for k, n := range counts {
		l := label(k, lang)
		if lang == "" {
			l = label(k, "sv") + " / " + label(k, "en")
		}
		out = append(out, countRow{Key: k, Label: l, N: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// htmlTexts are index.html's texts, Swedish / English: the page is in the
// organisation's language throughout.
var htmlTexts = map[string][2]string{
	"title":             {"Registerutdrag", "Data export"},
	"intro":             {"Detta är en kopia av de personuppgifter som %s har om dig i de valda delarna av sin kundtjänst, skapad %s (ärende %s). Samma uppgifter finns i maskinläsbar form i data.json och i CSV-filerna.", "This is a copy of the personal data %s holds about you in the chosen parts of its customer service, generated %s (case %s). The same data is in machine-readable form in data.json and the CSV files."},
	"person":            {"Person", "Person"},
	"email":             {"E-post", "E-mail"},
	"name":              {"Namn", "Name"},
	"since":             {"Registrerad sedan", "Recorded since"},
	"summary":           {"Sammanfattning", "Summary"},
	"part":              {"Del", "Part"},
	"count":             {"Antal", "Count"},
	"nothing":           {"Inga uppgifter om dig hittades.", "No data about you was found."},
	"info":              {"Om behandlingen av dina uppgifter", "About the processing of your data"},
	"info.intro":        {"Enligt artikel 15.1 i dataskyddsförordningen har du rätt till följande information.", "Under Article 15(1) of the GDPR you are entitled to the following information."},
	"files":             {"Filer", "Files"},
	"files.json":        {"alla uppgifter, strukturerat", "all data, structured"},
	"files.csv":         {"en tabell per del", "one table per part"},
	"files.attachments": {"bifogade filer i original", "attachments in original form"},
	"files.manifest":    {"innehållsförteckning med kontrollsummor", "contents with checksums"},
	"forum":             {"Forum", "Forum"},
	"mail":              {"E-post", "E-mail"},
	"chat":              {"Chatt", "Chat"},
	"social":            {"Sociala medier", "Social media"},
	"kind.post":         {"inlägg", "post"},
	"kind.comment":      {"kommentar", "comment"},
	"kind.topic":        {"tråd", "topic"},
	"ip":                {"IP-adress", "IP address"},
	"other":             {"en annan kund", "another customer"},
	"you":               {"du", "you"},
	"withheld":          {"%d bifogade filer från en annan kund ingår inte", "%d attachment(s) from another customer withheld"},
	"note":              {"personalens interna anteckning", "staff's internal note"},
	"sender.customer":   {"du", "you"},
	"sender.staff":      {"personalen", "staff"},
	"sender.system":     {"systemet", "system"},
	"questions":         {"Har du frågor om dina uppgifter, kontakta %s.", "If you have questions about your data, contact %s."},
}

// infoLabels name the Art. 15(1) fields of the organisation's request
// settings, Swedish / English.
var infoLabels = map[string][2]string{
	"controller":  {"Personuppgiftsansvarig", "Controller"},
	"dpo_contact": {"Dataskyddsombud", "Data-protection officer"},
	"purposes":    {"Ändamål och rättslig grund", "Purposes and legal basis"},
	"categories":  {"Kategorier av personuppgifter", "Categories of personal data"},
	"recipients":  {"Mottagare", "Recipients"},
	"retention":   {"Hur länge uppgifterna sparas", "How long the data is kept"},
	"rights":      {"Dina rättigheter", "Your rights"},
	"complaint":   {"Klagomål till tillsynsmyndigheten", "Complaints to the supervisory authority"},
	"source":      {"Varifrån uppgifterna kommer", "Where the data comes from"},
	"automated":   {"Automatiserat beslutsfattande", "Automated decision-making"},
}

var monthsSV = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}

// htmlLang renders index.html's texts and times in one language and time
// zone.
type htmlLang struct {
	Code string
	loc  *time.Location
}

func newHTMLLang(code, tz string) *htmlLang {
	if code != "en" {
		code = "sv"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc, _ = time.LoadLocation(gallra.DefaultTimeZone)
		if loc == nil {
			loc = time.UTC
		}
	}
	return &htmlLang{Code: code, loc: loc}
}

// T returns a text; a missing key (a new kind) shows itself.
func (l *htmlLang) T(key string) string {
	v, ok := htmlTexts[key]
	if !ok {
		return strings.TrimPrefix(strings.TrimPrefix(key, "kind."), "sender.")
	}
	if l.Code == "en" {
		return v[1]
	}
	return v[0]
}

// F formats a text with args.
func (l *htmlLang) F(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) }

// When shows a time in the organisation's time zone, the way people write
// it: "5 augusti 2024 kl. 18:49" / "5 August 2024, 18:49".
func (l *htmlLang) When(t time.Time) string {
	t = t.In(l.loc)
	if l.Code == "en" {
		return t.Format("2 January 2006, 15:04")
	}
	return fmt.Sprintf("%d %s %d kl. %s", t.Day(), monthsSV[t.Month()-1], t.Year(), t.Format("15:04"))
}

// Day shows a date: "5 augusti 2024" / "5 August 2024".
func (l *htmlLang) Day(t time.Time) string {
	t = t.In(l.loc)
	if l.Code == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsSV[t.Month()-1], t.Year())
}

type infoRow struct{ Label, Text string }

// item is what the per-item templates get: the language and the item.
type item struct {
	L *htmlLang
	I any
}

func (x *exporter) writeHTML(ctx context.Context) error {
	w, err := x.create(ctx, "index.html")
	if err != nil {
		return err
	}
	o, err := x.tx.GetOrganisation(ctx, x.r.OrgID)
	if err != nil {
		return err
	}
	st, err := x.tx.RequestSettings(ctx, x.r.OrgID)
	if err != nil {
		return err
	}
	L := newHTMLLang(o.Language, st.TimeZone)
	var person *dataPerson
	if p := x.sub.person; p != nil && x.r.PersonData {
		person = &dataPerson{ID: p.ID, Email: p.Email, Name: p.Name, CreatedAt: p.CreatedAt}
	}
	// The Art. 15(1) information comes from the privacy register when the
	// service has one (x.art15); the organisation's own request settings
	// fill it only without a register.
	var info []infoRow
	fields := infoFields(&st.Info)
	for _, name := range InfoFieldNames() {
		if x.art15 != nil {
			break
		}
		if t := strings.TrimSpace(*fields[name]); t != "" {
			l := infoLabels[name][0]
			if L.Code == "en" {
				l = infoLabels[name][1]
			}
			info = append(info, infoRow{Label: l, Text: t})
		}
	}
	ref := x.r.Reference
	if ref == "" {
		ref = fmt.Sprintf("%d", x.r.ID)
	}
	counts := []countRow{}
	for _, c := range countRows(x.counts, L.Code) {
		if c.N > 0 {
			counts = append(counts, c)
		}
	}
	head := map[string]any{"L": L, "Reference": ref, "Organisation": o.Name, "GeneratedAt": x.b.now, "Person": person, "Counts": counts,
		"Info": info, "HasAttachments": x.counts["mail_attachments"] > 0}
	if err := indexTemplate.ExecuteTemplate(w, "head", head); err != nil {
		return err
	}
	if x.art15 != nil {
		if err := indexTemplate.ExecuteTemplate(w, "art15", art15View(x.art15, x.sub.channels)); err != nil {
			return err
		}
	}
	// A section is shown only when it has items (no empty headings).
	section := func(m gallra.Module, n int64, title string, body func() error) error {
		if !x.has(m) || n == 0 {
			return nil
		}
		if err := indexTemplate.ExecuteTemplate(w, "section", L.T(title)); err != nil {
			return err
		}
		return body()
	}
	err = section(gallra.ModuleForum, x.counts["forum_posts"], "forum", func() error {
		return x.eachForumPost(ctx, func(p *dataForumPost) error {
			if err := x.rowTick(ctx); err != nil {
				return err
			}
			return indexTemplate.ExecuteTemplate(w, "forum", item{L, p})
		})
	})
	if err == nil {
		err = section(gallra.ModuleMail, int64(len(x.mailConvs)), "mail", func() error {
			for _, id := range x.mailConvs {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				c, err := x.mailConversation(ctx, id)
				if err != nil {
					return err
				}
				if err := indexTemplate.ExecuteTemplate(w, "mail", item{L, c}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section(gallra.ModuleChat, int64(len(x.chatConvs)), "chat", func() error {
			for _, id := range x.chatConvs {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				c, err := x.chat(ctx, id)
				if err != nil {
					return err
				}
				if err := indexTemplate.ExecuteTemplate(w, "chat", item{L, c}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section(gallra.ModuleSocial, x.counts["social_items"], "social", func() error {
			return x.eachSocial(ctx, func(s *dataSocial) error {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				return indexTemplate.ExecuteTemplate(w, "social", item{L, s})
			})
		})
	}
	if err != nil {
		return err
	}
	return indexTemplate.ExecuteTemplate(w, "foot", head)
}

// art15Row is one channel's Art. 15(1) information, in both languages.
type art15Row struct {
	Channel                    string
	PurposeSV, PurposeEN       string
	BasisSV, BasisEN           string
	CategoriesSV, CategoriesEN string
	RecipientsSV, RecipientsEN string
	RetentionSV, RetentionEN   string
	Sensitive                  string
}

// art15View prepares the information for index.html: the channels the
// export covers (all of the organisation's when it covers none in
// particular).
func art15View(a *gallra.Art15Info, chans []gallra.Channel) map[string]any {
	want := map[int64]bool{}
	for _, c := range chans {
		want[c.ID] = true
	}
	lab := func(k, lang string) string {
		if t, ok := a.Labels[k]; ok {
			return t.In(lang)
		}
		return k
	}
	join := func(keys []string, lang string) string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = lab(k, lang)
		}
		return strings.Join(out, ", ")
	}
	var rows []art15Row
	for _, p := range a.Processing {
		if len(want) > 0 && !want[p.ChannelID] {
			continue
		}
		rows = append(rows, art15Row{Channel: p.ChannelName + " (" + string(p.Module) + ")",
			PurposeSV: p.Purpose.SV, PurposeEN: p.Purpose.EN,
			BasisSV: lab("basis."+string(p.Basis), "sv"), BasisEN: lab("basis."+string(p.Basis), "en"),
			CategoriesSV: join(p.DataCategories, "sv"), CategoriesEN: join(p.DataCategories, "en"),
			RecipientsSV: p.Recipients.SV, RecipientsEN: p.Recipients.EN,
			RetentionSV: p.RetentionText.SV, RetentionEN: p.RetentionText.EN,
			Sensitive: strings.Join(p.SensitiveKinds, ", ")})
	}
	c := a.Controller
	return map[string]any{"A": a, "Rows": rows, "Controller": c, "Date": ts(a.GeneratedAt)}
}
