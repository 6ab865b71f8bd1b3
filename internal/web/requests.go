package web

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
	"github.com/gallra/gallra/internal/takeout"
)

var errNoRequests = gallra.Errorf(gallra.ENOTFOUND, "data-subject requests are not available on this server")

type requestForm struct {
	Kind        string
	Email       string
	Modules     []string
	ForumAction string
	Method      string
	Note        string
	Attest      bool
}

type requestsData struct {
	Requests []gallra.SubjectRequest
	Modules  []gallra.Module
	Methods  []string
	Form     requestForm
	Error    string
	// ErrorField is the input the error is about ("attest", "email",
	// "module", "method", "note"); the template points its
	// aria-describedby at the message.
	ErrorField string
	Staff      map[int64]string
	// Filter is the list's search and filters as asked; Filtered tells
	// whether any is set (the empty list then says so).
	Filter   listFilter
	Filtered bool
	Statuses []string
}

// listFilter is the request list's search and filters (query parameters
// q, status, kind, assignee: "me", "none" or empty).
type listFilter struct {
	Q, Status, Kind, Assignee string
}

func (h *Handler) requestsPage(r *http.Request, v *viewer, form requestForm) (*requestsData, error) {
	q := r.URL.Query()
	lf := listFilter{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Kind: q.Get("kind"), Assignee: q.Get("assignee")}
	f := gallra.RequestFilter{Page: gallra.Page{Limit: 100}, Reference: lf.Q}
	if len([]rune(f.Reference)) > 100 {
		f.Reference = string([]rune(f.Reference)[:100])
	}
	statuses := []string{"received", "processing", "completed", "waiting_on_hold", "failed", "cancelled", "refused"}
	switch {
	case lf.Status == "overdue":
		f.Overdue = true
	case slices.Contains(statuses, lf.Status):
		f.Status = gallra.RequestStatus(lf.Status)
	default:
		lf.Status = ""
	}
	if lf.Kind == "export" || lf.Kind == "erase" {
		f.Kind = gallra.RequestKind(lf.Kind)
	} else {
		lf.Kind = ""
	}
	switch lf.Assignee {
	case "me":
		f.AssigneeID = v.Staff.ID
	case "none":
		f.Unassigned = true
	default:
		lf.Assignee = ""
	}
	list, err := h.requests.List(r.Context(), v.Staff, f)
	if err != nil {
		return nil, err
	}
	d := &requestsData{Requests: list, Modules: takeout.RequestModules(), Methods: takeout.Methods(), Form: form, Filter: lf,
		Filtered: lf != listFilter{}, Statuses: append(statuses, "overdue"), Staff: map[int64]string{}}
	for _, rq := range list {
		if a := rq.AssigneeID; a != nil {
			if _, ok := d.Staff[*a]; !ok {
				if name, err := h.svc.Staff.ColleagueName(r.Context(), v.Staff, *a); err == nil {
					d.Staff[*a] = name
				}
			}
		}
	}
	return d, nil
}

func (h *Handler) requestList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	// Preselect the modules the viewer has channels in: an editor cannot
	// file a request that touches someone else's channels.
	return h.requestFormFor(w, r, v, requestForm{})
}

