package web

import (
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
)

// personRoutes registers the person search and the person page. The
// search is a POST so that the searched value travels in the body and
// never reaches a URL, a browser history or an access log.
func (h *Handler) personRoutes(mux *http.ServeMux) {
	mux.Handle("GET /persons", h.auth(h.personSearch))
	mux.Handle("POST /persons", h.auth(h.personSearch))
	mux.Handle("GET /persons/{id}", h.auth(h.personPage))
}

type personSearchData struct {
	Q string
	// Reason is the reason chosen for opening a person found; the links
	// carry it to the person page, which records it in the access log.
	Reason   string
	Reasons  []gallra.AccessReason
	Err      string
	Searched bool
	R        *gallra.PersonSearchResult
	Channels map[int64]string
}

// channelNames names the channels staff may view.
func (h *Handler) channelNames(r *http.Request, v *viewer) map[int64]string {
	names := map[int64]string{}
	if chs, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, "", gallra.PermViewChannel); err == nil {
		for _, c := range chs {
			names[c.ID] = c.Name
		}
	}
	return names
}

// personSearch shows the search form and, after a POST, what was found.
func (h *Handler) personSearch(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d := &personSearchData{Channels: h.channelNames(r, v), Reasons: gallra.AccessReasons()}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		d.Q = r.PostFormValue("q")
		if reason := gallra.AccessReason(r.PostFormValue("reason")); reason.Valid() {
			d.Reason = string(reason)
		}
		d.Searched = true
		res, err := h.svc.Persons.SearchPersons(r.Context(), v.Staff, d.Q)
		switch {
		case gallra.ErrorCode(err) == gallra.EINVALID:
			d.Err, status = catalogs[language(r, v)].T("ps.err.invalid"), http.StatusUnprocessableEntity
		case err != nil:
			return err
		default:
			d.R = res
		}
	}
	h.render(w, r, v, status, "persons", d)
	return nil
}

type personPageData struct {
	O        *gallra.PersonOverview
	Channels map[int64]string
	Items    int64
	// AccessLog: the viewer may read the access log (link to the
	// person's).
	AccessLog bool
}

// personPage shows what is held of a person where, their requests and
// holds (the reading is audited by the service).
func (h *Handler) personPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reason := gallra.AccessReason(r.URL.Query().Get("reason"))
	o, err := h.svc.Persons.PersonOverviewFor(r.Context(), v.Staff, id, reason)
	if err != nil {
		return err
	}
	d := &personPageData{O: o, Channels: h.channelNames(r, v), AccessLog: v.Staff.Allowed(gallra.PermAudit, 0)}
	for _, c := range o.Channels {
		d.Items += c.Items
	}
	h.render(w, r, v, http.StatusOK, "person", d)
	return nil
}

// mentionLink is where staff open the item of a search hit.
func mentionLink(m gallra.PersonMention) string {
	switch m.Entity {
	case "forum_post":
		return fmt.Sprintf("/site/topics/%d", m.ParentID)
	case "mail_message":
		return fmt.Sprintf("/workspace/mail/%d", m.ParentID)
	case "chat_message":
		return fmt.Sprintf("/workspace/chats/%d", m.ParentID)
	case "social_item":
		return fmt.Sprintf("/workspace/social/%d", m.ChannelID)
	case "knowledge_article":
		return fmt.Sprintf("/site/kb/%d", m.ID)
	}
	return ""
}

// channelLink is where staff see a channel's items of a module.
func channelLink(m gallra.Module, channelID int64) string {
	switch m {
	case gallra.ModuleForum:
		return "/site"
	case gallra.ModuleMail:
		return "/workspace"
	case gallra.ModuleChat:
		return "/workspace/chats"
	case gallra.ModuleSocial:
		return fmt.Sprintf("/workspace/social/%d", channelID)
	}
	return ""
}

