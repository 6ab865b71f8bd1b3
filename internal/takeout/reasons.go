package takeout

import "github.com/gallra/gallra"

// Reason codes name, in an error's details ("reason_code"), why the request
// service refused something, so that a user interface can say it in the
// user's language (the message stays English for the API and logs).
// ReasonCodes lists them all; the web UI has a text for each (a test fails
// for a code without one).
const (
	ReasonKind           = "kind_invalid"
	ReasonEmail          = "email_invalid"
	ReasonModules        = "modules_invalid"
	ReasonForumAction    = "forum_action_invalid"
	ReasonNoteLength     = "note_invalid"
	ReasonAttestation    = "attestation_required"
	ReasonMethod         = "method_required"
	ReasonNoteRequired   = "note_required"
	ReasonChannels       = "channels_missing"
	ReasonNoChannels     = "no_channels"
	ReasonDeadlinePassed = "deadline_passed"
	ReasonExtensionMax   = "extension_max"
	ReasonMonths         = "extension_months"
	ReasonReason         = "reason_required"
	ReasonClosed         = "request_closed"
	ReasonBusy           = "request_busy"
	ReasonAssignee       = "assignee_lacks_channels"
	ReasonTimeZone       = "unknown_time_zone"
	ReasonIdempotencyKey = "idempotency_key_invalid"
	ReasonNotConfirmed   = "not_confirmed"
	ReasonPreviewStale   = "preview_stale"
	ReasonNoLetter       = "no_letter"
	ReasonReduced        = "request_reduced"
	ReasonPersonData     = "person_data_admin_only"
	ReasonNoArtefact     = "no_artefact"
	ReasonNotCompleted   = "not_completed"
)

// ReasonCodes returns every reason code the request service gives.
func ReasonCodes() []string {
	return []string{ReasonKind, ReasonEmail, ReasonModules, ReasonForumAction, ReasonNoteLength, ReasonAttestation, ReasonMethod,
		ReasonNoteRequired, ReasonChannels, ReasonNoChannels, ReasonDeadlinePassed, ReasonExtensionMax, ReasonMonths, ReasonReason,
		ReasonClosed, ReasonBusy, ReasonAssignee, ReasonTimeZone, ReasonIdempotencyKey, ReasonNotConfirmed, ReasonPreviewStale,
		ReasonNoLetter, ReasonReduced, ReasonPersonData, ReasonNoArtefact, ReasonNotCompleted}
}

// withReason adds the reason code (and any extra details) to err, when it
// is a *gallra.Error; other errors are returned as they are.
func withReason(err error, code string, extra ...any) error {
	e, ok := err.(*gallra.Error)
	if !ok || e == nil {
		return err
	}
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["reason_code"] = code
	for i := 0; i+1 < len(extra); i += 2 {
		if k, ok := extra[i].(string); ok {
			e.Details[k] = extra[i+1]
		}
	}
	return e
}
