package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
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
	Requests []store.SubjectRequest
	Modules  []gallra.Module
	Methods  []string
	Form     requestForm
	Error    string
	Staff    map[int64]string
}

func (h *Handler) requestsPage(r *http.Request, v *viewer, form requestForm) (*requestsData, error) {
	list, err := h.requests.List(r.Context(), v.Staff, store.RequestFilter{Page: store.Page{Limit: 100}})
	if err != nil {
		return nil, err
	}
	return &requestsData{Requests: list, Modules: takeout.RequestModules(), Methods: takeout.Methods(), Form: form}, nil
}

func (h *Handler) requestList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	// Preselect the modules the viewer has channels in: an editor cannot
	// file a request that touches someone else's channels.
	form := requestForm{Kind: string(store.RequestExport), ForumAction: takeout.ForumDelete}
	chs, err := h.visibleChannels(r, v)
	if err != nil {
		return err
	}
	for _, m := range takeout.RequestModules() {
		for _, c := range chs {
			if c.Module == m {
				form.Modules = append(form.Modules, string(m))
				break
			}
		}
	}
	d, err := h.requestsPage(r, v, form)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "requests", d)
	return nil
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
	in := takeout.NewRequest{Kind: store.RequestKind(f.Kind), Email: f.Email, VerificationMethod: f.Method, VerificationNote: f.Note}
	for _, m := range f.Modules {
		in.Modules = append(in.Modules, gallra.Module(m))
	}
	if in.Kind == store.RequestErase {
		in.ForumAction = f.ForumAction
	}
	if f.Attest {
		in.Attestation = catalogs[language(r, v)].T("rq.attest")
	}
	var err error
	if len(in.Modules) == 0 {
		err = gallra.Errorf(gallra.EINVALID, "choose at least one module")
	}
	var req *store.SubjectRequest
	if err == nil {
		req, err = h.requests.Submit(r.Context(), v.Staff, in)
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
		d.Error = gallra.ErrorMessage(err)
		if !f.Attest {
			d.Error = catalogs[language(r, v)].T("rq.attest.missing")
		}
		h.render(w, r, v, statusOf(c), "requests", d)
		return nil
	}
	h.log.Info("web: request created", "org_id", v.Org.ID, "request_id", req.ID, "kind", string(req.Kind), "staff_id", v.Staff.ID)
	return redirect(w, r, "/requests/"+strconv.FormatInt(req.ID, 10)+"?ok=request_created")
}

type requestData struct {
	R        *store.SubjectRequest
	Channels map[int64]string
	By       string
	CanGet   bool
	Counts   []countRow
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
	chs, err := h.db.ListChannels(r.Context(), v.Org.ID, "")
	if err != nil {
		return nil, err
	}
	for _, c := range chs {
		d.Channels[c.ID] = c.Name
	}
	if s, err := h.db.GetStaff(r.Context(), v.Org.ID, req.RequestedBy); err == nil {
		d.By = s.Name
	}
	d.CanGet = req.Kind == store.RequestExport && req.Status == store.StatusCompleted && req.Artefact != nil && req.Artefact.Path != "" && req.Artefact.DeletedAt == nil
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