// requestCreate records a request and processes it (inline when small).
// The attestation checkbox posts the statement in the viewer's language,
// which the takeout service accepts as the identity attestation.
func (h *Handler) requestCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	f := requestForm{Kind: r.PostFormValue("kind"), Email: strings.TrimSpace(r.PostFormValue("email")), Modules: r.PostForm["module"],
		ForumAction: r.PostFormValue("forum_action"), Method: r.PostFormValue("method"), Note: r.PostFormValue("note"), Attest: r.PostFormValue("attest") == "yes"}
	if r.PostFormValue("step") == "form" {
		// From the person page: the request form, filled in with the
		// person's address (posted, so it never appears in a URL).
		return h.requestFormFor(w, r, v, f)
	}
	in := takeout.NewRequest{Kind: gallra.RequestKind(f.Kind), Email: f.Email, VerificationMethod: f.Method, VerificationNote: f.Note}
	for _, m := range f.Modules {
		in.Modules = append(in.Modules, gallra.Module(m))
	}
	if in.Kind == gallra.RequestErase {
		in.ForumAction = f.ForumAction
	}
	if f.Attest {
		in.Attestation = catalogs[language(r, v)].T("rq.attest")
	}
	var err error
	if len(in.Modules) == 0 {
		err = gallra.Errorf(gallra.EINVALID, "choose at least one module")
	}
	var req *gallra.SubjectRequest
	if err == nil && f.Attest && r.PostFormValue("step") != "confirm" {
		// First step: the preview (after the same checks as the request).
		if err = in.CheckAttestation(); err == nil {
			var p *takeout.Preview
			if p, err = h.requests.Preview(r.Context(), v.Staff, in); err == nil {
				return h.renderPreview(w, r, v, f, in, p, "", http.StatusOK)
			}
		}
	} else if err == nil && f.Attest {
		// Second step: the confirmation, refused when the numbers changed.
		if r.PostFormValue("confirm") != "yes" {
			return h.requestPreview(w, r, v, f, in, takeout.ReasonNotConfirmed, http.StatusUnprocessableEntity)
		}
		in.PreviewFingerprint = r.PostFormValue("fingerprint")
		if in.PreviewFingerprint == "" {
			in.PreviewFingerprint = "-" // a confirmation always names its preview
		}
		req, err = h.requests.Submit(r.Context(), v.Staff, in)
		if code, _ := gallra.ErrorDetails(err)["reason_code"].(string); code == takeout.ReasonPreviewStale {
			in.PreviewFingerprint = ""
			return h.requestPreview(w, r, v, f, in, takeout.ReasonPreviewStale, http.StatusConflict)
		}
	} else if err == nil {
		err = in.CheckAttestation()
	}
	if err != nil {
		c := gallra.ErrorCode(err)
		if c != gallra.EINVALID && c != gallra.EUNPROCESS && c != gallra.EFORBIDDEN {
			return err
		}
		d, lerr := h.requestsPage(r, v, f)
		if lerr != nil {
			return lerr
		}
		l := catalogs[language(r, v)]
		names := map[int64]string{}
		if chs, cerr := h.svc.Channels.ListChannels(r.Context(), v.Staff, "", gallra.PermViewChannel); cerr == nil {
			for _, c := range chs {
				names[c.ID] = c.Name
			}
		}
		d.Error = userError(l, err, names)
		d.ErrorField = reasonField(err)
		if len(in.Modules) == 0 {
			d.ErrorField = "module"
		}
		if !f.Attest {
			d.Error = catalogs[language(r, v)].T("rq.attest.missing")
			d.ErrorField = "attest"
		}
		h.render(w, r, v, httpstatus.Code(c), "requests", d)
		return nil
	}
	h.log.Info("web: request created", "org_id", v.Org.ID, "request_id", req.ID, "kind", string(req.Kind), "staff_id", v.Staff.ID)
	return redirect(w, r, "/requests/"+strconv.FormatInt(req.ID, 10)+"?ok=request_created")
}

type requestData struct {
	R        *gallra.SubjectRequest
	Channels map[int64]string
	By       string
	CanGet   bool
	Counts   []countRow
	// ExtendLeft is how many months the deadline may still be extended
	// (0: no extension form); CanCancel and CanRerun switch the cancel and
	// "Run again" forms on.
	ExtendLeft int
	NewDue     map[int]time.Time // the due date after extending by n months
	CanCancel  bool
	CanRerun   bool
	Extend     extendForm
	// DeadlinePassed: the request is open past its due date, so it can no
	// longer be extended (Art. 12(3)).
	DeadlinePassed bool
	Assignees      []gallra.StaffRef
	AssigneeName   string
	Notes          []noteRow
	Close          closeForm
	// Err is a refused action's message and the field it belongs to
	// (the template links them with aria-describedby).
	Err fieldError
}

