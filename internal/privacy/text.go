package privacy

import (
	"strings"

	"github.com/gallra/gallra"
)

// labels translates the keys of data subjects, data categories, legal
// bases, IP storage and sensitive kinds.
var labels = map[string]gallra.BiText{
	// data subjects
	"forum_writers":  {SV: "personer som skriver inlägg och kommentarer i forumet", EN: "people who write posts and comments in the forum"},
	"mail_senders":   {SV: "personer som mejlar oss och personer som nämns i e-posten", EN: "people who e-mail us and people mentioned in the e-mails"},
	"chat_visitors":  {SV: "besökare som chattar med oss", EN: "visitors who chat with us"},
	"social_users":   {SV: "personer som skriver till oss i sociala medier", EN: "people who write to us on social media"},
	"article_staff":  {SV: "medarbetare som skriver artiklar", EN: "staff who write articles"},
	"staff_handlers": {SV: "medarbetare som handlägger ärenden", EN: "staff who handle cases"},
	// data categories
	"name":                       {SV: "namn", EN: "name"},
	"email":                      {SV: "e-postadress", EN: "e-mail address"},
	"ip_address":                 {SV: "IP-adress", EN: "IP address"},
	"ip_truncated":               {SV: "förkortad IP-adress", EN: "shortened IP address"},
	"post_content":               {SV: "det du skriver i inlägg och kommentarer", EN: "what you write in posts and comments"},
	"message_content":            {SV: "e-postmeddelandenas innehåll", EN: "the content of the e-mails"},
	"attachments":                {SV: "bifogade filer", EN: "attachments"},
	"chat_content":               {SV: "chattens innehåll", EN: "the content of the chat"},
	"social_profile":             {SV: "namn och användar-id på plattformen", EN: "name and user id on the platform"},
	"social_content":             {SV: "det du skriver till oss på plattformen", EN: "what you write to us on the platform"},
	"custom_fields":              {SV: "uppgifter i egna fält som vi lägger till ärendet", EN: "details in custom fields we add to the case"},
	"staff_name":                 {SV: "medarbetarens namn", EN: "the staff member's name"},
	"free_text_pii":              {SV: "personuppgifter du själv skriver i texten", EN: "personal data you type into the text yourself"},
	"timestamps":                 {SV: "tidpunkter", EN: "times"},
	"ip.full":                    {SV: "hela IP-adressen sparas", EN: "the full IP address is stored"},
	"ip.truncated":               {SV: "IP-adressen sparas förkortad (/24 eller /48)", EN: "the IP address is stored shortened (/24 or /48)"},
	"ip.none":                    {SV: "ingen IP-adress sparas", EN: "no IP address is stored"},
	"basis.consent":              {SV: "samtycke", EN: "consent"},
	"basis.contract":             {SV: "avtal", EN: "contract"},
	"basis.legal_obligation":     {SV: "rättslig förpliktelse", EN: "legal obligation"},
	"basis.vital_interests":      {SV: "grundläggande intressen", EN: "vital interests"},
	"basis.public_task":          {SV: "uppgift av allmänt intresse eller myndighetsutövning", EN: "task in the public interest or exercise of official authority"},
	"basis.legitimate_interests": {SV: "berättigat intresse", EN: "legitimate interests"},
	"kind.public_authority":      {SV: "offentlig myndighet", EN: "public authority"},
	"kind.company":               {SV: "företag", EN: "company"},
	"mech.adequacy":              {SV: "beslut om adekvat skyddsnivå (art. 45)", EN: "adequacy decision (Art. 45)"},
	"mech.dpf":                   {SV: "EU–US Data Privacy Framework", EN: "EU–US Data Privacy Framework"},
	"mech.scc":                   {SV: "standardavtalsklausuler (art. 46.2 c)", EN: "standard contractual clauses (Art. 46(2)(c))"},
	"mech.":                      {SV: "inom EU/EES", EN: "within the EU/EEA"},
	"mech.missing":               {SV: "SAKNAS – inga personuppgifter får överföras", EN: "MISSING – no personal data may be transferred"},
	"source.subject":             {SV: "Uppgifterna kommer från dig själv (det du skrev, mejlade eller chattade) och från våra medarbetare som besvarade dig; e-post kan innehålla uppgifter som andra lämnat om dig.", EN: "The data comes from you (what you wrote, e-mailed or chatted) and from our staff who answered you; e-mails may hold data others gave about you."},
}

// Label returns a key's text in lang, or the key itself.
func Label(key, lang string) string {
	if t, ok := labels[key]; ok {
		return t.In(lang)
	}
	return key
}

// BasisLabel is a basis's name with its article, e.g. "uppgift av allmänt
// intresse eller myndighetsutövning (artikel 6.1 e i dataskyddsförordningen)".
func BasisLabel(b gallra.LegalBasis, lang string) string {
	letter := b.Article()[5:6]
	if lang == "en" {
		return Label("basis."+string(b), lang) + " (Article 6(1)(" + letter + ") GDPR)"
	}
	return Label("basis."+string(b), lang) + " (artikel 6.1 " + letter + " i dataskyddsförordningen)"
}

// defaultBasis is the basis an organisation of kind has for module m until
// it chooses another: a public authority answers as a public task
// (Art. 6(1)(e)); a company answers its customers' mail and chats under
// the contract with them (b) and runs its public forum, social media and
// knowledge base under its legitimate interest in giving service (f).
func defaultBasis(kind string, m gallra.Module) gallra.LegalBasis {
	if kind != gallra.OrgKindCompany {
		return gallra.BasisPublicTask
	}
	if m == gallra.ModuleMail || m == gallra.ModuleChat {
		return gallra.BasisContract
	}
	return gallra.BasisLegitimateInterests
}

