package site

import (
	"strings"

	"github.com/gallra/gallra"
)

// msgs holds the public site's texts: Swedish, then English.
var msgs = map[string][2]string{
	"skip":            {"Hoppa till innehållet", "Skip to content"},
	"home":            {"Startsida", "Home"},
	"forums":          {"Forum", "Forums"},
	"kbs":             {"Kunskapsbank", "Knowledge base"},
	"search":          {"Sök", "Search"},
	"search.label":    {"Sök i forum och kunskapsbank", "Search forums and knowledge base"},
	"search.none":     {"Inga träffar. Pröva andra ord.", "No results. Try other words."},
	"search.results":  {"Sökresultat för", "Search results for"},
	"privacy":         {"Integritet och personuppgifter", "Privacy and personal data"},
	"ask":             {"Ställ en fråga", "Ask a question"},
	"reply":           {"Svara", "Reply"},
	"sort":            {"Visa", "Show"},
	"sort.new":        {"Nyaste", "Newest"},
	"sort.answered":   {"Besvarade", "Answered"},
	"sort.unanswered": {"Obesvarade", "Unanswered"},
	"older":           {"Äldre frågor", "Older questions"},
	"more":            {"Fler inlägg", "More posts"},
	"first":           {"Till början", "To the start"},
	"answered":        {"Besvarad", "Answered"},
	"answer":          {"Svar", "Answer"},
	"staff":           {"Personal", "Staff"},
	"posts":           {"inlägg", "posts"},
	"notopics":        {"Inga frågor här ännu.", "No questions here yet."},
	"noarticles":      {"Inga artiklar här ännu.", "No articles here yet."},
	"anon":            {"Anonym", "Anonymous"},
	"removed":         {"[Inlägget är borttaget]", "[This post was removed]"},
	"f.title":         {"Rubrik", "Title"},
	"f.body":          {"Din fråga", "Your question"},
	"f.replybody":     {"Ditt svar", "Your reply"},
	"f.name":          {"Namn (visas)", "Name (shown)"},
	"f.email":         {"E-postadress (visas inte)", "E-mail address (not shown)"},
	"f.notify":        {"Mejla mig när min fråga har besvarats (du kan avsluta med ett klick i brevet)", "E-mail me when my question is answered (unsubscribe with one click in the e-mail)"},
	"f.hp":            {"Lämna detta fält tomt", "Leave this field empty"},
	"f.send":          {"Skicka", "Send"},
	"f.notice":        {"Om dina personuppgifter", "About your personal data"},
	"f.error":         {"Det gick inte att skicka", "Could not send"},
	"sent.pending":    {"Tack! Ditt inlägg granskas innan det visas.", "Thank you! Your post is reviewed before it is shown."},
	"sent.ok":         {"Tack! Ditt inlägg är publicerat.", "Thank you! Your post is published."},
	"gone":            {"Det här innehållet har tagits bort.", "This content has been removed."},
	"notfound":        {"Sidan finns inte.", "This page does not exist."},
	"error":           {"Något gick fel. Försök igen om en stund.", "Something went wrong. Try again in a while."},
	"p.lead":          {"Här ser du hur länge vi sparar det du skriver på den här webbplatsen och hur du begär ut eller får dina uppgifter raderade.", "This page says how long we keep what you write on this site, and how to get a copy of your data or have it erased."},
	"p.channels":      {"Våra forum", "Our forums"},
	"p.cookies":       {"Webbplatsen sätter inga kakor (cookies) när du läser eller skriver.", "This site sets no cookies when you read or write."},
	"p.rights":        {"Dina rättigheter", "Your rights"},
	"p.rightstext":    {"Du har rätt att få ut en kopia av dina personuppgifter och att få dem raderade. Skicka en begäran nedan. Vi kontrollerar först att begäran kommer från dig, till exempel genom att svara till din e-postadress, och gör inget med dina uppgifter innan dess.", "You have the right to a copy of your personal data and to have it erased. Send a request below. We first check that the request comes from you, for example by replying to your e-mail address, and do nothing with your data before that."},
	"p.kind":          {"Vad vill du?", "What do you want?"},
	"p.export":        {"Få en kopia av mina uppgifter", "Get a copy of my data"},
	"p.erase":         {"Få mina uppgifter raderade", "Have my data erased"},
	"p.name":          {"Namn (frivilligt)", "Name (optional)"},
	"p.email":         {"E-postadress du skrev med", "E-mail address you wrote with"},
	"p.message":       {"Meddelande (frivilligt)", "Message (optional)"},
	"p.notice":        {"Vi använder din e-postadress bara för att hantera begäran och raderar den när begäran är avslutad.", "We use your e-mail address only to handle the request and delete it when the request is closed."},
	"p.sent":          {"Tack! Vi har tagit emot din begäran. Vi hör av oss för att bekräfta att den kommer från dig innan vi gör något.", "Thank you! We have received your request. We will contact you to confirm it comes from you before we do anything."},
	"published":       {"Publicerad", "Published"},
	"updated":         {"Uppdaterad", "Updated"},
	"comment":         {"Kommentera", "Comment"},
	"comments":        {"Kommentarer", "Comments"},
	"poweredby":       {"Drivs med Gallra", "Powered by Gallra"},
}

