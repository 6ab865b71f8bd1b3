package gallra

import "time"

// AuditEntry is one record of the append-only audit log. Entries hold ids,
// counts and keyed hashes, never personal data. Each entry's Hash covers its
// content and the previous entry's hash in the same organisation, so an edited
// or removed entry breaks the chain.
type AuditEntry struct {
	ID          int64          `json:"id"`
	OrgID       int64          `json:"org_id"`
	Seq         int64          `json:"seq"`
	At          time.Time      `json:"at"`
	ActorType   string         `json:"actor_type"` // "staff", "token", "system", "public"
	ActorID     int64          `json:"actor_id,omitempty"`
	Action      string         `json:"action"`
	SubjectType string         `json:"subject_type,omitempty"`
	SubjectID   int64          `json:"subject_id,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
	PrevHash    string         `json:"prev_hash"`
	Hash        string         `json:"hash"`
}

// Actor is who performs an action, recorded in the audit log.
type Actor struct {
	Type string // "staff", "system", "public"
	ID   int64
}

// Actor types.
const (
	ActorStaff  = "staff"  // a staff user, through the UI or one of their API tokens
	ActorSystem = "system" // scheduled jobs and CLI maintenance (purges, expiry)
	ActorPublic = "public" // an unauthenticated end customer
)
