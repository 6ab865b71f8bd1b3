package web

// allMessages merges the message tables.
func allMessages() map[string][2]string {
	tables := []map[string][2]string{messages, workspaceMessages, siteMessages, chatConsoleMessages, socialMessages,
		privacyMessages, requestMessages, personMessages, accessLogMessages, offboardingMessages,
		requestPreviewMessages, auditMessages,
	}
	n := 0
	for _, m := range tables {
		n += len(m)
	}
	out := make(map[string][2]string, n)
	for _, m := range tables {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// workspaceMessages are the workspace's and the profile page's texts,
// Swedish and English (merged into the catalogs with messages).
var workspaceMessages = map[string][2]string{
	"nav.workspace": {"Ärenden", "Workspace"},

	"ws.title":             {"Ärenden", "Workspace"},
	"ws.filters":           {"Filtrera ärenden", "Filter conversations"},
	"ws.q":                 {"Sök", "Search"},
	"ws.channel":           {"Kanal", "Channel"},
	"ws.channel.all":       {"Alla mina kanaler", "All my channels"},
	"ws.status":            {"Status", "Status"},
	"ws.status.all":        {"Alla", "All"},
	"ws.status.open":       {"Öppet", "Open"},
	"ws.status.waiting":    {"Väntar på svar", "Waiting"},
	"ws.status.closed":     {"Stängt", "Closed"},
	"ws.status.set":        {"Ändra status", "Change status"},
	"ws.assignee":          {"Handläggare", "Assignee"},
	"ws.assignee.all":      {"Alla", "Anyone"},
	"ws.assignee.me":       {"Mina", "Mine"},
	"ws.assignee.none":     {"Ingen handläggare", "Unassigned"},
	"ws.filter":            {"Visa", "Show"},
	"ws.list":              {"Ärenden, senast aktiva först", "Conversations, most recent first"},
	"ws.col.subject":       {"Ämne", "Subject"},
	"ws.col.from":          {"Från", "From"},
	"ws.col.channel":       {"Kanal", "Channel"},
	"ws.col.status":        {"Status", "Status"},
	"ws.col.assignee":      {"Handläggare", "Assignee"},
	"ws.col.last":          {"Senast", "Last activity"},
	"ws.messages":          {"%d meddelanden", "%d messages"},
	"ws.message1":          {"1 meddelande", "1 message"},
	"ws.unassigned":        {"Ingen handläggare", "Unassigned"},
	"ws.assigned_to":       {"Handläggare: %s", "Assigned to %s"},
	"ws.none":              {"Inga ärenden matchar.", "No conversations match."},
	"ws.pages":             {"Sidor", "Pages"},
	"ws.first":             {"← Första sidan", "← First page"},
	"ws.next":              {"Nästa sida →", "Next page →"},
	"ws.held":              {"Spärrad", "On hold"},
	"ws.sensitive":         {"Känsliga uppgifter", "Sensitive data"},
	"ws.sensitive.short":   {"Känsligt", "Sensitive"},
	"ws.sensitive.help":    {"Upprepa dem inte i svaret och kopiera dem inte vidare.", "Do not repeat them in the reply or copy them elsewhere."},
	"ws.back":              {"← Alla ärenden", "← All conversations"},
	"ws.thread":            {"Meddelanden", "Messages"},
	"ws.msg.in":            {"Meddelande från kunden", "Message from the customer"},
	"ws.msg.out":           {"Svar från oss", "Our reply"},
	"ws.msg.autoreply":     {"Autosvar", "Auto-reply"},
	"ws.msg.bounce":        {"Studsat meddelande", "Bounce"},
	"ws.delivery.pending":  {"Väntar på att skickas", "Waiting to be sent"},
	"ws.delivery.sending":  {"Skickas", "Sending"},
	"ws.delivery.sent":     {"Skickat", "Sent"},
	"ws.delivery.failed":   {"Kunde inte skickas", "Could not be sent"},
	"ws.thread.later":      {"Senare meddelanden", "Later messages"},
	"ws.thread.first":      {"Till de första meddelandena", "To the first messages"},
	"ws.msg.to":            {"Till:", "To:"},
	"ws.attachments":       {"Bilagor", "Attachments"},
	"ws.reply":             {"Svara", "Reply"},
	"ws.reply.to":          {"Till", "To"},
	"ws.reply.to.help":     {"Svaret går bara till de adresser du anger här. Förvalt: den som skrev senast.", "The reply goes only to the addresses given here. Default: the latest sender."},
	"ws.reply.cc":          {"Kopia till", "Cc"},
	"ws.reply.body":        {"Ditt svar", "Your reply"},
	"ws.reply.signature":   {"Lägg till min signatur", "Add my signature"},
	"ws.reply.nosignature": {"Du har ingen signatur än.", "You have no signature yet."},
	"ws.reply.send":        {"Skicka svar", "Send reply"},
	"ws.side":              {"Hantera ärendet", "Handle the conversation"},
	"ws.handle":            {"Hantera", "Handle"},
	"ws.assign.to":         {"Handläggare", "Assign to"},
	"ws.assign.nobody":     {"Ingen", "Nobody"},
	"ws.assign.me":         {"jag", "me"},
	"ws.assign":            {"Tilldela", "Assign"},
	"ws.close":             {"Stäng ärendet", "Close the conversation"},
	"ws.notes":             {"Interna anteckningar", "Internal notes"},
	"ws.notes.help":        {"Syns bara för personal och skickas aldrig. Raderas med ärendet.", "Seen by staff only, never sent. Deleted with the conversation."},
	"ws.notes.none":        {"Inga anteckningar.", "No notes."},
	"ws.note.new":          {"Ny anteckning", "New note"},
	"ws.note.add":          {"Spara anteckning", "Save note"},
	"ws.hold":              {"Spärr mot gallring", "Legal hold"},
	"ws.hold.help":         {"En spärr hindrar all gallring av ärendet tills den hävs, t.ex. vid ett överklagande.", "A hold keeps every purge away from the conversation until released, e.g. during an appeal."},
	"ws.hold.on":           {"Spärrad sedan %s:", "On hold since %s:"},
	"ws.hold.reason":       {"Skäl", "Reason"},
	"ws.hold.place":        {"Lägg spärr", "Place hold"},
	"ws.hold.release":      {"Häv spärren", "Release the hold"},

	"ok.reply_sent":      {"Svaret är skickat.", "The reply is sent."},
	"ok.note_added":      {"Anteckningen är sparad.", "The note is saved."},
	"ok.assigned":        {"Handläggaren är ändrad.", "The assignee is changed."},
	"ok.status_open":     {"Ärendet är öppet.", "The conversation is open."},
	"ok.status_waiting":  {"Ärendet väntar på svar.", "The conversation is waiting."},
	"ok.status_closed":   {"Ärendet är stängt.", "The conversation is closed."},
	"ok.signature_saved": {"Signaturen är sparad.", "The signature is saved."},

	"pii.kind.personnummer":      {"personnummer", "personal identity number"},
	"pii.kind.samordningsnummer": {"samordningsnummer", "co-ordination number"},
	"pii.kind.fodselsnummer":     {"norskt fødselsnummer", "Norwegian national id"},
	"pii.kind.cpr":               {"danskt CPR-nummer", "Danish CPR number"},
	"pii.kind.hetu":              {"finsk personbeteckning", "Finnish personal id"},
	"pii.kind.iban":              {"kontonummer (IBAN)", "bank account (IBAN)"},
	"pii.kind.card":              {"kortnummer", "card number"},
	"pii.kind.custom":            {"organisationens eget mönster", "the organisation's own pattern"},

	"profile.title":          {"Min profil", "My profile"},
	"profile.intro":          {"Din signatur läggs till sist i svar du skickar från ärendevyn, om du vill.", "Your signature is added at the end of replies you send from the workspace, when you choose."},
	"profile.signature":      {"Signatur", "Signature"},
	"profile.signature.help": {"T.ex. namn, titel och förvaltning. Högst 1 000 tecken.", "E.g. name, title and department. At most 1,000 characters."},
	"profile.save":           {"Spara", "Save"},
}
