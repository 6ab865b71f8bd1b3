package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// auditData is the audit page: one page of entries, newest first.
type auditData struct {
	Verify    *auditVerify
	Entries   []auditRow
	Action    string
	ActorID   int64
	From, To  string // the date range as typed, YYYY-MM-DD
	BadDate   string // a date that could not be read
	TimeZone  string
	Actions   []auditOption
	Staff     []gallra.Staff
	OlderURL  string
	NewestURL string
	ExportURL string
	ExportMax int64
	Filtered  bool
}

type auditVerify struct {
	OK       bool
	Entries  int64
	Problems int
}

// auditOption is one choice of the action filter.
type auditOption struct {
	Value, Label string
}

// auditRow is one entry as the page shows it: actor, action and subject in
// words, the details both summarised and raw.
type auditRow struct {
	gallra.AuditEntry
	Actor       string
	ActionText  string
	SubjectText string
	SubjectURL  string
	Details     string
	Raw         string
}

const (
	auditPageSize = 50
	// auditExportMax bounds one CSV export; narrow the filter for more.
	auditExportMax   = 100000
	auditExportBatch = 500
)

// auditQuery reads the filter of the audit page and the CSV export. A date
// that cannot be read is returned in bad (the page says so) and ignored.
func (h *Handler) auditQuery(r *http.Request, v *viewer) (f gallra.AuditFilter, loc *time.Location, bad string, err error) {
	q := r.URL.Query()
	f = gallra.AuditFilter{Action: strings.TrimSpace(q.Get("action")), Limit: auditPageSize}
	f.ActorID, _ = strconv.ParseInt(q.Get("actor"), 10, 64)
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	loc, err = h.orgLocation(r, v)
	if err != nil {
		return f, nil, "", err
	}
	if s := strings.TrimSpace(q.Get("from")); s != "" {
		if t, perr := time.ParseInLocation("2006-01-02", s, loc); perr == nil {
			f.From = t
		} else {
			bad = s
		}
	}
	if s := strings.TrimSpace(q.Get("to")); s != "" {
		if t, perr := time.ParseInLocation("2006-01-02", s, loc); perr == nil {
			f.To = t.AddDate(0, 0, 1) // "to" includes the whole day
		} else {
			bad = s
		}
	}
	return f, loc, bad, nil
}