// LooseErr reports whether the refused action's form is no longer shown
// (e.g. the request was finished meanwhile): the message then stands alone
// at the top of the page.
func (d *requestData) LooseErr() bool {
	switch d.Err.Form {
	case "extend":
		return d.ExtendLeft == 0
	case "cancel":
		return !d.CanCancel
	case "rerun":
		return !d.CanRerun
	}
	return false
}

// ExtendLeftList is 1..ExtendLeft, the choices of the extension form.
func (d *requestData) ExtendLeftList() []int {
	out := make([]int, 0, d.ExtendLeft)
	for n := 1; n <= d.ExtendLeft; n++ {
		out = append(out, n)
	}
	return out
}

// extendForm is the extension form as posted.
type extendForm struct {
	Months  int
	Reason  string
	Confirm bool
}

// fieldError is a message shown next to the form field it is about. Form
// names the form ("extend", "cancel", "rerun"), Field the input.
type fieldError struct {
	Form, Field, Msg string
}

// closeForm is the cancel / refuse form as posted.
type closeForm struct {
	Action, Reason string
}

type noteRow struct {
	By   string
	At   time.Time
	Body string
}

type countRow struct {
	Key   string
	Count int64
}

func (h *Handler) loadRequest(r *http.Request, v *viewer) (*requestData, error) {
	if h.requests == nil {
		return nil, errNoRequests
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	req, err := h.requests.Get(r.Context(), v.Staff, id)
	if err != nil {
		return nil, err
	}
	d := &requestData{R: req, Channels: map[int64]string{}}
	chs, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, "", gallra.PermViewChannel)
	if err != nil {
		return nil, err
	}
	for _, c := range chs {
		d.Channels[c.ID] = c.Name
	}
	if name, err := h.svc.Staff.ColleagueName(r.Context(), v.Staff, req.RequestedBy); err == nil {
		d.By = name
	}
	d.DeadlinePassed = req.Status.Open() && req.Overdue
	if req.Status.Open() && !req.Overdue && req.ExtendedMonths < takeout.MaxExtensionMonths {
		d.ExtendLeft = takeout.MaxExtensionMonths - req.ExtendedMonths
		d.NewDue = map[int]time.Time{}
		for n := 1; n <= d.ExtendLeft; n++ {
			// The same rule as the service: the due date counts from receipt.
			d.NewDue[n] = gallra.AddMonths(req.ReceivedAt, 1+req.ExtendedMonths+n)
		}
	}
	d.Extend.Months = 1
	d.Close.Action = "cancel"
	if d.Assignees, err = h.requests.Assignees(r.Context(), v.Staff, id); err != nil {
		return nil, err
	}
	if a := req.AssigneeID; a != nil {
		if name, err := h.svc.Staff.ColleagueName(r.Context(), v.Staff, *a); err == nil {
			d.AssigneeName = name
		}
	}
	notes, err := h.requests.Notes(r.Context(), v.Staff, id)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, n := range notes {
		if _, ok := names[n.StaffID]; !ok {
			names[n.StaffID], _ = h.svc.Staff.ColleagueName(r.Context(), v.Staff, n.StaffID)
		}
		d.Notes = append(d.Notes, noteRow{By: names[n.StaffID], At: n.CreatedAt, Body: n.Body})
	}
	d.CanCancel = req.Status == gallra.StatusReceived || req.Status == gallra.StatusFailed
	d.CanRerun = req.Status == gallra.StatusFailed
	d.CanGet = req.Kind == gallra.RequestExport && req.Status == gallra.StatusCompleted && req.Artefact != nil && req.Artefact.Path != "" && req.Artefact.DeletedAt == nil
	keys := make([]string, 0, len(req.Counts))
	for k := range req.Counts {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		d.Counts = append(d.Counts, countRow{Key: k, Count: req.Counts[k]})
	}
	return d, nil
}

