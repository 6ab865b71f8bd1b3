package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
	"github.com/gallra/gallra/internal/takeout"
)

// requestAssign makes a staff user (or nobody) the request's handler.
func (h *Handler) requestAssign(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.requestAction(w, r, v, "assign", func(id int64, l *lang) (fieldError, error) {
		a, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
		_, err := h.requests.Assign(r.Context(), v.Staff, id, a)
		if err != nil {
			return fieldError{Field: "assignee", Msg: userError(l, err)}, err
		}
		return fieldError{}, nil
	}, "request_assigned")
}

// requestNote adds an internal note.
func (h *Handler) requestNote(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.requestAction(w, r, v, "note", func(id int64, l *lang) (fieldError, error) {
		if strings.TrimSpace(r.PostFormValue("body")) == "" {
			return fieldError{Field: "body", Msg: l.T("rqerr.reason_required")}, nil
		}
		_, err := h.requests.AddNote(r.Context(), v.Staff, id, r.PostFormValue("body"))
		if err != nil {
			return fieldError{Field: "body", Msg: userError(l, err)}, err
		}
		return fieldError{}, nil
	}, "request_noted")
}

type letterData struct {
	R      *gallra.SubjectRequest
	Kind   string
	SV, EN *takeout.Letter
}

// requestLetter shows the letter about an extension or a refusal in both
// languages, ready to copy or print.
func (h *Handler) requestLetter(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	if kind != takeout.LetterRefusal {
		kind = takeout.LetterExtension
	}
	d := &letterData{Kind: kind}
	if d.R, err = h.requests.Get(r.Context(), v.Staff, id); err != nil {
		return err
	}
	if d.SV, err = h.requests.Letter(r.Context(), v.Staff, id, kind, "sv"); err != nil {
		return err
	}
	if d.EN, err = h.requests.Letter(r.Context(), v.Staff, id, kind, "en"); err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "request_letter", d)
	return nil
}

type requestSettingsData struct {
	S       *gallra.RequestSettings
	Fields  []settingsField
	CanEdit bool
	Err     string
	ErrTZ   bool
}

type settingsField struct{ Name, Value string }

func settingsFields(s *gallra.RequestSettings) []settingsField {
	i := s.Info
	vals := map[string]string{"controller": i.Controller, "dpo_contact": i.DPOContact, "purposes": i.Purposes, "categories": i.Categories,
		"recipients": i.Recipients, "retention": i.Retention, "rights": i.Rights, "complaint": i.Complaint, "source": i.Source, "automated": i.Automated}
	out := []settingsField{}
	for _, n := range takeout.InfoFieldNames() {
		out = append(out, settingsField{Name: n, Value: vals[n]})
	}
	return out
}

// requestSettings shows (and for admins edits) the request settings.
func (h *Handler) requestSettings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	s, err := h.requests.Settings(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	d := &requestSettingsData{S: s, Fields: settingsFields(s), CanEdit: v.Staff.Allowed(gallra.PermManageOrganisation, 0)}
	h.render(w, r, v, http.StatusOK, "request_settings", d)
	return nil
}

func (h *Handler) requestSettingsSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.requests == nil {
		return errNoRequests
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	in := gallra.RequestSettings{TimeZone: r.PostFormValue("time_zone"), Info: gallra.PrivacyInfo{
		Controller: r.PostFormValue("controller"), DPOContact: r.PostFormValue("dpo_contact"), Purposes: r.PostFormValue("purposes"),
		Categories: r.PostFormValue("categories"), Recipients: r.PostFormValue("recipients"), Retention: r.PostFormValue("retention"),
		Rights: r.PostFormValue("rights"), Complaint: r.PostFormValue("complaint"), Source: r.PostFormValue("source"), Automated: r.PostFormValue("automated")}}
	_, err := h.requests.SaveSettings(r.Context(), v.Staff, in)
	if err == nil {
		return redirect(w, r, "/requests/settings?ok=request_settings")
	}
	c := gallra.ErrorCode(err)
	if c != gallra.EINVALID && c != gallra.EFORBIDDEN {
		return err
	}
	d := &requestSettingsData{S: &in, Fields: settingsFields(&in), CanEdit: v.Staff.Allowed(gallra.PermManageOrganisation, 0),
		Err: userError(catalogs[language(r, v)], err)}
	rc, _ := gallra.ErrorDetails(err)["reason_code"].(string)
	d.ErrTZ = rc == takeout.ReasonTimeZone
	h.render(w, r, v, httpstatus.Code(c), "request_settings", d)
	return nil
}
