package gallra

import "time"

// KeepsLonger reports whether changing a retention policy from one to
// another keeps data longer than before: "never purge" after a purge, or a
// longer period. Such a change weakens protection, so staff must give a
// reason (ReasonRetentionWeakened) and the audit entry says so.
func KeepsLonger(from, to Policy) bool { return to.Period.Longer(from.Period) }

// ReasonRetentionWeakened is the Details["reason"] of the refusal of a
// change that keeps data longer (KeepsLonger) made without a reason.
const ReasonRetentionWeakened = "retention_reason_required"

// MaxGovernanceReason bounds the reason given for a governance decision.
const MaxGovernanceReason = 1000

// Reasons (Error Details["reason"]) of the refusals of
// HoldService.ReleaseHoldWithReason, which the UI words in Swedish and
// English.
const (
	ReasonHoldNotYours    = "hold_not_yours"      // someone else's hold, and not an administrator
	ReasonHoldNeedsReason = "hold_release_reason" // someone else's hold, released without a reason
	ReasonHoldNotHeld     = "not_on_hold"
)

// PurgeSchedule is when the retention purge runs: every Interval, next at
// Next (nil: nothing queued), Running when a run is under way now.
type PurgeSchedule struct {
	Interval time.Duration `json:"interval"`
	Next     *time.Time    `json:"next,omitempty"`
	Running  bool          `json:"running"`
}