func (h *Handler) requestShow(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.loadRequest(r, v)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "request", d)
	return nil
}

// requestDownload streams a completed export's ZIP. The file holds the
// person's data: it is sent only to staff who may act on every channel of
// the request (the takeout service checks and audits each download), and
// never cached.
func (h *Handler) requestDownload(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, req, err := h.requests.OpenArtefact(r.Context(), v.Staff, id)
	if err != nil {
		return err
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", `attachment; filename="gallra-export-`+strconv.FormatInt(req.ID, 10)+`.zip"`)
	hd.Set("Cache-Control", "no-store")
	if st, err := f.Stat(); err == nil {
		hd.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	}
	if _, err := io.Copy(w, f); err != nil {
		h.log.Warn("web: export download interrupted", "request_id", req.ID)
	}
	return nil
}

type receiptData struct {
	ID     int64
	SV, EN *takeout.Receipt
}

// requestReceipt shows the receipt for the person in both languages, ready
// to copy into a reply or print: what was done, when, and in which parts of
// customer service. It names no person and holds no e-mail address.
func (h *Handler) requestReceipt(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &receiptData{ID: id}
	if d.SV, err = h.requests.Receipt(r.Context(), v.Staff, id, "sv"); err != nil {
		return err
	}
	if d.EN, err = h.requests.Receipt(r.Context(), v.Staff, id, "en"); err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "receipt", d)
	return nil
}