// defaultPurpose is the generated purpose of module m for kind.
func defaultPurpose(kind string, m gallra.Module) gallra.BiText {
	who := gallra.BiText{SV: "invånare", EN: "residents"}
	if kind == gallra.OrgKindCompany {
		who = gallra.BiText{SV: "kunder", EN: "customers"}
	}
	switch m {
	case gallra.ModuleForum:
		return gallra.BiText{SV: "att besvara frågor från " + who.SV + " och andra i ett öppet forum", EN: "to answer questions from " + who.EN + " and others in a public forum"}
	case gallra.ModuleMail:
		return gallra.BiText{SV: "att besvara och handlägga frågor och ärenden som kommer in med e-post", EN: "to answer and handle questions and cases sent by e-mail"}
	case gallra.ModuleChat:
		return gallra.BiText{SV: "att besvara frågor från " + who.SV + " i chatt", EN: "to answer questions from " + who.EN + " by chat"}
	case gallra.ModuleSocial:
		return gallra.BiText{SV: "att besvara frågor och kommentarer i sociala medier", EN: "to answer questions and comments on social media"}
	default:
		return gallra.BiText{SV: "att publicera information och svar på vanliga frågor", EN: "to publish information and answers to common questions"}
	}
}

// defaultRecipients is the generated recipients text.
func defaultRecipients(kind string, m gallra.Module, org string) gallra.BiText {
	t := gallra.BiText{
		SV: "Medarbetare hos " + org + " som handlägger ärendet, och leverantören av Gallra som personuppgiftsbiträde med sina underbiträden (se listan över underbiträden).",
		EN: "Staff of " + org + " who handle the case, and the provider of Gallra as processor with its sub-processors (see the list of sub-processors).",
	}
	if m == gallra.ModuleForum {
		t.SV += " Forumet är öppet: ditt namn och det du skriver visas för alla besökare; e-postadress och IP-adress visas aldrig."
		t.EN += " The forum is public: your name and what you write are shown to every visitor; your e-mail and IP address are never shown."
	}
	if kind != gallra.OrgKindCompany {
		t.SV += " Det du skickar kan bli en allmän handling som lämnas ut enligt offentlighetsprincipen efter sekretessprövning."
		t.EN += " What you send may become an official document that can be disclosed under the principle of public access after a secrecy review."
	}
	return t
}

// gallraSecurity are the measures Gallra itself takes, always listed.
var gallraSecurity = gallra.BiText{
	SV: "Krypterad överföring (TLS); åtkomst efter roll och kanal; revisionslogg med hashkedja; automatisk gallring enligt lagringstiderna ovan; personnummer och andra känsliga identifierare upptäcks, flaggas och tas bort vid anonymisering; export och radering av en persons uppgifter på begäran.",
	EN: "Encrypted transport (TLS); access by role and channel; audit log with a hash chain; automatic deletion under the retention periods above; personal identity numbers and other sensitive identifiers are detected, flagged and removed on anonymization; export and erasure of a person's data on request.",
}

// authority is the supervisory authority (Sweden).
var authority = gallra.BiText{
	SV: "Du har rätt att lämna klagomål till tillsynsmyndigheten Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, www.imy.se.",
	EN: "You have the right to lodge a complaint with the supervisory authority, the Swedish Authority for Privacy Protection (IMY), Box 8114, 104 20 Stockholm, Sweden, www.imy.se.",
}

// rights returns the rights sentence that fits the basis: objection under
// (e) and (f), portability under (a) and (b), withdrawal under (a).
func rights(b gallra.LegalBasis, lang string) string {
	sv := lang != "en"
	var parts []string
	if sv {
		parts = append(parts, "Du har rätt att begära tillgång till dina personuppgifter, rättelse, radering och begränsning av behandlingen")
	} else {
		parts = append(parts, "You have the right to request access to your personal data, rectification, erasure and restriction of processing")
	}
	switch b {
	case gallra.BasisPublicTask, gallra.BasisLegitimateInterests:
		if sv {
			parts = append(parts, "samt att invända mot behandlingen")
		} else {
			parts = append(parts, "and to object to the processing")
		}
	case gallra.BasisConsent, gallra.BasisContract:
		if sv {
			parts = append(parts, "samt att få ut uppgifterna i ett maskinläsbart format (dataportabilitet)")
		} else {
			parts = append(parts, "and to receive the data in a machine-readable format (data portability)")
		}
	}
	s := strings.Join(parts, " ") + "."
	if b == gallra.BasisConsent {
		if sv {
			s += " Du kan när som helst återkalla ditt samtycke; det påverkar inte behandlingen innan du återkallade det."
		} else {
			s += " You may withdraw your consent at any time; this does not affect the processing before you withdrew it."
		}
	}
	return s
}

// allRights is the rights text of the Art. 30 record and exports: every
// right, with the bases they depend on.
var allRights = gallra.BiText{
	SV: "Rätt till tillgång (art. 15), rättelse (art. 16), radering (art. 17), begränsning (art. 18), dataportabilitet (art. 20, vid samtycke eller avtal), invändning (art. 21, vid allmänt intresse eller berättigat intresse) och att återkalla samtycke (art. 7.3, vid samtycke).",
	EN: "Right of access (Art. 15), rectification (Art. 16), erasure (Art. 17), restriction (Art. 18), data portability (Art. 20, under consent or contract), objection (Art. 21, under public task or legitimate interests) and to withdraw consent (Art. 7(3), under consent).",
}

// joinList joins items as "a, b och c" / "a, b and c".
func joinList(items []string, lang string) string {
	and := " och "
	if lang == "en" {
		and = " and "
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}