// lang is a language of the public site.
type lang struct{ i int }

func langOf(code string) lang {
	if code == "en" {
		return lang{1}
	}
	return lang{0}
}

// Code returns "sv" or "en".
func (l lang) Code() string { return [2]string{"sv", "en"}[l.i] }

// T returns the text of key.
func (l lang) T(key string) string {
	if m, ok := msgs[key]; ok {
		return m[l.i]
	}
	return key
}

// fields name the form fields in the service's messages, with their labels.
var fields = map[string][2]string{
	"title":        {"Rubriken", "The title"},
	"body":         {"Texten", "The text"},
	"author_name":  {"Namnet", "The name"},
	"author_email": {"E-postadressen", "The e-mail address"},
	"name":         {"Namnet", "The name"},
	"email":        {"E-postadressen", "The e-mail address"},
	"message":      {"Meddelandet", "The message"},
	"parent_id":    {"Inlägget du svarar på", "The post you reply to"},
}

// formError says in the visitor's language what is wrong and what to do.
// The service's message names the field first ("body is required").
func (l lang) formError(err error) string {
	msg := gallra.ErrorMessage(err)
	code := gallra.ErrorCode(err)
	if code == gallra.ERATELIMIT {
		return [2]string{"Du har skickat många inlägg på kort tid. Vänta en minut och försök igen.", "You have sent many posts in a short time. Wait a minute and try again."}[l.i]
	}
	if strings.Contains(msg, "too quickly") {
		return [2]string{"Formuläret skickades för snabbt. Vänta några sekunder och skicka igen.", "The form was sent too quickly. Wait a few seconds and send it again."}[l.i]
	}
	if strings.Contains(msg, "automatically") {
		return [2]string{"Formuläret ser ut att ha fyllts i automatiskt. Lämna det dolda fältet tomt.", "The form looks filled in automatically. Leave the hidden field empty."}[l.i]
	}
	if strings.Contains(msg, "expired") {
		return [2]string{"Formuläret är för gammalt. Skicka det igen.", "The form has expired. Send it again."}[l.i]
	}
	field, rest, _ := strings.Cut(msg, " ")
	name, ok := fields[field]
	if !ok {
		if code == gallra.ENOTFOUND {
			return l.T("notfound")
		}
		return l.T("error")
	}
	n := name[l.i]
	sv := l.i == 0
	switch {
	case strings.HasPrefix(rest, "is required"):
		if sv {
			return n + " saknas. Fyll i fältet."
		}
		return n + " is missing. Fill in the field."
	case strings.HasPrefix(rest, "is longer than"):
		max := strings.TrimSuffix(strings.TrimPrefix(rest, "is longer than "), " characters")
		if sv {
			return n + " är för lång: högst " + max + " tecken. Korta den."
		}
		return n + " is too long: at most " + max + " characters. Shorten it."
	case strings.Contains(rest, "e-mail"):
		if sv {
			return n + " är inte en giltig e-postadress. Skriv den som namn@exempel.se."
		}
		return n + " is not a valid e-mail address. Write it as name@example.com."
	case strings.Contains(rest, "UTF-8"), strings.Contains(rest, "NUL"):
		if sv {
			return n + " innehåller ogiltiga tecken. Skriv om den."
		}
		return n + " contains invalid characters. Write it again."
	}
	if sv {
		return n + " kan inte användas. Ändra den och försök igen."
	}
	return n + " cannot be used. Change it and try again."
}
