package web

import (
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// requestMessages are the texts of the data-subject request screens added
// with case handling, letters and the request settings, Swedish and English
// (merged into the catalogs with messages).
var requestMessages = map[string][2]string{
	"rq.ref":                         {"Begäran %s", "Request %s"},
	"rq.col.ref":                     {"Referens", "Reference"},
	"rq.col.assignee":                {"Handläggare", "Assignee"},
	"rq.status.refused":              {"Avslagen", "Refused"},
	"rq.late":                        {"Besvarad för sent", "Answered late"},
	"rq.late.help":                   {"Begäran slutfördes efter sista dagen (art. 12.3). Det står kvar i ärendet.", "The request was completed after its due date (Art. 12(3)). This stays on record."},
	"rq.filter":                      {"Sök och filtrera", "Search and filter"},
	"rq.filter.q":                    {"Referens", "Reference"},
	"rq.filter.q.help":               {"T.ex. DSR-2026-0042 eller 0042.", "E.g. DSR-2026-0042 or 0042."},
	"rq.filter.status":               {"Status", "Status"},
	"rq.filter.kind":                 {"Typ", "Kind"},
	"rq.filter.assignee":             {"Handläggare", "Assignee"},
	"rq.filter.any":                  {"Alla", "Any"},
	"rq.filter.me":                   {"Jag", "Me"},
	"rq.filter.none":                 {"Ingen", "Nobody"},
	"rq.filter.overdue":              {"Försenade", "Overdue"},
	"rq.filter.submit":               {"Visa", "Show"},
	"rq.filter.clear":                {"Rensa filter", "Clear filters"},
	"rq.filter.empty":                {"Inga begäranden matchar filtren.", "No requests match the filters."},
	"rq.assignee":                    {"Handläggare", "Assignee"},
	"rq.assignee.none":               {"Ingen handläggare", "No assignee"},
	"rq.assignee.save":               {"Spara handläggare", "Save assignee"},
	"rq.notes":                       {"Interna anteckningar", "Internal notes"},
	"rq.case":                        {"Handläggare och anteckningar", "Assignee and notes"},
	"rq.close.confirm":               {"Ja, avsluta begäran %s", "Yes, close request %s"},
	"rq.notes.help":                  {"Syns bara för personalen och skickas aldrig till personen.", "Seen by staff only; never sent to the person."},
	"rq.notes.none":                  {"Inga anteckningar än.", "No notes yet."},
	"rq.notes.add":                   {"Ny anteckning", "New note"},
	"rq.notes.submit":                {"Lägg till anteckning", "Add note"},
	"rq.ext.passed":                  {"Sista dagen har passerat. Tidsfristen kan inte förlängas i efterhand (art. 12.3): besvara begäran nu. Svaret registreras som för sent.", "The due date has passed. The deadline cannot be extended afterwards (Art. 12(3)): answer the request now. The answer is recorded as late."},
	"rq.ext.err.passed":              {"Sista dagen har redan passerat, så tidsfristen kan inte förlängas längre (art. 12.3). Besvara begäran nu; svaret registreras som för sent.", "The due date has already passed, so the deadline can no longer be extended (Art. 12(3)). Answer the request now; the answer is recorded as late."},
	"rq.close.title":                 {"Avbryt eller avslå begäran", "Cancel or refuse the request"},
	"rq.close.cancel":                {"Avbryt (t.ex. personen drog tillbaka begäran)", "Cancel (e.g. the person withdrew the request)"},
	"rq.close.refuse":                {"Avslå som uppenbart ogrundad eller orimlig (art. 12.5)", "Refuse as manifestly unfounded or excessive (Art. 12(5))"},
	"rq.close.reason":                {"Skäl", "Reason"},
	"rq.close.reason.help":           {"Krävs. Sparas med begäran; vid avslag står det i brevet till personen (art. 12.4).", "Required. Kept with the request; for a refusal it is in the letter to the person (Art. 12(4))."},
	"rq.close.err.reason":            {"Skriv skälet till att begäran avbryts eller avslås.", "Write the reason why the request is cancelled or refused."},
	"rq.close.reason.shown":          {"Skäl", "Reason"},
	"rq.letter.extension":            {"Brev om förlängningen", "Letter about the extension"},
	"rq.letter.refusal":              {"Brev om avslaget", "Letter about the refusal"},
	"rq.letter.help":                 {"Skicka brevet till personen. Det nämner ingen e-postadress.", "Send the letter to the person. It names no e-mail address."},
	"rq.letter.subject":              {"Ämne", "Subject"},
	"ok.request_closed":              {"Begäran är avslutad.", "The request is closed."},
	"ok.request_assigned":            {"Handläggaren är sparad.", "The assignee is saved."},
	"ok.request_noted":               {"Anteckningen är sparad.", "The note is saved."},
	"ok.request_settings":            {"Inställningarna är sparade.", "The settings are saved."},
	"count.earlier_requests_reduced": {"Tidigare begäranden där e-postadressen togs bort", "Earlier requests whose e-mail address was removed"},
	"count.earlier_exports_retired":  {"Tidigare exporter som togs bort", "Earlier exports deleted"},
	"rqs.title":                      {"Inställningar för begäranden", "Request settings"},
	"rqs.link":                       {"Inställningar för registerutdrag", "Settings for data exports"},
	"rqs.intro":                      {"Tidszonen och informationen enligt artikel 15.1 som varje registerutdrag visar. Tomma fält visas inte.", "The time zone and the Article 15(1) information every data export shows. Empty fields are left out."},
	"rqs.tz":                         {"Tidszon", "Time zone"},
	"rqs.tz.help":                    {"T.ex. Europe/Stockholm. Tider i utdrag och brev visas i den.", "E.g. Europe/Stockholm. Times in exports and letters are shown in it."},
	"rqs.save":                       {"Spara inställningarna", "Save the settings"},
	"rqs.admin":                      {"Bara administratörer kan ändra inställningarna.", "Only administrators can change the settings."},
	"rqs.f.controller":               {"Personuppgiftsansvarig (namn och kontakt)", "Controller (name and contact)"},
	"rqs.f.dpo_contact":              {"Dataskyddsombud", "Data-protection officer"},
	"rqs.f.purposes":                 {"Ändamål och rättslig grund (a)", "Purposes and legal basis (a)"},
	"rqs.f.categories":               {"Kategorier av personuppgifter (b)", "Categories of personal data (b)"},
	"rqs.f.recipients":               {"Mottagare (c)", "Recipients (c)"},
	"rqs.f.retention":                {"Lagringstid (d)", "Retention period (d)"},
	"rqs.f.rights":                   {"Rättigheter (e)", "Rights (e)"},
	"rqs.f.complaint":                {"Tillsynsmyndighet för klagomål (f)", "Supervisory authority for complaints (f)"},
	"rqs.f.source":                   {"Varifrån uppgifterna kommer (g)", "Source of the data (g)"},
	"rqs.f.automated":                {"Automatiserat beslutsfattande (h)", "Automated decision-making (h)"},

	// Texts for the request service's reason codes (takeout.ReasonCodes).
	"rqerr.kind_invalid":            {"Välj om begäran gäller registerutdrag eller radering.", "Choose whether the request is for an export or an erasure."},
	"rqerr.email_invalid":           {"Skriv personens e-postadress, t.ex. namn@exempel.se.", "Write the person's e-mail address, e.g. name@example.com."},
	"rqerr.modules_invalid":         {"Välj bland de moduler och kanaler som finns.", "Choose among the modules and channels that exist."},
	"rqerr.forum_action_invalid":    {"Välj om foruminläggen ska raderas eller anonymiseras (bara vid radering).", "Choose whether forum posts are deleted or anonymized (erasure only)."},
	"rqerr.note_invalid":            {"Anteckningen om kontrollen får vara högst 500 tecken.", "The note on the verification may be at most 500 characters."},
	"rqerr.attestation_required":    {"Bekräfta att ni har kontrollerat personens identitet.", "Confirm that you have verified the person's identity."},
	"rqerr.method_required":         {"Välj hur identiteten kontrollerades.", "Choose how the identity was verified."},
	"rqerr.note_required":           {"Beskriv i anteckningen hur identiteten kontrollerades när du väljer Annat sätt.", "Describe in the note how the identity was verified when you choose Other."},
	"rqerr.channels_missing":        {"Du är inte redaktör för alla kanaler som begäran gäller. Du saknar: %s. Be en administratör göra begäran eller ge dig behörighet.", "You are not an editor of every channel the request covers. You lack: %s. Ask an administrator to make the request or to give you access."},
	"rqerr.no_channels":             {"Begäran omfattar inga kanaler, bara uppgifter på personnivå: bara en administratör kan göra den.", "The request covers no channel, only person-level data: only an administrator can make it."},
	"rqerr.deadline_passed":         {"Sista dagen har redan passerat, så tidsfristen kan inte förlängas längre (art. 12.3). Besvara begäran nu.", "The due date has already passed, so the deadline can no longer be extended (Art. 12(3)). Answer the request now."},
	"rqerr.extension_max":           {"Tidsfristen får förlängas med högst två månader totalt.", "The deadline may be extended by at most two months in total."},
	"rqerr.extension_months":        {"Välj en eller två månader.", "Choose one or two months."},
	"rqerr.reason_required":         {"Skriv ett skäl (högst 1 000 tecken).", "Write a reason (at most 1,000 characters)."},
	"rqerr.request_closed":          {"Begäran är redan avslutad eller behandlas; ladda om sidan.", "The request is already finished or being processed; reload the page."},
	"rqerr.request_busy":            {"Begäran behandlas just nu. Försök igen om en stund.", "The request is being processed right now. Try again in a while."},
	"rqerr.assignee_lacks_channels": {"Den personen kan inte handlägga begäran: hen är inaktiv eller inte redaktör för alla kanaler i den.", "That person cannot handle the request: they are inactive or not an editor of every channel in it."},
	"rqerr.unknown_time_zone":       {"Okänd tidszon. Skriv t.ex. Europe/Stockholm.", "Unknown time zone. Write e.g. Europe/Stockholm."},
	"rqerr.idempotency_key_invalid": {"Idempotensnyckeln får vara högst 200 tecken.", "The idempotency key may be at most 200 characters."},
	"rqerr.not_confirmed":           {"Kryssa i rutan för att bekräfta.", "Tick the box to confirm."},
	"rqerr.preview_stale":           {"Uppgifterna har ändrats sedan förhandsvisningen. Granska den nya förhandsvisningen och bekräfta igen.", "The data changed since the preview. Review the new preview and confirm again."},
	"rqerr.no_letter":               {"Det finns inget sådant brev för den här begäran.", "There is no such letter for this request."},
	"rqerr.request_reduced":         {"Begäran misslyckades för länge sedan och e-postadressen är borttagen. Gör en ny begäran.", "The request failed long ago and its e-mail address is removed. Make a new request."},
	"rqerr.person_data_admin_only":  {"Exporten innehåller uppgifter på personnivå: bara en administratör kan ladda ner den.", "The export holds person-level data: only an administrator can download it."},
	"rqerr.no_artefact":             {"Det finns ingen exportfil att ladda ner (inte klar, eller borttagen).", "There is no export file to download (not finished, or removed)."},
	"rqerr.not_completed":           {"Kvittot finns när begäran är klar.", "The receipt exists once the request is completed."},
}

// userError says a refused request action in the user's language: the text
// of the error's reason code, the missing channels by name; else the
// generic text of its error code. The API keeps the English message.
func userError(l *lang, err error, channelNames ...map[int64]string) string {
	d := gallra.ErrorDetails(err)
	if code, ok := d["reason_code"].(string); ok && l.has("rqerr."+code) {
		if code == "channels_missing" {
			var names []string
			ids, _ := d["missing_channel_ids"].([]int64)
			for _, id := range ids {
				n := ""
				if len(channelNames) > 0 {
					n = channelNames[0][id]
				}
				if n == "" {
					n = fmt.Sprintf("#%d", id)
				}
				names = append(names, n)
			}
			return l.T("rqerr."+code, strings.Join(names, ", "))
		}
		return l.T("rqerr." + code)
	}
	return l.T("err.text." + gallra.ErrorCode(err))
}