// requestAction runs a form action on a request page: on success it
// redirects back with the ok message, when refused it shows the request
// page again with the reason next to the field concerned.
func (h *Handler) requestAction(w http.ResponseWriter, r *http.Request, v *viewer, form string, act func(id int64, l *lang) (fieldError, error), ok string) error {
	if h.requests == nil {
		return errNoRequests
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	l := catalogs[language(r, v)]
	fe, err := act(id, l)
	status := http.StatusUnprocessableEntity
	if err != nil {
		c := gallra.ErrorCode(err)
		if c != gallra.EINVALID && c != gallra.EUNPROCESS && c != gallra.ECONFLICT {
			return err
		}
		status = httpstatus.Code(c)
	} else if fe.Msg == "" {
		h.log.Info("web: request "+form, "org_id", v.Org.ID, "request_id", id, "staff_id", v.Staff.ID)
		return redirect(w, r, "/requests/"+strconv.FormatInt(id, 10)+"?ok="+ok)
	}
	d, lerr := h.loadRequest(r, v)
	if lerr != nil {
		return lerr
	}
	fe.Form = form
	d.Err = fe
	switch form {
	case "extend":
		d.Extend = readExtendForm(r)
	case "cancel":
		d.Close = closeForm{Action: r.PostFormValue("action"), Reason: r.PostFormValue("reason")}
	}
	h.render(w, r, v, status, "request", d)
	return nil
}

func readExtendForm(r *http.Request) extendForm {
	n, _ := strconv.Atoi(r.PostFormValue("months"))
	return extendForm{Months: n, Reason: r.PostFormValue("reason"), Confirm: r.PostFormValue("confirm") == "yes"}
}

// requestExtend extends the deadline by 1 or 2 months with a reason, after
// the confirmation box is ticked.
func (h *Handler) requestExtend(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.requestAction(w, r, v, "extend", func(id int64, l *lang) (fieldError, error) {
		f := readExtendForm(r)
		switch {
		case f.Months != 1 && f.Months != 2:
			return fieldError{Field: "months", Msg: l.T("rq.ext.err.months")}, nil
		case strings.TrimSpace(f.Reason) == "":
			return fieldError{Field: "reason", Msg: l.T("rq.ext.err.reason")}, nil
		case !f.Confirm:
			return fieldError{Field: "confirm", Msg: l.T("rq.ext.err.confirm")}, nil
		}
		_, err := h.requests.Extend(r.Context(), v.Staff, id, f.Months, f.Reason)
		switch gallra.ErrorCode(err) {
		case "":
			return fieldError{}, nil
		case gallra.EUNPROCESS:
			if rc, _ := gallra.ErrorDetails(err)["reason_code"].(string); rc == "deadline_passed" {
				return fieldError{Field: "months", Msg: l.T("rq.ext.err.passed")}, err
			}
			return fieldError{Field: "months", Msg: l.T("rq.ext.err.max", takeout.MaxExtensionMonths)}, err
		case gallra.ECONFLICT:
			return fieldError{Field: "months", Msg: l.T("rq.ext.err.closed")}, err
		case gallra.EINVALID:
			return fieldError{Field: "reason", Msg: userError(l, err)}, err
		}
		return fieldError{}, err
	}, "request_extended")
}

// requestCancel cancels a received or failed request, after the
// confirmation box is ticked.
func (h *Handler) requestCancel(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.requestAction(w, r, v, "cancel", func(id int64, l *lang) (fieldError, error) {
		action, reason := r.PostFormValue("action"), strings.TrimSpace(r.PostFormValue("reason"))
		if action != "refuse" {
			action = "cancel"
		}
		if reason == "" {
			return fieldError{Field: "reason", Msg: l.T("rq.close.err.reason")}, nil
		}
		if r.PostFormValue("confirm") != "yes" {
			return fieldError{Field: "confirm", Msg: l.T("rq.cancel.err.confirm")}, nil
		}
		var err error
		if action == "refuse" {
			_, err = h.requests.Refuse(r.Context(), v.Staff, id, reason)
		} else {
			_, err = h.requests.Cancel(r.Context(), v.Staff, id, reason)
		}
		switch gallra.ErrorCode(err) {
		case "":
			return fieldError{}, nil
		case gallra.ECONFLICT:
			return fieldError{Field: "confirm", Msg: l.T("rq.cancel.err.state")}, err
		}
		return fieldError{Field: "reason", Msg: userError(l, err)}, err
	}, "request_closed")
}

// requestRerun processes a failed request again.
func (h *Handler) requestRerun(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.requestAction(w, r, v, "rerun", func(id int64, l *lang) (fieldError, error) {
		_, err := h.requests.Rerun(r.Context(), v.Staff, id)
		switch gallra.ErrorCode(err) {
		case "":
			return fieldError{}, nil
		case gallra.ECONFLICT:
			return fieldError{Field: "rerun", Msg: l.T("rq.rerun.err.busy")}, err
		}
		return fieldError{Field: "rerun", Msg: userError(l, err)}, err
	}, "request_rerun")
}

// reasonField is the input of the request form an error's reason code is
// about (falling back to the message's field name).
func reasonField(err error) string {
	code, _ := gallra.ErrorDetails(err)["reason_code"].(string)
	switch code {
	case takeout.ReasonEmail:
		return "email"
	case takeout.ReasonMethod:
		return "method"
	case takeout.ReasonNoteRequired, takeout.ReasonNoteLength:
		return "note"
	case takeout.ReasonAttestation:
		return "attest"
	case takeout.ReasonModules, takeout.ReasonChannels, takeout.ReasonNoChannels:
		return "module"
	}
	return errorField(gallra.ErrorMessage(err))
}

// errorField guesses which input of the request form a service message is
// about, from the field name it starts with or mentions.
func errorField(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "verification_note"), strings.Contains(m, "note"):
		return "note"
	case strings.Contains(m, "method"):
		return "method"
	case strings.Contains(m, "e-mail"), strings.Contains(m, "email"):
		return "email"
	case strings.Contains(m, "module"), strings.Contains(m, "channel"), strings.Contains(m, "editor"):
		return "module"
	case strings.Contains(m, "attest"):
		return "attest"
	}
	return ""
}