// orgLocation is the organisation's time zone (the request settings'),
// in which the audit page reads and shows dates.
func (h *Handler) orgLocation(r *http.Request, v *viewer) (*time.Location, error) {
	name := gallra.DefaultTimeZone
	if h.requests != nil {
		s, err := h.requests.Settings(r.Context(), v.Staff)
		if err != nil {
			return nil, err
		}
		if s.TimeZone != "" {
			name = s.TimeZone
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return stockholm, nil // saved zones are checked on save; keep the page working
	}
	return loc, nil
}

func (h *Handler) auditList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, loc, bad, err := h.auditQuery(r, v)
	if err != nil {
		return err
	}
	entries, err := h.svc.Audit.ListAudit(r.Context(), v.Staff, f)
	if err != nil {
		return err
	}
	res, err := h.svc.Audit.VerifyAudit(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	staff, err := h.svc.Staff.ListStaff(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	actions, err := h.svc.Audit.AuditActions(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	l := catalogs[language(r, v)]
	rows, err := h.auditRows(r, v, l, entries, staff, loc)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := &auditData{Verify: &auditVerify{OK: res.OK, Entries: res.Entries, Problems: len(res.Problems)},
		Action: f.Action, ActorID: f.ActorID, From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		BadDate: bad, TimeZone: loc.String(), Staff: staff, Entries: rows, ExportMax: auditExportMax,
		Filtered: f.Action != "" || f.ActorID != 0 || f.BeforeSeq != 0 || !f.From.IsZero() || !f.To.IsZero()}
	d.Actions = auditOptions(l, actions)
	eq := url.Values{}
	for _, k := range []string{"action", "actor", "from", "to"} {
		if s := q.Get(k); s != "" {
			eq.Set(k, s)
		}
	}
	d.ExportURL = "/audit.csv?" + eq.Encode()
	if f.BeforeSeq != 0 {
		d.NewestURL = "/audit?" + eq.Encode()
	}
	if len(entries) == auditPageSize {
		nq := url.Values{}
		for k, vs := range eq {
			nq[k] = vs
		}
		nq.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		d.OlderURL = "/audit?" + nq.Encode()
	}
	h.render(w, r, v, http.StatusOK, "audit", d)
	return nil
}

// auditOptions are the filter's choices: one per action namespace present
// ("request." matches every request action), then each action present, in
// words. Only what the log holds is offered, so no choice returns nothing.
func auditOptions(l *lang, actions []string) []auditOption {
	var out []auditOption
	seen := map[string]bool{}
	for _, a := range actions {
		if ns, _, ok := strings.Cut(a, "."); ok && !seen[ns] {
			seen[ns] = true
			out = append(out, auditOption{Value: ns + ".", Label: l.T("au.ns", l.Tr("au.ns.", ns))})
		}
	}
	for _, a := range actions {
		out = append(out, auditOption{Value: a, Label: auditActionText(l, a)})
	}
	return out
}

// auditActionText names an action in words; an action without text (only
// possible for entries written by a newer version) shows its code.
func auditActionText(l *lang, action string) string {
	if l.has("audit.a." + action) {
		return l.T("audit.a." + action)
	}
	return action
}

// auditRows turns entries into rows in words. Names (staff, channels,
// request references) are looked up now: the log keeps ids.
func (h *Handler) auditRows(r *http.Request, v *viewer, l *lang, entries []gallra.AuditEntry, staff []gallra.Staff, loc *time.Location) ([]auditRow, error) {
	names, err := h.svc.Audit.AuditSubjectNames(r.Context(), v.Staff, entries)
	if err != nil {
		return nil, err
	}
	staffNames := map[int64]string{}
	for _, s := range staff {
		staffNames[s.ID] = s.Name
	}
	rows := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		e.At = e.At.In(loc)
		row := auditRow{AuditEntry: e, ActionText: auditActionText(l, e.Action), Details: detailsText(e.Details), Raw: rawDetails(e.Details)}
		switch e.ActorType {
		case gallra.ActorStaff:
			if n, ok := staffNames[e.ActorID]; ok {
				row.Actor = n
			} else {
				row.Actor = l.T("au.staff", e.ActorID)
			}
		case gallra.ActorSystem:
			row.Actor = l.T("au.system")
		case gallra.ActorPublic:
			row.Actor = l.T("au.public")
		default:
			row.Actor = e.ActorType
		}
		row.SubjectText, row.SubjectURL = auditSubject(l, e, names, staffNames)
		rows = append(rows, row)
	}
	return rows, nil
}

// auditSubject names an entry's subject in words, with a link where the
// UI has a page for it.
func auditSubject(l *lang, e gallra.AuditEntry, names map[gallra.AuditSubject]string, staff map[int64]string) (text, link string) {
	if e.SubjectType == "" {
		return "", ""
	}
	id := strconv.FormatInt(e.SubjectID, 10)
	name, named := names[gallra.AuditSubject{Type: e.SubjectType, ID: e.SubjectID}]
	switch e.SubjectType {
	case "organisation":
		return l.T("audit.s.organisation"), ""
	case "staff":
		if n, ok := staff[e.SubjectID]; ok {
			return l.T("audit.s.staff", n), ""
		}
		return l.T("audit.s.staff", l.T("audit.s.gone", e.SubjectID)), ""
	case "subject_request", "channel":
		if !named {
			return l.T("audit.s."+e.SubjectType, l.T("audit.s.gone", e.SubjectID)), ""
		}
		if e.SubjectType == "subject_request" {
			return l.T("audit.s.subject_request", name), "/requests/" + id
		}
		return l.T("audit.s.channel", "«"+name+"»"), ""
	case "purge_run":
		return l.T("audit.s.purge_run", id), ""
	}
	if l.has("audit.s." + e.SubjectType) {
		return l.T("audit.s."+e.SubjectType, id), ""
	}
	return l.T("audit.s.other", e.SubjectType, id), ""
}

// rawDetails is the details as indented JSON, for the expandable view.
func rawDetails(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// auditExport streams the filtered entries as CSV, newest first, in batches
// and at most auditExportMax rows (a last row says when it stopped there).
func (h *Handler) auditExport(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, loc, bad, err := h.auditQuery(r, v)
	if err != nil {
		return err
	}
	if bad != "" {
		return gallra.Errorf(gallra.EINVALID, "the date %q could not be read: write it as YYYY-MM-DD", bad)
	}
	staff, err := h.svc.Staff.ListStaff(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	l := catalogs[language(r, v)]
	f.Limit = auditExportBatch
	// The first batch is read before the header goes out, so a refused
	// filter still answers with an error page.
	entries, err := h.svc.Audit.ListAudit(r.Context(), v.Staff, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+h.clock.Now().In(loc).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"seq", "time", "actor_type", "actor_id", "actor", "action", "action_text", "subject_type", "subject_id", "subject", "details", "hash"})
	written := 0
	for len(entries) > 0 {
		rows, err := h.auditRows(r, v, l, entries, staff, loc)
		if err != nil {
			h.log.Error("web: audit export stopped", "err", err)
			break
		}
		for _, row := range rows {
			if written == auditExportMax {
				// As many fields as the header, so CSV readers accept it.
				cw.Write([]string{"", "", "", "", "", "", l.T("au.export.cut", l.N(auditExportMax)), "", "", "", "", ""})
				cw.Flush()
				return nil
			}
			raw := "{}"
			if b, err := json.Marshal(row.AuditEntry.Details); err == nil && len(row.AuditEntry.Details) > 0 {
				raw = string(b)
			}
			cw.Write([]string{strconv.FormatInt(row.Seq, 10), row.At.Format(time.RFC3339), row.ActorType, strconv.FormatInt(row.ActorID, 10),
				row.Actor, row.Action, row.ActionText, row.SubjectType, strconv.FormatInt(row.SubjectID, 10), row.SubjectText, raw, row.Hash})
			written++
		}
		cw.Flush()
		if cw.Error() != nil || len(entries) < auditExportBatch || r.Context().Err() != nil {
			break
		}
		f.BeforeSeq = entries[len(entries)-1].Seq
		if entries, err = h.svc.Audit.ListAudit(r.Context(), v.Staff, f); err != nil {
			h.log.Error("web: audit export stopped", "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// detailsText renders audit details as "key=value" pairs in key order.
// Details hold ids, counts and hashes only, so they are safe to show.
func detailsText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(shortHashes(compact(m[k])))
	}
	return b.String()
}

// shortHashes shortens 64-character hex values (keyed hashes) to their
// first 12 characters for display; the full value is in the API.
func shortHashes(s string) string {
	if len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" {
		return s[:12] + "…"
	}
	return s
}
