package httpapi

import (
	"net/http"

	"github.com/gallra/gallra"
)

// The privacy register's routes (docs/privacy-register.md): the register
// settings, the records and the Art. 30 record of the caller's
// organisation, each channel's notice and its versions, the sub-processors
// (and the operator's routes that change them). Every rule is
// gallra.PrivacyService's.

// PrivacyRoutes returns the route group for Config.Extra, bound to p.
func PrivacyRoutes(p gallra.PrivacyService) func(r *Router) {
	return func(r *Router) { (&privacyAPI{s: r.s, p: p}).routes(r) }
}

type privacyAPI struct {
	s *Server
	p gallra.PrivacyService
}

// PrivacyRegisterRequest is the body of PATCH /api/v1/privacy/register:
// every member is optional; module and channel replace that module's
// setting or that channel's override (all fields empty: removed).
type PrivacyRegisterRequest struct {
	Kind       *string                   `json:"kind,omitempty"`
	Controller *gallra.PrivacyController `json:"controller,omitempty"`
	Security   *gallra.BiText            `json:"security,omitempty"`
	Module     *gallra.PrivacyProcessing `json:"module,omitempty"`
	Channel    *gallra.PrivacyProcessing `json:"channel,omitempty"`
}

// ProcessingRecordList is the processing record of every channel.
type ProcessingRecordList struct {
	Items []gallra.ProcessingRecord `json:"items"`
}

// NoticeResponse is a channel's Art. 13 notice.
type NoticeResponse struct {
	ChannelID int64  `json:"channel_id"`
	Lang      string `json:"lang"`
	Notice    string `json:"notice"`
}

// NoticeVersionList is a channel's notice versions, newest first.
type NoticeVersionList struct {
	Items []gallra.NoticeVersion `json:"items"`
}

// SubProcessorList is the current sub-processors; Changed says the list
// changed since an administrator of the organisation last acknowledged it.
type SubProcessorList struct {
	Items   []gallra.SubProcessor `json:"items"`
	Changed bool                  `json:"changed"`
}

func (a *privacyAPI) routes(r *Router) {
	tags := []string{"privacy"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/privacy/register", Summary: "The organisation's privacy register settings", Tags: tags, Auth: AuthStaff,
		Response: gallra.PrivacyRegister{}, Handler: a.getRegister})
	r.Handle(Route{Method: "PATCH", Path: "/api/v1/privacy/register", Summary: "Change the privacy register (controller, legal bases, purposes, recipients, security)", Tags: tags, Auth: AuthAdmin,
		Permission: gallra.PermManageOrganisation, Request: PrivacyRegisterRequest{}, Response: gallra.PrivacyRegister{}, Handler: a.patchRegister})
	r.Handle(Route{Method: "GET", Path: "/api/v1/privacy/records", Summary: "Each channel's processing: basis, purpose, categories, recipients, live retention", Tags: tags, Auth: AuthAdmin,
		Permission: gallra.PermManageOrganisation, Response: ProcessingRecordList{}, Handler: a.records})
	r.Handle(Route{Method: "GET", Path: "/api/v1/privacy/art30", Summary: "The Art. 30 record of processing activities, generated now", Tags: tags, Auth: AuthAdmin,
		Permission: gallra.PermManageOrganisation, Response: gallra.Art30Record{}, Handler: a.art30})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/notice", Summary: "A channel's Art. 13 privacy notice, from the register and its live retention", Tags: tags, Auth: AuthStaff,
		Query: []Param{{Name: "lang", Type: "string", Enum: []string{"sv", "en"}, Description: "default: the organisation's language"}}, Response: NoticeResponse{}, Errors: []string{gallra.EUNPROCESS}, Handler: a.notice})
	r.Handle(Route{Method: "GET", Path: "/api/v1/channels/{id}/notice/versions", Summary: "Every version of a channel's notice with the period it was shown", Tags: tags, Auth: AuthStaff,
		Response: NoticeVersionList{}, Handler: a.noticeVersions})
	r.Handle(Route{Method: "GET", Path: "/api/v1/privacy/subprocessors", Summary: "The operator's sub-processors and whether they changed since last acknowledged", Tags: tags, Auth: AuthStaff,
		Response: SubProcessorList{}, Handler: a.subprocessors})
	r.Handle(Route{Method: "POST", Path: "/api/v1/privacy/subprocessors/acknowledge", Summary: "Acknowledge the current sub-processor list", Tags: tags, Auth: AuthAdmin,
		Permission: gallra.PermManageOrganisation, Status: http.StatusNoContent, Handler: a.acknowledge})

	op := []string{"operator"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/operator/subprocessors", Summary: "Every sub-processor, removed ones too (operator)", Tags: op, Auth: AuthOperator,
		Response: SubProcessorList{}, Handler: a.opList})
	r.Handle(Route{Method: "POST", Path: "/api/v1/operator/subprocessors", Summary: "Add a sub-processor; every organisation is notified (operator)", Tags: op, Auth: AuthOperator,
		Request: gallra.NewSubProcessor{}, Response: gallra.SubProcessor{}, Status: http.StatusCreated, Handler: a.opAdd})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/operator/subprocessors/{id}", Summary: "Change a sub-processor; every organisation is notified (operator)", Tags: op, Auth: AuthOperator,
		Request: gallra.NewSubProcessor{}, Response: gallra.SubProcessor{}, Handler: a.opUpdate})
	r.Handle(Route{Method: "DELETE", Path: "/api/v1/operator/subprocessors/{id}", Summary: "Remove a sub-processor; every organisation is notified (operator)", Tags: op, Auth: AuthOperator,
		Status: http.StatusNoContent, Handler: a.opRemove})
}

