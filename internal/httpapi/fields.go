package httpapi

import (
	"net/http"
	"strings"

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
		Response:    List[gallra.CustomField]{}, Handler: s.listCustomFields})
	r.Handle(Route{Method: "PUT", Path: "/api/v1/custom-fields", Summary: "Set (or with an empty value remove) a custom field", Tags: tags, Auth: AuthStaff,
		Request: CustomFieldInput{}, Handler: s.putCustomField})
}

// authorizeSubject checks the caller may act on a custom-field subject:
// 404 when it is not the organisation's, 403 for editors outside its channel
// (persons span channels, so their fields are for administrators).
func (s *Server) authorizeSubject(r *http.Request, p *Principal, st gallra.SubjectType, id int64) error {
	if id <= 0 {
		return gallra.Errorf(gallra.EINVALID, "subject_id must be a positive integer")
	}
	ctx, org := r.Context(), p.OrgID()
	var channelID int64
	switch st {
	case gallra.SubjectPerson:
		if _, err := s.db.GetPerson(ctx, org, id); err != nil {
			return err
		}
		if !p.IsAdmin() {
			return gallra.Errorf(gallra.EFORBIDDEN, "custom fields of persons are for administrators")
		}
		return nil
	case gallra.SubjectForumTopic:
		t, err := s.db.GetTopic(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = t.ChannelID
	case gallra.SubjectMailConversation:
		c, err := s.db.GetMailConversation(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = c.ChannelID
	case gallra.SubjectChatConversation:
		c, err := s.db.GetChat(ctx, org, id)
		if err != nil {
			return err
		}
		channelID = c.ChannelID
	default:
		return gallra.Errorf(gallra.EINVALID, "subject_type must be one of %s", strings.Join(subjectEnum, ", "))
	}
	return s.authorizeChannel(p, channelID)
}

func (s *Server) listCustomFields(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
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
	if err := s.authorizeSubject(r, p, gallra.SubjectType(st), id); err != nil {
		return err
	}
	list, err := s.db.ListCustomFields(r.Context(), p.OrgID(), gallra.SubjectType(st), id)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, fullList(list))
	return nil
}

func (s *Server) putCustomField(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	var in CustomFieldInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.authorizeSubject(r, p, in.SubjectType, in.SubjectID); err != nil {
		return err
	}
	if err := s.db.SetCustomField(r.Context(), p.Actor(), p.OrgID(), in.SubjectType, in.SubjectID, in.Key, in.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
