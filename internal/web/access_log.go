package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// accessLogRoutes registers the access log (who read whose data) for
// admins: one page, filtered by person or by staff user and by days, with
// the retention setting and what the next purge removes.
func (h *Handler) accessLogRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/access-log", h.permitted(gallra.PermAudit, h.accessLogPage))
	mux.Handle("POST /admin/access-log/settings", h.permitted(gallra.PermManageOrganisation, h.accessLogSettings))
}

type accessLogData struct {
	PersonID, StaffID int64
	// Title names whose log this is (the person's or staff user's name).
	Title    string
	From, To string
	Page     *gallra.AccessLogPage
	Names    map[int64]string
	NextURL  string
	Settings *gallra.AccessLogSettings
	Err      string // the retention form's error
	DaysErr  string // the date filter's error
	Months   string
	Min, Max int
}

// accessLogPage shows a page of the access log.
func (h *Handler) accessLogPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.renderAccessLog(w, r, v, http.StatusOK, "", "")
}

func (h *Handler) renderAccessLog(w http.ResponseWriter, r *http.Request, v *viewer, status int, errMsg, months string) error {
	q := r.URL.Query()
	l := catalogs[language(r, v)]
	d := &accessLogData{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), Names: map[int64]string{},
		Err: errMsg, Months: months, Min: gallra.MinAccessLogMonths, Max: gallra.MaxAccessLogMonths}
	d.PersonID, _ = strconv.ParseInt(q.Get("person"), 10, 64)
	d.StaffID, _ = strconv.ParseInt(q.Get("staff"), 10, 64)
	f := gallra.AccessLogFilter{PersonID: d.PersonID, StaffID: d.StaffID, Cursor: q.Get("cursor"), Limit: 50}
	var err error
	if f.From, f.To, err = gallra.ParseAccessLogDays(d.From, d.To); err != nil {
		d.DaysErr, status = l.T("al.err.days"), http.StatusUnprocessableEntity
		f.From, f.To = time.Time{}, time.Time{}
	}
	if d.Page, err = h.svc.AccessLog.List(r.Context(), v.Staff, f); err != nil {
		return err
	}
	staff, err := h.svc.Staff.ListStaff(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	for _, s := range staff {
		d.Names[s.ID] = s.Name
	}
	switch {
	case d.StaffID > 0:
		d.Title = l.T("al.staff", d.Names[d.StaffID], d.StaffID)
	case d.PersonID > 0:
		d.Title = l.T("al.person", d.PersonID)
	}
	if d.Page.Next != "" {
		nq := url.Values{}
		for _, k := range []string{"person", "staff", "from", "to"} {
			if s := q.Get(k); s != "" {
				nq.Set(k, s)
			}
		}
		nq.Set("cursor", d.Page.Next)
		d.NextURL = "/admin/access-log?" + nq.Encode()
	}
	if d.Settings, err = h.svc.AccessLog.Settings(r.Context(), v.Staff); err != nil {
		return err
	}
	if d.Months == "" {
		d.Months = strconv.Itoa(d.Settings.Months)
	}
	h.render(w, r, v, status, "access_log", d)
	return nil
}

// accessLogSettings saves the retention period.
func (h *Handler) accessLogSettings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	raw := strings.TrimSpace(r.PostFormValue("months"))
	months, err := strconv.Atoi(raw)
	if err == nil {
		_, err = h.svc.AccessLog.SetMonths(r.Context(), v.Staff, months)
	} else {
		err = gallra.Errorf(gallra.EINVALID, "months must be a number")
	}
	if gallra.ErrorCode(err) == gallra.EINVALID {
		l := catalogs[language(r, v)]
		return h.renderAccessLog(w, r, v, http.StatusUnprocessableEntity, l.T("al.err.months", gallra.MinAccessLogMonths, gallra.MaxAccessLogMonths), raw)
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/admin/access-log?ok=access_log_saved")
}

