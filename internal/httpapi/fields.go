package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
)

// CustomFieldInput sets a custom field; an empty value removes it.
type CustomFieldInput struct {
	SubjectType gallra.SubjectType `json:"subject_type"`
	SubjectID   int64              `json:"subject_id"`
	Key         string             `json:"key"`
	Value       string             `json:"value"`
}

var subjectEnum = []string{"person", "forum_topic", "mail_conversation", "chat_conversation"}

func (s *Server) customFieldRoutes(r *Router) {
	tags := []string{"custom fields"}
	r.Handle(Route{Method: "GET", Path: "/api/v1/custom-fields", Summary: "List the custom fields of a person or conversation", Tags: tags, Auth: AuthStaff,
		Description: "Editors may read fields of conversations in their channels; person fields are for administrators.",
		Query:       []Param{{Name: "subject_type", Type: "string", Enum: subjectEnum, Required: true}, {Name: "subject_id", Type: "integer", Required: true}},
		Response:    List[gallra.CustomField]{}, Errors: []string{gallra.ENOTFOUND}, Handler: s.listCustomFields})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/custom-fields", Summary: "Set (or with an empty value remove) a custom field", Tags: tags, Auth: AuthStaff,
		Description: fmt.Sprintf("422 for a new key once the subject has %d fields.", gallra.MaxCustomFields),
		Request:     CustomFieldInput{}, Errors: []string{gallra.ENOTFOUND, gallra.EUNPROCESS}, Handler: s.putCustomField})
}

func (s *Server) listCustomFields(w http.ResponseWriter, r *http.Request) error {
	st := r.URL.Query().Get("subject_type")
	if st == "" {
		return gallra.Errorf(gallra.EINVALID, "subject_type is required")
	}
	id, err := QueryID(r, "subject_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return gallra.Errorf(gallra.EINVALID, "subject_id is required")
	}
	list, err := s.svc.CustomFields.CustomFields(r.Context(), PrincipalFrom(r.Context()).Staff, gallra.SubjectType(st), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) putCustomField(w http.ResponseWriter, r *http.Request) error {
	var in CustomFieldInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.svc.CustomFields.SetCustomField(r.Context(), PrincipalFrom(r.Context()).Staff, in.SubjectType, in.SubjectID, in.Key, in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