// personMessages are the texts of the person search and person page.
var personMessages = map[string][2]string{
	"ps.title":                    {"Sök person", "Find a person"},
	"ps.link":                     {"Sök person i alla kanaler", "Find a person in all channels"},
	"ps.intro":                    {"Sök med e-postadress, telefonnummer, personnummer, namn eller konto i sociala medier. Sökningen loggas utan det du söker på.", "Search by e-mail address, phone number, personnummer, name or social media account. The search is logged without what you search for."},
	"ps.q":                        {"E-post, telefon, personnummer eller namn", "E-mail, phone, personnummer or name"},
	"ps.submit":                   {"Sök", "Search"},
	"ps.err.invalid":              {"Skriv en giltig e-postadress, ett telefonnummer, ett personnummer (kontrollsiffran stämmer inte?) eller minst två bokstäver av ett namn.", "Enter a valid e-mail address, phone number, personnummer (does the check digit match?) or at least two letters of a name."},
	"ps.kind":                     {"Sökt som: %s", "Searched as: %s"},
	"ps.kind.email":               {"e-postadress", "e-mail address"},
	"ps.kind.phone":               {"telefonnummer", "phone number"},
	"ps.kind.personnummer":        {"personnummer", "personnummer"},
	"ps.kind.name":                {"namn eller konto", "name or account"},
	"ps.persons":                  {"Personer", "Persons"},
	"ps.persons.none":             {"Ingen person matchar.", "No person matches."},
	"ps.mentions":                 {"Omnämnanden i text", "Mentions in text"},
	"ps.mentions.help":            {"Inlägg och meddelanden vars text innehåller uppgiften, även de som andra har skrivit. Granska dem: de exporteras och raderas inte automatiskt.", "Posts and messages whose text holds the value, also those written by others. Review them: they are not exported or erased automatically."},
	"ps.mentions.none":            {"Ingen text nämner uppgiften.", "No text mentions the value."},
	"ps.incomplete":               {"Äldre innehåll indexeras fortfarande; svaret kan sakna träffar. Försök igen om en stund.", "Older content is still being indexed; the answer may miss some. Try again shortly."},
	"ps.col.name":                 {"Namn", "Name"},
	"ps.col.email":                {"E-post", "E-mail"},
	"ps.col.what":                 {"Vad", "What"},
	"ps.col.channel":              {"Kanal", "Channel"},
	"ps.col.items":                {"Antal", "Items"},
	"ps.entity.forum_post":        {"Foruminlägg", "Forum post"},
	"ps.entity.mail_message":      {"E-postmeddelande", "Mail message"},
	"ps.entity.chat_message":      {"Chattmeddelande", "Chat message"},
	"ps.entity.social_item":       {"Inlägg i sociala medier", "Social media item"},
	"ps.entity.knowledge_article": {"Kunskapsartikel", "Knowledge article"},
	"ps.open":                     {"Öppna", "Open"},
	"ps.anonymous":                {"(anonym)", "(anonymous)"},
	"pp.title":                    {"Person", "Person"},
	"pp.back":                     {"Sök person", "Find a person"},
	"pp.held":                     {"Vad vi har var", "What is held where"},
	"pp.held.none":                {"Inget innehåll i dina kanaler.", "No content in your channels."},
	"pp.total":                    {"Totalt %d", "%d in all"},
	"pp.module.forum":             {"Forum (inlägg)", "Forum (posts)"},
	"pp.module.mail":              {"E-post (konversationer)", "Mail (conversations)"},
	"pp.module.chat":              {"Chatt (konversationer)", "Chat (conversations)"},
	"pp.module.social":            {"Sociala medier (inlägg)", "Social media (items)"},
	"pp.requests":                 {"Begäranden", "Requests"},
	"pp.requests.none":            {"Inga begäranden för personens e-postadress.", "No requests for the person's e-mail address."},
	"pp.holds":                    {"Bevarandebeslut", "Legal holds"},
	"pp.holds.none":               {"Inget av personens innehåll är under bevarandebeslut.", "None of the person's content is under a legal hold."},
	"pp.hold.subject":             {"%s nr %d", "%s no. %d"},
	"pp.new_request":              {"Gör en begäran för personen", "Make a request for the person"},
	"pp.logged":                   {"Att du har öppnat sidan loggas i granskningsloggen och i åtkomstloggen.", "Your opening this page is recorded in the audit log and in the access log."},
}