// accessSubjectLink is where an access-log entry's subject is shown
// (opening it is a read of its own).
func accessSubjectLink(e gallra.AccessEntry) string {
	switch e.SubjectType {
	case gallra.SubjectPerson:
		return fmt.Sprintf("/persons/%d", e.SubjectID)
	case gallra.SubjectMailConversation:
		return fmt.Sprintf("/workspace/mail/%d", e.SubjectID)
	case gallra.SubjectChatConversation:
		return fmt.Sprintf("/workspace/chats/%d", e.SubjectID)
	case gallra.SubjectForumTopic:
		return fmt.Sprintf("/site/topics/%d", e.SubjectID)
	case gallra.SubjectExport:
		return fmt.Sprintf("/requests/%d", e.SubjectID)
	}
	return ""
}

// accessLogMessages are the access log's texts, Swedish and English.
var accessLogMessages = map[string][2]string{
	"al.title":            {"Åtkomstlogg", "Access log"},
	"al.intro":            {"Vem i personalen som har läst vems uppgifter: personsidor, e-postkonversationer, chattar, forumtrådar och nedladdade utdrag. Loggen kan inte ändras av någon i personalen och rensas automatiskt efter den tid som anges nedan.", "Who among the staff read whose data: person pages, mail conversations, chats, forum topics and downloaded exports. No staff member can change the log; it is deleted automatically after the period set below."},
	"al.person":           {"Läsningar av person %d", "Reads of person %d"},
	"al.staff":            {"Läsningar gjorda av %s (nr %d)", "Reads by %s (no. %d)"},
	"al.all":              {"Hela organisationens logg", "The whole organisation's log"},
	"al.from":             {"Från och med dag", "From day"},
	"al.to":               {"Till och med dag", "To day"},
	"al.apply":            {"Visa", "Show"},
	"al.col.when":         {"När", "When"},
	"al.col.staff":        {"Vem", "Who"},
	"al.col.what":         {"Vad", "What"},
	"al.col.action":       {"Åtgärd", "Action"},
	"al.col.reason":       {"Skäl", "Reason"},
	"al.none":             {"Inga läsningar för det urvalet.", "No reads for this selection."},
	"al.older":            {"Äldre", "Older"},
	"al.newest":           {"Nyaste", "Newest"},
	"al.former":           {"Tidigare anställd nr %d", "Former staff no. %d"},
	"al.subject.person":   {"Personsida", "Person page"},
	"al.subject.export":   {"Utdrag (begäran)", "Export (request)"},
	"al.action.view":      {"Öppnade", "Opened"},
	"al.action.download":  {"Laddade ned", "Downloaded"},
	"al.reason.":          {"—", "—"},
	"al.reason.request":   {"Begäran från den registrerade", "Data-subject request"},
	"al.reason.case":      {"Personens ärende", "The person's own matter"},
	"al.reason.legal":     {"Rättsligt (bevarande, myndighet, allmän handling)", "Legal (hold, authority, public records)"},
	"al.reason.control":   {"Intern kontroll", "Internal control"},
	"al.settings":         {"Hur länge loggen sparas", "How long the log is kept"},
	"al.months":           {"Antal månader (%d–%d)", "Months (%d–%d)"},
	"al.months.default":   {"Standard: 12 månader.", "Default: 12 months."},
	"al.save":             {"Spara", "Save"},
	"al.preview":          {"Nästa rensning tar bort %d poster (äldre än %s); inom 7 dagar blir ytterligare %d och inom 30 dagar %d poster för gamla.", "The next purge deletes %d entries (older than %s); within 7 days another %d, within 30 days %d entries become due."},
	"al.err.days":         {"Skriv dagarna som ÅÅÅÅ-MM-DD, och ”till” inte före ”från”.", "Write the days as YYYY-MM-DD, with “to” not before “from”."},
	"al.err.months":       {"Ange ett antal månader mellan %d och %d.", "Give a number of months between %d and %d."},
	"al.link.person":      {"Vem har läst personens uppgifter?", "Who has read this person's data?"},
	"al.link.staff":       {"Åtkomstlogg", "Access log"},
	"ok.access_log_saved": {"Lagringstiden för åtkomstloggen är sparad.", "The access log's retention period is saved."},
	"pp.reason":           {"Skäl att öppna personsidan", "Reason for opening the person page"},
	"pp.reason.none":      {"Inget angivet", "None given"},
	"pp.reason.help":      {"Skälet sparas i åtkomstloggen med din läsning.", "The reason is kept in the access log with your read."},
}
