package web

import (
	"context"
	"encoding/json"
	"os"
	"sort"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/takeout"
)

// Requests is what the UI needs from the data-subject request service
// (*takeout.Service implements it). Each method checks that the staff user
// may act on every channel of the request.
type Requests interface {
	Submit(ctx context.Context, staff *gallra.Staff, in takeout.NewRequest) (*gallra.SubjectRequest, error)
	Get(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error)
	List(ctx context.Context, staff *gallra.Staff, f gallra.RequestFilter) ([]gallra.SubjectRequest, error)
	// OpenArtefact opens a completed export's ZIP (audited); the caller
	// closes it.
	OpenArtefact(ctx context.Context, staff *gallra.Staff, id int64) (*os.File, *gallra.SubjectRequest, error)
	// Receipt is the confirmation to send the person, in "sv" or "en".
	Receipt(ctx context.Context, staff *gallra.Staff, id int64, lang string) (*takeout.Receipt, error)
	// Extend moves an open request's due date by 1 or 2 months with a
	// reason (at most takeout.MaxExtensionMonths in total, Art. 12(3));
	// audited.
	Extend(ctx context.Context, staff *gallra.Staff, id int64, months int, reason string) (*gallra.SubjectRequest, error)
	// Cancel cancels a received or failed request with a reason; audited.
	Cancel(ctx context.Context, staff *gallra.Staff, id int64, reason string) (*gallra.SubjectRequest, error)
	// Rerun processes a failed request again, resuming where it stopped.
	Rerun(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error)
	// Refuse refuses a received or failed request with the reason told to
	// the person (Art. 12(4), 12(5)); audited.
	Refuse(ctx context.Context, staff *gallra.Staff, id int64, reason string) (*gallra.SubjectRequest, error)
	// Assign makes a staff user (0: nobody) the request's handler.
	Assign(ctx context.Context, staff *gallra.Staff, id, assignee int64) (*gallra.SubjectRequest, error)
	// Assignees lists who may handle the request.
	Assignees(ctx context.Context, staff *gallra.Staff, id int64) ([]gallra.StaffRef, error)
	// AddNote and Notes keep the staff's internal notes on a request.
	AddNote(ctx context.Context, staff *gallra.Staff, id int64, body string) (*gallra.RequestNote, error)
	Notes(ctx context.Context, staff *gallra.Staff, id int64) ([]gallra.RequestNote, error)
	// Letter is the letter to the person about an extension or a refusal.
	Letter(ctx context.Context, staff *gallra.Staff, id int64, kind, lang string) (*takeout.Letter, error)
	// Settings and SaveSettings read and replace the request settings.
	Settings(ctx context.Context, staff *gallra.Staff) (*gallra.RequestSettings, error)
	SaveSettings(ctx context.Context, staff *gallra.Staff, in gallra.RequestSettings) (*gallra.RequestSettings, error)
	// Preview is what a request would reach, per channel, and what an
	// erasure would leave (shown before the request is confirmed).
	Preview(ctx context.Context, staff *gallra.Staff, in takeout.NewRequest) (*takeout.Preview, error)
}

var (
	_ Requests = (*takeout.Service)(nil)
)

func sortStrings(s []string) { sort.Strings(s) }

// compact renders an audit detail value: strings as they are, anything else
// as compact JSON.
func compact(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
