package takeout

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// settleHolds ends an erasure pass that had to leave topics or
// conversations under a legal hold (held), or a pass after a release
// (cur.HoldWait set), in tx with cur locked and claimed:
//
//   - something is still held: the request waits (status waiting_on_hold),
//     keeping the clear address, which the erasure needs to finish; the
//     first time, the person has been answered (finished_at, completed_late
//     and the counts so far are recorded) and earlier requests are retired;
//   - nothing is held any more: the request completes, the address is
//     dropped and the wait records when the rest was erased.
//
// The list of held items (ids only) is kept in subject_request_holds, by
// which a release and the requests.process job find the request again.
func (s *Service) settleHolds(ctx context.Context, tx *store.Tx, cur *gallra.SubjectRequest, held []gallra.HeldItem) ([]string, error) {
	now := tx.Now
	w := cur.HoldWait
	first := w == nil
	if first {
		w = &gallra.HoldWait{Since: now, CountsBefore: maps.Clone(cur.Counts), Items: []gallra.HeldItem{}}
		cur.CompletedLate = now.After(cur.DueAt) // answered now (Art. 12(3))
	}
	for _, it := range w.Items {
		if !slices.ContainsFunc(held, func(h gallra.HeldItem) bool { return h.Type == it.Type && h.ID == it.ID }) {
			w.Released = append(w.Released, it)
		}
	}
	w.Items = held
	if w.Items == nil {
		w.Items = []gallra.HeldItem{}
	}
	cur.HoldWait = w
	cur.Error, cur.Overdue, cur.Claim, cur.RetryAt = "", false, "", nil
	cur.VerificationNote = "" // the person has been answered
	action := "request.waiting_on_hold"
	details := map[string]any{"kind": string(cur.Kind), "email_hash": cur.EmailHash, "counts": cur.Counts, "held": heldIDs(held)}
	if len(held) > 0 {
		cur.Status = gallra.StatusWaitingOnHold
		since := w.Since
		cur.FinishedAt = &since
	} else {
		cur.Status, cur.FinishedAt, cur.Email = gallra.StatusCompleted, &now, ""
		w.FinishedAt = &now
		delete(cur.Counts, "retained_legal_hold")
		action = "request.completed"
		details["after_hold"] = true
		details["erased_later"] = w.ErasedLater(cur.Counts)
		delete(details, "held")
	}
	if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
		return nil, err
	}
	if err := tx.SetRequestHolds(ctx, cur); err != nil {
		return nil, err
	}
	var retired []string
	if first {
		var err error
		if retired, err = s.retireEarlier(ctx, tx, cur); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(ctx, cur.OrgID, gallra.Actor{Type: gallra.ActorSystem}, action, "subject_request", cur.ID, details); err != nil {
		return nil, err
	}
	return retired, nil
}

// heldIDs lists held items as "type:id" for the audit log.
func heldIDs(items []gallra.HeldItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%s:%d", it.Type, it.ID)
	}
	return out
}

// QueueAfterRelease queues the requests.process job of every erasure of
// the organisation waiting on the hold of one topic or conversation, to
// be called once that hold is released; it returns how many it queued.
// Should the process die between the release and this call, the
// requests.process job's minute run finds those requests anyway (waiting
// requests whose holds are gone are workable), so nothing depends on it
// but the speed.
func QueueAfterRelease(ctx context.Context, db *store.DB, orgID int64, st gallra.SubjectType, id int64) (int, error) {
	ids, err := db.RequestsWaitingOn(ctx, orgID, st, id)
	if err != nil {
		return 0, err
	}
	for _, rid := range ids {
		payload, _ := json.Marshal(ProcessPayload{OrgID: orgID, RequestID: rid})
		if _, err := db.EnqueueJob(ctx, JobProcess, orgID, fmt.Sprintf("request:%d", rid), string(payload), db.Now()); err != nil {
			return 0, fmt.Errorf("queue request %d after release: %w", rid, err)
		}
	}
	return len(ids), nil
}
