package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
)

// CustomFields implements gallra.CustomFieldService.
type CustomFields struct{ d Deps }

var _ gallra.CustomFieldService = (*CustomFields)(nil)

// customFieldSubjects names the subject types custom fields are kept on.
const customFieldSubjects = "person, forum_topic, mail_conversation, chat_conversation"

// authorizeSubject loads a custom-field subject of the staff user's
// organisation (ENOTFOUND for any other) and checks the staff user may use
// its fields: p on a topic's or conversation's channel, PermPersonData on a
// person (who spans channels).
func (f *CustomFields) authorizeSubject(ctx context.Context, staff *gallra.Staff, p gallra.Permission, st gallra.SubjectType, id int64) (int64, error) {
	if err := positiveID("subject_id", id); err != nil {
		return 0, err
	}
	org, err := orgOf(staff)
	if err != nil {
		return 0, err
	}
	if st == gallra.SubjectPerson {
		if _, err := f.d.DB.GetPerson(ctx, org, id); err != nil {
			return 0, err
		}
		if !staff.Allowed(gallra.PermPersonData, 0) {
			return 0, &gallra.Error{Code: gallra.EFORBIDDEN, Message: "custom fields of persons are for administrators",
				Details: map[string]any{"permission": string(gallra.PermPersonData)}}
		}
		return org, nil
	}
	if !isConversation(st) {
		return 0, gallra.Errorf(gallra.EINVALID, "subject_type must be one of %s", customFieldSubjects)
	}
	s, err := loadSubject(ctx, f.d, org, st, id)
	if err != nil {
		return 0, err
	}
	return org, staff.Authorize(p, s.ChannelID)
}

// CustomFields implements gallra.CustomFieldService.
func (f *CustomFields) CustomFields(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, subjectID int64) ([]gallra.CustomField, error) {
	org, err := f.authorizeSubject(ctx, staff, gallra.PermViewChannel, st, subjectID)
	if err != nil {
		return nil, err
	}
	return f.d.DB.ListCustomFields(ctx, org, st, subjectID)
}

// SetCustomField implements gallra.CustomFieldService.
func (f *CustomFields) SetCustomField(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, subjectID int64, key, value string) error {
	org, err := f.authorizeSubject(ctx, staff, gallra.PermWorkChannel, st, subjectID)
	if err != nil {
		return err
	}
	key = strings.TrimSpace(key)
	if err := gallra.ValidateText("key", key, true, gallra.MaxKeyLen); err != nil {
		return err
	}
	if err := gallra.ValidateText("value", value, false, gallra.MaxValueLen); err != nil {
		return err
	}
	return f.d.DB.SetCustomField(ctx, actor(staff), org, st, subjectID, key, value)
}