func staffOf(r *http.Request) *gallra.Staff { return PrincipalFrom(r.Context()).Staff }

func (a *privacyAPI) getRegister(w http.ResponseWriter, r *http.Request) error {
	reg, err := a.p.Register(r.Context(), staffOf(r))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, reg)
}

func (a *privacyAPI) patchRegister(w http.ResponseWriter, r *http.Request) error {
	var in PrivacyRegisterRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := a.p.UpdateRegister(r.Context(), staffOf(r), gallra.PrivacyRegisterUpdate{Kind: in.Kind, Controller: in.Controller, Security: in.Security, Module: in.Module, Channel: in.Channel})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, reg)
}

func (a *privacyAPI) records(w http.ResponseWriter, r *http.Request) error {
	recs, err := a.p.Records(r.Context(), staffOf(r))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, ProcessingRecordList{Items: recs})
}

func (a *privacyAPI) art30(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.p.Art30(r.Context(), staffOf(r))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, rec)
}

func (a *privacyAPI) notice(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.s.channel(r.Context(), PrincipalFrom(r.Context()), id)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		org, err := a.s.svc.Organisations.GetOrganisation(r.Context(), staffOf(r))
		if err != nil {
			return err
		}
		lang = org.Language
	}
	s, err := a.p.NoticeText(r.Context(), c.OrgID, c.ID, lang)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, NoticeResponse{ChannelID: c.ID, Lang: lang, Notice: s})
}

func (a *privacyAPI) noticeVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := a.p.NoticeHistory(r.Context(), staffOf(r), id)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, NoticeVersionList{Items: vs})
}

func (a *privacyAPI) subprocessors(w http.ResponseWriter, r *http.Request) error {
	subs, changed, err := a.p.SubProcessors(r.Context(), staffOf(r))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, SubProcessorList{Items: subs, Changed: changed})
}

func (a *privacyAPI) acknowledge(w http.ResponseWriter, r *http.Request) error {
	if err := a.p.AcknowledgeSubProcessors(r.Context(), staffOf(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *privacyAPI) opList(w http.ResponseWriter, r *http.Request) error {
	subs, err := a.p.ListSubProcessorsAsOperator(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, SubProcessorList{Items: subs})
}

func (a *privacyAPI) opAdd(w http.ResponseWriter, r *http.Request) error {
	var in gallra.NewSubProcessor
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	s, err := a.p.AddSubProcessorAsOperator(r.Context(), in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, s)
}

func (a *privacyAPI) opUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in gallra.NewSubProcessor
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	s, err := a.p.UpdateSubProcessorAsOperator(r.Context(), id, in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, s)
}

func (a *privacyAPI) opRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.p.RemoveSubProcessorAsOperator(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
