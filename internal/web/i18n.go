package web

import (
	"fmt"
	"strconv"
	"strings"
)

// lang is one UI language: its messages and number format.
type lang struct {
	code string
	msgs map[string]string
}

// T returns the message for key, formatted with args (fmt verbs). A missing
// key shows the key itself, which TestCatalogComplete catches.
func (l *lang) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

func (l *lang) has(key string) bool { _, ok := l.msgs[key]; return ok }

// Tr translates prefix+key, or shows key itself when it is a value this UI
// has no translation for (e.g. a new purge trigger).
func (l *lang) Tr(prefix, key string) string {
	if l.has(prefix + key) {
		return l.T(prefix + key)
	}
	return key
}

// Count names a request result count ("forum_posts_deleted"), or shows the
// key when it is one this UI does not know yet.
func (l *lang) Count(key string) string {
	if l.has("count." + key) {
		return l.T("count." + key)
	}
	return strings.ReplaceAll(key, "_", " ")
}

// N formats an integer with the language's thousands separator: "1 240" in
// Swedish (a non-breaking space), "1,240" in English.
func (l *lang) N(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if l.code == "sv" {
		sep = "\u00a0"
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// catalogs holds the UI languages, built once from messages.
var catalogs = func() map[string]*lang {
	sv, en := map[string]string{}, map[string]string{}
	for k, v := range allMessages() {
		sv[k], en[k] = v[0], v[1]
	}
	return map[string]*lang{"sv": {code: "sv", msgs: sv}, "en": {code: "en", msgs: en}}
}()

// messages maps each key to its Swedish and English text.
var messages = map[string][2]string{
	"skip":         {"Hoppa till innehållet", "Skip to content"},
	"foot":         {"Gallra · personuppgifterna hanteras av systemet självt, och allt loggas spårbart.", "Gallra · personal data handled by the system itself, logged and traceable."},
	"nav.label":    {"Huvudmeny", "Main menu"},
	"nav.overview": {"Översikt", "Overview"},
	"nav.settings": {"Gallringsinställningar", "Privacy settings"},
	"nav.requests": {"Begäranden", "Requests"},
	"nav.audit":    {"Granskningslogg", "Audit log"},
	"nav.admin":    {"Kanaler och personal", "Channels and staff"},
	"nav.logout":   {"Logga ut", "Sign out"},
	"role.admin":   {"administratör", "admin"},
	"role.editor":  {"redaktör", "editor"},

	"module.forum":     {"Forum", "Forum"},
	"module.mail":      {"E-post", "Mail"},
	"module.chat":      {"Chatt", "Chat"},
	"module.social":    {"Sociala medier", "Social media"},
	"module.knowledge": {"Kunskapsbank", "Knowledge base"},

	"login.title":       {"Logga in", "Sign in"},
	"login.intro":       {"Logga in med din e-postadress och ditt lösenord.", "Sign in with your e-mail address and password."},
	"login.email":       {"E-postadress", "E-mail address"},
	"login.password":    {"Lösenord", "Password"},
	"login.submit":      {"Logga in", "Sign in"},
	"login.help":        {"Inget lösenord än? Be en administratör om en inloggningslänk.", "No password yet? Ask an admin for a sign-in link."},
	"login.failed":      {"Fel e-postadress eller lösenord.", "Wrong e-mail address or password."},
	"login.ratelimited": {"För många försök. Vänta en minut och försök igen.", "Too many attempts. Wait a minute and try again."},
	"login.busy":        {"Inloggningen är hårt belastad just nu. Vänta några sekunder och försök igen.", "Sign-in is very busy right now. Wait a few seconds and try again."},
	"ok.bye":            {"Du är utloggad.", "You are signed out."},

	"link.title":      {"Välj lösenord", "Choose a password"},
	"link.intro":      {"Hej %s (%s)! Välj ett lösenord för att logga in i Gallra. Länken fungerar en gång.", "Hello %s (%s)! Choose a password to sign in to Gallra. This link works once."},
	"link.password":   {"Nytt lösenord", "New password"},
	"link.password2":  {"Upprepa lösenordet", "Repeat the password"},
	"link.rules":      {"Minst 10 tecken. En mening du minns är ett bra lösenord.", "At least 10 characters. A sentence you remember makes a good password."},
	"link.submit":     {"Spara lösenord och logga in", "Save password and sign in"},
	"link.mismatch":   {"Lösenorden är inte likadana.", "The passwords do not match."},
	"link.tooshort":   {"Lösenordet måste ha minst 10 och högst 200 tecken.", "The password must have at least 10 and at most 200 characters."},
	"ok.password_set": {"Ditt lösenord är sparat och du är inloggad.", "Your password is saved and you are signed in."},

	"err.invalid":            {"Felaktiga uppgifter", "Invalid input"},
	"err.unauthorized":       {"Inte inloggad", "Not signed in"},
	"err.forbidden":          {"Inte tillåtet", "Not allowed"},
	"err.not_found":          {"Hittades inte", "Not found"},
	"err.conflict":           {"Konflikt", "Conflict"},
	"err.unprocessable":      {"Går inte att genomföra", "Cannot be done"},
	"err.too_large":          {"För stort", "Too large"},
	"err.rate_limited":       {"För många försök", "Too many attempts"},
	"err.unavailable":        {"Tillfälligt otillgängligt", "Temporarily unavailable"},
	"err.internal":           {"Något gick fel", "Something went wrong"},
	"err.text.invalid":       {"Något i formuläret var inte ifyllt rätt. Gå tillbaka och försök igen.", "Something in the form was not filled in correctly. Go back and try again."},
	"err.text.forbidden":     {"Du har inte behörighet till den här sidan eller åtgärden.", "You are not allowed to open this page or do this."},
	"err.text.not_found":     {"Det du letade efter finns inte (längre), eller så är länken fel.", "What you were looking for does not exist (any more), or the link is wrong."},
	"err.text.conflict":      {"Det går inte just nu eftersom något annat redan har ändrats eller pågår.", "This cannot be done now because something else has changed or is in progress."},
	"err.text.unprocessable": {"Det här går inte att genomföra.", "This cannot be done."},
	"err.text.rate_limited":  {"För många försök. Vänta en minut och försök igen.", "Too many attempts. Wait a minute and try again."},
	"err.text.internal":      {"Ett oväntat fel inträffade. Försök igen om en stund; kvarstår felet, kontakta leverantören.", "An unexpected error occurred. Try again in a while; if it persists, contact your provider."},
	"err.text.unauthorized":  {"Du behöver logga in.", "You need to sign in."},
	"err.text.too_large":     {"Det du skickade är för stort.", "What you sent is too large."},
	"err.text.unavailable":   {"Databasen svarar inte just nu. Försök igen om en stund.", "The database is not answering right now. Try again in a while."},
	"err.detail":             {"Detaljer", "Details"},
	"err.home":               {"Till översikten", "Back to the overview"},
	"err.login":              {"Till inloggningen", "To the sign-in page"},

	// Overview.
	"ov.title":               {"Översikt", "Overview"},
	"ov.intro":               {"Vad som sparas, vad som gallras snart och vilka begäranden som väntar.", "What is kept, what will be purged soon and which requests are waiting."},
	"ov.channels":            {"Kanaler och gallring", "Channels and purging"},
	"ov.channel":             {"Kanal", "Channel"},
	"ov.module":              {"Modul", "Module"},
	"ov.policy":              {"Inställning", "Setting"},
	"ov.due7":                {"Gallras inom 7 dagar", "Purged within 7 days"},
	"ov.due30":               {"Gallras inom 30 dagar", "Purged within 30 days"},
	"ov.nopurge.social":      {"Gallras inte automatiskt (plattformen är källan)", "Not purged automatically (the platform is the source)"},
	"ov.nopurge.knowledge":   {"Inga kunduppgifter", "No customer data"},
	"ov.runs":                {"Senaste gallringarna", "Latest purge runs"},
	"ov.noruns":              {"Ingen gallring har körts än.", "No purge has run yet."},
	"ov.requests":            {"Öppna begäranden", "Open requests"},
	"ov.norequests":          {"Inga öppna begäranden.", "No open requests."},
	"ov.nochannels":          {"Du har inga kanaler än.", "You have no channels yet."},
	"ov.run.started":         {"Startad", "Started"},
	"ov.run.status":          {"Status", "Status"},
	"ov.run.anon":            {"Anonymiserade", "Anonymized"},
	"ov.run.deleted":         {"Raderade", "Deleted"},
	"ov.run.held":            {"Spärrade (hoppades över)", "On hold (skipped)"},
	"ov.run.trigger":         {"Startades av", "Triggered by"},
	"run.trigger.cli":        {"Kommandorad", "Command line"},
	"run.trigger.schedule":   {"Schemalagd", "Schedule"},
	"run.trigger.api":        {"API", "API"},
	"run.status.done":        {"Klar", "Done"},
	"run.status.running":     {"Pågår", "Running"},
	"run.status.failed":      {"Misslyckades", "Failed"},
	"run.status.interrupted": {"Avbruten", "Interrupted"},
	"ov.editor_scope":        {"Du ser de kanaler du är redaktör för.", "You see the channels you are an editor of."},

	// Policies.
	"pol.never":                {"Gallra aldrig automatiskt", "Never purge automatically"},
	"pol.anonymize":            {"Anonymisera efter %s", "Anonymize after %s"},
	"pol.delete":               {"Radera efter %s", "Delete after %s"},
	"pol.source.channel":       {"egen inställning", "own setting"},
	"pol.source.organisation":  {"standard för modulen", "module default"},
	"pol.source.shipped":       {"standard för modulen", "module default"},
	"pol.default.organisation": {"vald av er", "set by your organisation"},
	"pol.default.shipped":      {"förinställd i Gallra", "Gallra's preset"},
	"pol.capped":               {"begränsad av leverantörens maxtid %s", "limited by the processor's cap of %s"},
	"unit.d.1":                 {"%d dag", "%d day"},
	"unit.d.n":                 {"%d dagar", "%d days"},
	"unit.m.1":                 {"%d månad", "%d month"},
	"unit.m.n":                 {"%d månader", "%d months"},
	"unit.y.1":                 {"%d år", "%d year"},
	"unit.y.n":                 {"%d år", "%d years"},

	// Settings list.
	"set.title":                 {"Gallringsinställningar", "Privacy settings"},
	"set.intro":                 {"Bestäm hur länge personuppgifter sparas i varje kanal. Innan något sparas ser du exakt vad ändringen gallrar, och du får bekräfta.", "Decide how long personal data is kept in each channel. Before anything is saved you see exactly what the change will purge, and you confirm it."},
	"set.defaults":              {"Standard per modul", "Module defaults"},
	"set.defaults.help":         {"Kanaler utan egen inställning följer modulens standard.", "Channels without their own setting follow the module default."},
	"set.channels":              {"Kanaler", "Channels"},
	"set.change":                {"Ändra", "Change"},
	"set.change.for":            {"Ändra inställningen för %s", "Change the setting of %s"},
	"set.social":                {"Sociala medier gallras inte här: den externa plattformen är källan. Det som raderas där försvinner även här.", "Social media is not purged here: the external platform is the source. What is deleted there disappears here too."},
	"set.knowledge":             {"Kunskapsbanker innehåller bara artiklar skrivna av personalen, inga kunduppgifter.", "Knowledge bases hold only staff-written articles, no customer data."},
	"set.holds":                 {"Spärrar (legal hold)", "Legal holds"},
	"set.holds.help":            {"En spärrad tråd eller konversation hoppas över av all gallring tills spärren hävs.", "A held topic or conversation is skipped by every purge until the hold is released."},
	"set.noholds":               {"Inga spärrar.", "No legal holds."},
	"set.hold.what":             {"Vad", "What"},
	"set.hold.since":            {"Sedan", "Since"},
	"set.hold.reason":           {"Skäl", "Reason"},
	"set.hold.release":          {"Häv spärren", "Release hold"},
	"set.hold.release.for":      {"Häv spärren för %s %d", "Release the hold on %s %d"},
	"ok.hold_released":          {"Spärren är hävd. Innehållet gallras när det är dags.", "The hold is released. The content will be purged when due."},
	"ok.hold_set":               {"Spärren är lagd. Innehållet hoppas över av all gallring tills spärren hävs.", "The hold is placed. The content is skipped by every purge until the hold is released."},
	"set.holds.where":           {"Spärrar läggs på sidan för kanalens gallring.", "Holds are placed on the channel's purging page."},
	"hold.title":                {"Spärrar i den här kanalen", "Legal holds in this channel"},
	"hold.place":                {"Lägg en spärr", "Place a legal hold"},
	"hold.place.help":           {"Använd spärr när innehållet kan behövas som bevis, till exempel i ett överklagande eller en tvist.", "Use a hold when the content may be needed as evidence, for example in an appeal or a dispute."},
	"hold.id.forum_topic":       {"Trådens nummer", "Topic number"},
	"hold.id.mail_conversation": {"Konversationens nummer", "Conversation number"},
	"hold.id.chat_conversation": {"Chattens nummer", "Chat number"},
	"hold.reason":               {"Skäl", "Reason"},
	"hold.reason.help":          {"Skälet visas i listan över spärrar. Skriv inga personuppgifter.", "The reason is shown in the list of holds. Do not write personal data."},
	"hold.submit":               {"Lägg spärr", "Place hold"},
	"hold.latest":               {"Senaste i kanalen", "Latest in the channel"},
	"hold.latest.title":         {"Rubrik", "Title"},
	"hold.latest.when":          {"Senaste aktivitet", "Last activity"},
	"hold.latest.none":          {"Kanalen är tom.", "The channel is empty."},
	"hold.choose":               {"Spärra…", "Hold…"},
	"hold.choose.for":           {"Spärra %s %d", "Hold %s %d"},
	"hold.held":                 {"Spärrad", "On hold"},
	"hold.notitle":              {"(chatt)", "(chat)"},
	"hold.err.id":               {"Skriv numret på tråden eller konversationen.", "Enter the number of the topic or conversation."},
	"hold.err.reason":           {"Skriv ett skäl till spärren.", "Write a reason for the hold."},
	"hold.err.notfound":         {"%s %d finns inte i %s.", "%s %d is not in %s."},
	"hold.err.held":             {"%s %d är redan spärrad.", "%s %d is already on hold."},
	"subject.forum_topic":       {"Forumtråd", "Forum topic"},
	"subject.mail_conversation": {"E-postkonversation", "Mail conversation"},
	"subject.chat_conversation": {"Chatt", "Chat"},

	// Policy form.
	"pf.title.channel":      {"Gallring för %s", "Purging for %s"},
	"pf.title.default":      {"Standard för %s", "Default for %s"},
	"pf.current":            {"Nu gäller", "Currently"},
	"pf.follow":             {"Följ modulens standard (%s)", "Follow the module default (%s)"},
	"pf.own":                {"Egen inställning", "Own setting"},
	"pf.mode":               {"Vilken inställning ska gälla?", "Which setting applies?"},
	"pf.keep":               {"Hur länge sparas uppgifterna?", "How long is the data kept?"},
	"pf.keep.period":        {"Spara i", "Keep for"},
	"pf.amount":             {"Antal", "Amount"},
	"pf.unit":               {"Enhet", "Unit"},
	"pf.unit.d":             {"dagar", "days"},
	"pf.unit.m":             {"månader", "months"},
	"pf.unit.y":             {"år", "years"},
	"pf.never":              {"Gallra aldrig automatiskt", "Never purge automatically"},
	"pf.action":             {"Vad händer när tiden har gått?", "What happens then?"},
	"pf.action.anonymize":   {"Anonymisera: namn, e-post och IP-adress tas bort, inlägget finns kvar för andra att läsa", "Anonymize: name, e-mail and IP address are removed, the post stays readable for others"},
	"pf.action.delete":      {"Radera hela inlägget eller konversationen", "Delete the whole post or conversation"},
	"pf.action.only_delete": {"I den här modulen raderas hela konversationen.", "In this module the whole conversation is deleted."},
	"pf.cap":                {"Leverantörens maxtid för %s är %s. En längre tid nekas.", "The processor's cap for %s is %s. A longer period is refused."},
	"pf.preview":            {"Förhandsgranska ändringen", "Preview the change"},
	"pf.cancel":             {"Avbryt", "Cancel"},
	"pf.readonly":           {"Bara administratörer kan ändra lagringstiden. Du kan förhandsgranska vad en ändring skulle innebära och be en administratör att spara den.", "Only administrators can change how long data is kept. You can preview what a change would mean and ask an administrator to save it."},
	"pf.text":               {"Text som kunderna ser", "Text your customers see"},
	"pf.text.help":          {"Den här texten visas i kanalen och följer alltid inställningen, på båda språken.", "This text is shown in the channel and always matches the setting, in both languages."},
	"pf.text.sv":            {"Svenska", "Swedish"},
	"pf.text.en":            {"Engelska", "English"},
	"pf.text.none":          {"Ingen text visas för den här modulen.", "No text is shown for this module."},
	"pf.refused":            {"Inställningen kan inte sparas", "The setting cannot be saved"},
	"pf.clock.forum":        {"Tiden räknas från när inlägget skrevs.", "The period counts from when the post was written."},
	"pf.clock.mail":         {"Tiden räknas från konversationens senaste meddelande.", "The period counts from the conversation's last message."},
	"pf.clock.chat":         {"Tiden räknas från när chatten stängdes.", "The period counts from when the chat was closed."},

	// Confirm page.
	"pc.title":                    {"Bekräfta ändringen", "Confirm the change"},
	"pc.from":                     {"Från", "From"},
	"pc.to":                       {"Till", "To"},
	"pc.now":                      {"Det sker vid nästa gallring, strax efter att du har sparat.", "This happens at the next purge run, shortly after you save."},
	"pc.soon":                     {"Inom 30 dagar blir ytterligare %s aktuella för gallring.", "Within 30 days, %s more become due."},
	"pc.anonymize":                {"Om du sparar anonymiseras %s inlägg", "Saving this will anonymize %s posts"},
	"pc.delete.forum_post":        {"Om du sparar raderas %s inlägg", "Saving this will delete %s posts"},
	"pc.delete.mail_conversation": {"Om du sparar raderas %s e-postkonversationer", "Saving this will delete %s mail conversations"},
	"pc.delete.chat_conversation": {"Om du sparar raderas %s chattar", "Saving this will delete %s chats"},
	"pc.held":                     {"%s spärrade objekt (legal hold) hoppas över.", "%s items on legal hold are skipped."},
	"pc.nothing":                  {"Inget gallras direkt av den här ändringen.", "Nothing is purged right away by this change."},
	"pc.headline":                 {"Om du sparar detta anonymiseras eller raderas %s objekt.", "Saving this will anonymize or delete %s items."},
	"pc.irreversible":             {"Raderade uppgifter går inte att få tillbaka.", "Deleted data cannot be recovered."},
	"pc.confirm":                  {"Ja, spara inställningen", "Yes, save the setting"},
	"pc.confirm.check":            {"Jag förstår vad som gallras", "I understand what will be purged"},
	"pc.back":                     {"Tillbaka och ändra", "Back and change"},
	"pc.channels":                 {"Berörda kanaler", "Channels affected"},
	"ok.policy_saved":             {"Inställningen är sparad.", "The setting is saved."},
	"pc.stale":                    {"Förhandsgranskningen är inaktuell. Granska igen.", "The preview is out of date. Preview again."},

	// Requests.
	"rq.title":              {"Begäranden från registrerade", "Data-subject requests"},
	"rq.intro":              {"Registerutdrag (art. 15 och 20) och radering (art. 17). Besvara inom en månad.", "Takeout (Art. 15 and 20) and erasure (Art. 17). Answer within one month."},
	"rq.new":                {"Ny begäran", "New request"},
	"rq.kind":               {"Typ av begäran", "Kind of request"},
	"rq.kind.export":        {"Registerutdrag (export)", "Takeout (export)"},
	"rq.kind.erase":         {"Radering", "Erasure"},
	"rq.email":              {"Personens e-postadress", "The person's e-mail address"},
	"rq.modules":            {"Moduler", "Modules"},
	"rq.modules.help":       {"Välj var personens uppgifter ska sökas. Du måste vara redaktör för alla berörda kanaler.", "Choose where to look for the person's data. You must be an editor of every channel concerned."},
	"rq.forum_action":       {"Forum: vad ska hända med personens inlägg?", "Forum: what happens to the person's posts?"},
	"rq.forum.delete":       {"Radera inläggen", "Delete the posts"},
	"rq.forum.anonymize":    {"Anonymisera inläggen (texten finns kvar)", "Anonymize the posts (the text stays)"},
	"rq.method":             {"Hur identiteten kontrollerades", "How the identity was verified"},
	"rq.method.phone_call":  {"Ringde upp på känt nummer", "Called back on a known number"},
	"rq.method.email_reply": {"Bekräftat från samma e-postadress", "Confirmed from the same e-mail address"},
	"rq.method.in_person":   {"Träffade personen och kontrollerade legitimation", "Met the person and checked an ID document"},
	"rq.method.e_id":        {"E-legitimation (t.ex. BankID)", "Electronic ID (e.g. BankID)"},
	"rq.method.other":       {"Annat sätt (beskriv nedan)", "Other (describe below)"},
	"rq.note":               {"Anteckning om kontrollen (frivillig, krävs vid Annat sätt)", "Note on the verification (optional, required for Other)"},
	"rq.note.help":          {"Skriv inga personuppgifter här.", "Do not write personal data here."},
	"rq.attest":             {"Vi har bekräftat personens identitet.", "We have verified the person's identity."},
	"rq.submit":             {"Skicka begäran", "Submit request"},
	"rq.list":               {"Alla begäranden", "All requests"},
	"rq.none":               {"Inga begäranden än.", "No requests yet."},
	"rq.col.id":             {"Nr", "No."},
	"rq.col.kind":           {"Typ", "Kind"},
	"rq.col.status":         {"Status", "Status"},
	"rq.col.received":       {"Mottagen", "Received"},
	"rq.col.due":            {"Sista dag", "Due"},
	"rq.col.items":          {"Objekt", "Items"},
	"rq.overdue":            {"Försenad", "Overdue"},
	"rq.status.received":    {"Mottagen", "Received"},
	"rq.status.processing":  {"Behandlas", "Processing"},
	"rq.status.completed":   {"Klar", "Completed"},
	"rq.status.failed":      {"Misslyckades", "Failed"},
	"rq.status.cancelled":   {"Avbruten", "Cancelled"},
	"rq.show":               {"Begäran nr %d", "Request no. %d"},
	"rq.download":           {"Ladda ner exporten (ZIP)", "Download the export (ZIP)"},
	"rq.download.gone":      {"Exportfilen har tagits bort (den sparas en begränsad tid).", "The export file has been removed (it is kept for a limited time)."},
	"rq.download.until":     {"Kan laddas ner till %s.", "Can be downloaded until %s."},
	"rq.receipt":            {"Kvitto till personen", "Receipt for the person"},
	"rq.receipt.help":       {"Skicka kvittot till personen som svar på begäran.", "Send the receipt to the person as the answer to the request."},
	"rq.counts":             {"Resultat", "Result"},
	"rq.mentions":           {"Omnämnanden att granska", "Mentions to review"},
	"rq.mentions.help":      {"Andra personers inlägg som nämner personens e-postadress eller telefonnummer. De exporteras eller raderas inte automatiskt: granska dem.", "Other people's items that mention the person's e-mail or phone number. They are not exported or erased automatically: review them."},
	"rq.error":              {"Fel", "Error"},
	"rq.email.kept":         {"E-postadressen sparas tills begäran är klar.", "The e-mail address is kept until the request is finished."},
	"rq.email.gone":         {"E-postadressen är borttagen; bara ett hashvärde av den finns kvar.", "The e-mail address is removed; only a keyed hash remains."},
	"rq.verified":           {"Identitet kontrollerad", "Identity verified"},
	"rq.by":                 {"Registrerad av", "Recorded by"},
	"ok.request_created":    {"Begäran är registrerad.", "The request is recorded."},
	"rq.print":              {"Skriv ut", "Print"},
	"rq.back":               {"Till alla begäranden", "To all requests"},
	"rq.scope":              {"Omfattning", "Scope"},
	"rq.finished":           {"Avslutad", "Finished"},
	"rq.handle":             {"Hantera begäran", "Handle the request"},
	"rq.ext.title":          {"Förläng tidsfristen", "Extend the deadline"},
	"rq.ext.help":           {"Om begäran är komplicerad eller om ni har fått många begäranden får tidsfristen förlängas med högst två månader totalt (art. 12.3). Meddela personen förlängningen och skälet inom en månad från att begäran kom in.", "If the request is complex or you have received many requests, the deadline may be extended by at most two months in total (Art. 12(3)). Tell the person about the extension and the reason within one month of receiving the request."},
	"rq.ext.used":           {"Redan förlängd med %s.", "Already extended by %s."},
	"rq.ext.by":             {"Förläng med", "Extend by"},
	"rq.ext.option":         {"%s (ny sista dag %s)", "%s (new due date %s)"},
	"rq.ext.reason":         {"Skäl till förlängningen", "Reason for the extension"},
	"rq.ext.reason.help":    {"Skälet sparas med begäran och ska meddelas personen. Skriv inga personuppgifter.", "The reason is kept with the request and must be given to the person. Do not write personal data."},
	"rq.ext.reason.shown":   {"Skäl till förlängningen", "Reason for the extension"},
	"rq.ext.confirm":        {"Jag bekräftar förlängningen och att personen får veta skälet.", "I confirm the extension and that the person will be told the reason."},
	"rq.ext.submit":         {"Förläng tidsfristen", "Extend the deadline"},
	"rq.ext.badge":          {"förlängd %s", "extended by %s"},
	"rq.ext.err.months":     {"Välj om tidsfristen ska förlängas med en eller två månader.", "Choose whether to extend the deadline by one or two months."},
	"rq.ext.err.reason":     {"Skriv ett skäl till förlängningen.", "Write a reason for the extension."},
	"rq.ext.err.confirm":    {"Kryssa i rutan för att bekräfta förlängningen.", "Tick the box to confirm the extension."},
	"rq.ext.err.max":        {"Tidsfristen får förlängas med högst %d månader totalt.", "The deadline may be extended by at most %d months in total."},
	"rq.ext.err.closed":     {"Begäran är redan avslutad och kan inte förlängas.", "The request is already finished and cannot be extended."},
	"ok.request_extended":   {"Tidsfristen är förlängd.", "The deadline is extended."},
	"rq.cancel.title":       {"Avbryt begäran", "Cancel the request"},
	"rq.cancel.help":        {"Begäran avslutas utan att genomföras och e-postadressen ersätts av ett hashvärde. Det går inte att ångra.", "The request is closed without being carried out and the e-mail address is replaced by a hash. This cannot be undone."},
	"rq.cancel.help.erase":  {"Det som redan har raderats förblir raderat.", "What has already been erased stays erased."},
	"rq.cancel.confirm":     {"Ja, avbryt begäran nr %d", "Yes, cancel request no. %d"},
	"rq.cancel.submit":      {"Avbryt begäran", "Cancel the request"},
	"rq.cancel.err.confirm": {"Kryssa i rutan för att bekräfta att begäran ska avbrytas.", "Tick the box to confirm that the request is to be cancelled."},
	"rq.cancel.err.state":   {"Begäran kan inte avbrytas längre: den behandlas eller är redan avslutad.", "The request can no longer be cancelled: it is being processed or already finished."},
	"ok.request_cancelled":  {"Begäran är avbruten.", "The request is cancelled."},
	"rq.rerun":              {"Kör igen", "Run again"},
	"rq.rerun.help":         {"Fortsätter där behandlingen stannade.", "Continues where processing stopped."},
	"rq.rerun.err.busy":     {"Begäran behandlas redan. Försök igen om en stund.", "The request is already being processed. Try again in a while."},
	"ok.request_rerun":      {"Begäran har körts igen.", "The request has been run again."},

	// Audit.
	"au.title":      {"Granskningslogg", "Audit log"},
	"au.intro":      {"Varje ändring och gallring loggas, med id och antal men utan personuppgifter. Loggen är kedjad med hashvärden så att ändringar i efterhand syns.", "Every change and purge is logged, with ids and counts but no personal data. The log is chained with hashes so that later tampering shows."},
	"au.ok":         {"Kedjan är obruten: %s poster kontrollerade.", "The chain is intact: %s entries verified."},
	"au.broken":     {"Kedjan är bruten! %d problem hittades. Kontakta leverantören.", "The chain is broken! %d problems found. Contact your processor."},
	"au.filter":     {"Filtrera", "Filter"},
	"au.action":     {"Händelse", "Action"},
	"au.action.all": {"Alla händelser", "All actions"},
	"au.actor":      {"Utförd av", "Actor"},
	"au.actor.all":  {"Alla", "Everyone"},
	"au.subject":    {"Gäller", "Subject"},
	"au.details":    {"Detaljer", "Details"},
	"au.when":       {"Tid", "Time"},
	"au.seq":        {"Nr", "No."},
	"au.apply":      {"Visa", "Show"},
	"au.older":      {"Äldre poster", "Older entries"},
	"au.newest":     {"Till de senaste", "To the newest"},
	"au.none":       {"Inga poster matchar.", "No entries match."},
	"au.system":     {"systemet", "the system"},
	"au.public":     {"besökare", "visitor"},
	"au.staff":      {"personal %d", "staff %d"},

	// Admin.
	"ad.title":               {"Kanaler och personal", "Channels and staff"},
	"ad.channels":            {"Kanaler", "Channels"},
	"ad.newchannel":          {"Ny kanal", "New channel"},
	"ad.ch.name":             {"Namn", "Name"},
	"ad.ch.module":           {"Modul", "Module"},
	"ad.ch.address":          {"Inkorgens adress (bara e-post)", "Inbox address (mail only)"},
	"ad.ch.create":           {"Skapa kanal", "Create channel"},
	"ad.ch.imap":             {"Hämta e-post (IMAP)", "Fetch mail (IMAP)"},
	"ad.ch.imap.for":         {"Hämta e-post med IMAP till %s", "Fetch mail over IMAP into %s"},
	"imap.title":             {"Hämta e-post till %s (IMAP)", "Fetch mail into %s (IMAP)"},
	"imap.back":              {"← Administration", "← Administration"},
	"imap.intro":             {"Om inkorgens e-post tas emot av en annan e-postserver hämtar Gallra den därifrån med IMAP med några minuters mellanrum. Lösenordet sparas krypterat och visas aldrig.", "If the inbox's mail is received by another mail server, Gallra fetches it from there over IMAP every few minutes. The password is stored encrypted and never shown."},
	"imap.state":             {"Läge", "Status"},
	"imap.state.status":      {"Hämtning", "Fetching"},
	"imap.state.on":          {"På", "On"},
	"imap.state.off":         {"Avstängd", "Off"},
	"imap.state.lastrun":     {"Senaste hämtning", "Last fetch"},
	"imap.state.never":       {"Aldrig", "Never"},
	"imap.state.counts":      {"Meddelanden", "Messages"},
	"imap.state.countsv":     {"%d hämtade, %d nekade (ligger kvar på servern)", "%d fetched, %d refused (left on the server)"},
	"imap.state.error":       {"Fel vid senaste hämtningen", "Error on the last fetch"},
	"imap.fetchnow":          {"Hämta nu", "Fetch now"},
	"imap.run.done":          {"Hämtningen är klar: %d hämtade, %d nekade, %d borttagna eller flyttade på servern.", "The fetch is done: %d fetched, %d refused, %d deleted or moved on the server."},
	"imap.run.failed":        {"Hämtningen misslyckades:", "The fetch failed:"},
	"imap.setup":             {"Koppla en brevlåda", "Connect a mailbox"},
	"imap.change":            {"Ändra inställningarna", "Change the settings"},
	"imap.host":              {"Server (värdnamn)", "Server (host name)"},
	"imap.port":              {"Port", "Port"},
	"imap.security":          {"Anslutning", "Connection"},
	"imap.security.tls":      {"TLS (vanligen port 993)", "TLS (usually port 993)"},
	"imap.security.starttls": {"STARTTLS (vanligen port 143)", "STARTTLS (usually port 143)"},
	"imap.security.none":     {"Okrypterad (bara till localhost)", "Unencrypted (localhost only)"},
	"imap.username":          {"Användarnamn", "User name"},
	"imap.password":          {"Lösenord", "Password"},
	"imap.password.help":     {"Använd gärna ett applösenord som bara ger åtkomst till e-posten.", "Prefer an app password that only gives access to mail."},
	"imap.password.keep":     {"Lämna tomt för att behålla det sparade lösenordet.", "Leave empty to keep the stored password."},
	"imap.folder":            {"Mapp", "Folder"},
	"imap.after":             {"Efter hämtningen, på servern", "After the fetch, on the server"},
	"imap.after.delete":      {"Radera meddelandet (rekommenderas: då gäller Gallras gallring även kopian)", "Delete the message (recommended: Gallra's retention then covers the copy too)"},
	"imap.after.move":        {"Flytta meddelandet till mappen nedan (servern måste själv gallra den)", "Move the message to the folder below (the server must purge it itself)"},
	"imap.after.keep":        {"Låt det ligga kvar (servern måste själv gallra det)", "Leave it (the server must purge it itself)"},
	"imap.moveto":            {"Mapp att flytta till", "Folder to move to"},
	"imap.enabled":           {"Hämta automatiskt", "Fetch automatically"},
	"imap.save":              {"Spara", "Save"},
	"imap.remove":            {"Koppla bort brevlådan", "Disconnect the mailbox"},
	"imap.remove.help":       {"Hämtningen upphör och det sparade lösenordet raderas. E-post som redan hämtats finns kvar i inkorgen.", "Fetching stops and the stored password is deleted. Mail already fetched stays in the inbox."},
	"imap.remove.button":     {"Koppla bort", "Disconnect"},
	"imap.err.form":          {"Inställningarna kunde inte sparas. Kontrollera fälten.", "The settings could not be saved. Check the fields."},
	"imap.err.nokey":         {"Installationen saknar en krypteringsnyckel för lösenord. Be driftansvarig att sätta GALLRA_SECRET_KEY.", "The installation has no encryption key for passwords. Ask the operator to set GALLRA_SECRET_KEY."},
	"imap.err.host":          {"Skriv serverns värdnamn, till exempel imap.example.se.", "Enter the server's host name, e.g. imap.example.se."},
	"imap.err.port":          {"Porten ska vara ett tal mellan 1 och 65535.", "The port must be a number between 1 and 65535."},
	"imap.err.security":      {"Välj TLS eller STARTTLS.", "Choose TLS or STARTTLS."},
	"imap.err.cleartext":     {"En okrypterad anslutning skickar lösenordet i klartext och är bara tillåten till localhost. Välj TLS eller STARTTLS.", "An unencrypted connection sends the password in clear and is only allowed to localhost. Choose TLS or STARTTLS."},
	"imap.err.username":      {"Skriv användarnamnet till brevlådan.", "Enter the mailbox's user name."},
	"imap.err.password":      {"Skriv lösenordet (högst 1024 tecken, på en rad).", "Enter the password (at most 1024 characters, on one line)."},
	"imap.err.folder":        {"Skriv mappens namn, till exempel INBOX.", "Enter the folder's name, e.g. INBOX."},
	"imap.err.move_to":       {"Skriv en annan mapp att flytta till än den som hämtas.", "Enter a folder to move to other than the one fetched."},
	"imap.err.after_import":  {"Välj vad som ska hända på servern efter hämtningen.", "Choose what happens on the server after the fetch."},
	"ok.imap_saved":          {"Inställningarna för IMAP är sparade.", "The IMAP settings are saved."},
	"ok.imap_removed":        {"Brevlådan är bortkopplad och lösenordet raderat.", "The mailbox is disconnected and the password deleted."},
	"ad.ch.conflict":         {"Adressen som inkorgen hade används av en äldre inkorg i en annan organisation, så e-post till den kommer inte hit. Välj en ny adress.", "The address this inbox had is used by an older inbox of another organisation, so mail to it does not arrive here. Choose a new address."},
	"ad.ch.newaddress":       {"Ny adress", "New address"},
	"ad.ch.setaddress":       {"Spara adressen", "Save the address"},
	"ad.staff":               {"Personal", "Staff"},
	"ad.invite":              {"Bjud in personal", "Invite staff"},
	"ad.st.name":             {"Namn", "Name"},
	"ad.st.email":            {"E-postadress", "E-mail address"},
	"ad.st.role":             {"Roll", "Role"},
	"ad.st.channels":         {"Redaktör för", "Editor of"},
	"ad.st.status":           {"Status", "Status"},
	"ad.st.active":           {"Aktiv", "Active"},
	"ad.st.inactive":         {"Inaktiverad", "Deactivated"},
	"ad.st.deleted":          {"Borttagen (uppgifterna raderade)", "Removed (data deleted)"},
	"ad.st.deactivate":       {"Inaktivera", "Deactivate"},
	"ad.st.activate":         {"Aktivera", "Activate"},
	"ad.st.link":             {"Ny inloggningslänk", "New sign-in link"},
	"ad.st.save":             {"Spara kanaler", "Save channels"},
	"ad.st.invite":           {"Bjud in", "Invite"},
	"ad.st.allchannels":      {"alla (administratör)", "all (admin)"},
	"ad.st.you":              {"du", "you"},
	"ad.link.title":          {"Inloggningslänk skapad", "Sign-in link created"},
	"ad.link.help":           {"Skicka länken till %s. Den fungerar en gång och i 7 dagar. Den visas bara nu.", "Send the link to %s. It works once, for 7 days. It is shown only now."},
	"ad.link.copy":           {"Inloggningslänk", "Sign-in link"},
	"ok.channel_created":     {"Kanalen är skapad.", "The channel is created."},
	"ok.address_set":         {"Inkorgens adress är sparad.", "The inbox address is saved."},
	"ok.staff_updated":       {"Personalen är uppdaterad.", "The staff user is updated."},
	"ok.membership_saved":    {"Kanalerna är sparade.", "The channels are saved."},

	"rq.attest.missing": {"Bekräfta att ni har kontrollerat personens identitet.", "Confirm that you have verified the person's identity."},

	"count.custom_fields":                    {"Egna fält", "Custom fields"},
	"count.forum_posts":                      {"Foruminlägg och kommentarer", "Forum posts and comments"},
	"count.mail_conversations":               {"E-postkonversationer", "E-mail conversations"},
	"count.mail_messages":                    {"E-postmeddelanden", "E-mail messages"},
	"count.mail_messages_own":                {"varav skrivna av personen", "of which written by the person"},
	"count.mail_attachments":                 {"Bifogade filer", "Attachments"},
	"count.chat_conversations":               {"Chattar", "Chats"},
	"count.chat_messages":                    {"Chattmeddelanden", "Chat messages"},
	"count.social_items":                     {"Inlägg i sociala medier", "Social media items"},
	"count.forum_posts_deleted":              {"Raderade foruminlägg", "Forum posts deleted"},
	"count.forum_posts_anonymized":           {"Anonymiserade foruminlägg", "Forum posts anonymized"},
	"count.forum_placeholders":               {"Inlägg ersatta med tom platshållare", "Posts replaced by an empty placeholder"},
	"count.forum_topics_deleted":             {"Raderade forumtrådar", "Forum topics deleted"},
	"count.mail_conversations_deleted":       {"Raderade e-postkonversationer", "E-mail conversations deleted"},
	"count.mail_messages_deleted":            {"Raderade e-postmeddelanden", "E-mail messages deleted"},
	"count.mail_attachments_deleted":         {"Raderade bifogade filer", "Attachments deleted"},
	"count.chat_conversations_deleted":       {"Raderade chattar", "Chats deleted"},
	"count.chat_messages_deleted":            {"Raderade chattmeddelanden", "Chat messages deleted"},
	"count.social_items_deleted":             {"Raderade inlägg i sociala medier (lokal kopia)", "Social media items deleted (local copy)"},
	"count.social_platform_deletions_queued": {"Begärda raderingar på den sociala plattformen", "Deletions requested on the social platform"},
	"count.custom_fields_deleted":            {"Raderade egna fält", "Custom fields deleted"},
	"count.forum_topics_detached":            {"Forumtrådar frikopplade från personen", "Forum topics detached from the person"},
	"count.person_deleted":                   {"Personposten raderad", "Person record deleted"},
	"count.retained_legal_hold":              {"Sparat på grund av spärr (legal hold)", "Kept under a legal hold"},
}
