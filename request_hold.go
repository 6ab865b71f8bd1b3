package gallra

import "time"

// StatusWaitingOnHold is an erasure that erased everything it could and
// waits for legal holds (Art. 17(3)(e)) on some of the person's topics or
// conversations: the person has been answered, what is held is listed in
// HoldWait, and the erasure finishes by itself when the holds are released
// (then the status becomes completed and the receipt says what was erased
// later, and when).
const StatusWaitingOnHold RequestStatus = "waiting_on_hold"

// HeldItem is a topic or conversation under a legal hold that an erasure
// waits for: ids only, never personal data.
type HeldItem struct {
	Type      SubjectType `json:"subject_type"`
	ID        int64       `json:"subject_id"`
	ChannelID int64       `json:"channel_id"`
}

// HoldWait is the record of an erasure that waited for legal holds.
type HoldWait struct {
	// Since is when the erasure first stopped at the holds (the person was
	// answered then).
	Since time.Time `json:"since"`
	// Items are the topics and conversations still held (empty once the
	// erasure finished).
	Items []HeldItem `json:"items"`
	// Released are the items whose hold was released and whose data was
	// erased after it.
	Released []HeldItem `json:"released,omitempty"`
	// CountsBefore are the request's counts when it first waited; the
	// counts erased after the release are the difference to Counts.
	CountsBefore map[string]int64 `json:"counts_before"`
	// FinishedAt is when the rest was erased after the last release.
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// ErasedLater returns what was erased after the holds were released: the
// request's counts minus those when it first waited (only positive
// differences; the retained_legal_hold count is left out).
func (w *HoldWait) ErasedLater(counts map[string]int64) map[string]int64 {
	out := map[string]int64{}
	if w == nil {
		return out
	}
	for k, v := range counts {
		if k == "retained_legal_hold" {
			continue
		}
		if d := v - w.CountsBefore[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}
