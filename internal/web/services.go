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
	// Cancel cancels a received or failed request; audited.
	Cancel(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error)
	// Rerun processes a failed request again, resuming where it stopped.
	Rerun(ctx context.Context, staff *gallra.Staff, id int64) (*gallra.SubjectRequest, error)
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
