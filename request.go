package gallra

import "time"

// RequestKind is the kind of a data-subject request.
type RequestKind string

// Request kinds.
const (
	RequestExport RequestKind = "export" // GDPR Art. 15 access / Art. 20 portability
	RequestErase  RequestKind = "erase"  // GDPR Art. 17 erasure
)

// RequestStatus is where a data-subject request is in its lifecycle:
// received → processing → completed | failed | cancelled. A failed request
// may be processed again (it resumes where it stopped).
type RequestStatus string

// Request statuses.
const (
	StatusReceived   RequestStatus = "received"
	StatusProcessing RequestStatus = "processing"
	StatusCompleted  RequestStatus = "completed"
	StatusFailed     RequestStatus = "failed"
	StatusCancelled  RequestStatus = "cancelled"
	// StatusRefused: the organisation refused the request as manifestly
	// unfounded or excessive (Art. 12(5)), with the reason told to the
	// person (Art. 12(4)).
	StatusRefused RequestStatus = "refused"
)

// Open reports whether a request in status s still has to be answered (it
// counts towards the deadline).
func (s RequestStatus) Open() bool {
	return s == StatusReceived || s == StatusProcessing || s == StatusFailed
}

// Mention is an item written by someone else that contains the data
// subject's e-mail address or phone number. Mentions are listed for an
// editor to review; they are never exported or erased automatically. A
// mention holds ids only.
type Mention struct {
	Type      string `json:"type"` // forum_post, mail_message, chat_message, social_item
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	ParentID  int64  `json:"parent_id,omitempty"` // topic or conversation
	Match     string `json:"match"`               // "email" or "phone"
}

// Artefact is the export file of a completed export request. Path names the
// file relative to the artefact directory (org-<org>/request-<id>.zip; rows
// written before that hold the path joined with the directory) and is never
// shown to clients.
type Artefact struct {
	Path      string     `json:"-"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// SubjectRequest is a data-subject request (export or erasure) of one person,
// identified by e-mail address, in one organisation.
type SubjectRequest struct {
	ID     int64         `json:"id"`
	OrgID  int64         `json:"org_id"`
	Kind   RequestKind   `json:"kind"`
	Status RequestStatus `json:"status"`
	// Email is the normalised address while the request needs it; it is
	// empty once the request has been reduced to EmailHash.
	Email              string           `json:"-"`
	EmailHash          string           `json:"email_hash"`
	Modules            []Module         `json:"modules"`
	ChannelIDs         []int64          `json:"channel_ids"`
	ForumAction        string           `json:"forum_action,omitempty"`
	RequestedBy        int64            `json:"requested_by"`
	Attestation        string           `json:"attestation"`
	VerificationMethod string           `json:"verification_method"`
	VerificationNote   string           `json:"verification_note,omitempty"`
	ReceivedAt         time.Time        `json:"received_at"`
	DueAt              time.Time        `json:"due_at"`
	ExtendedMonths     int              `json:"extended_months"`
	ExtensionReason    string           `json:"extension_reason,omitempty"`
	StartedAt          *time.Time       `json:"started_at,omitempty"`
	FinishedAt         *time.Time       `json:"finished_at,omitempty"`
	Counts             map[string]int64 `json:"counts"`
	Mentions           []Mention        `json:"mentions"`
	Error              string           `json:"error,omitempty"`
	Artefact           *Artefact        `json:"artefact,omitempty"`
	// Overdue is true for an open request past its due date (computed on read).
	Overdue bool `json:"overdue"`
	// EmailRetained tells whether the clear address is still stored.
	EmailRetained bool `json:"email_retained"`
	// MentionsStatus tells whether Mentions is final: "pending" (the
	// requests.process job has yet to search), "complete", or "partial" (the
	// search stopped at its time or row bound). Empty on requests made before
	// mentions were searched by the job.
	MentionsStatus string `json:"mentions_status"`
	// UpdatedAt is the last change or heartbeat of processing.
	UpdatedAt time.Time `json:"updated_at"`
	// Attempts counts how often processing started.
	Attempts int `json:"attempts"`
	// RetryAt is when the requests.process job retries a failed request
	// (nil: it is not retried by itself; POST …/process re-runs it).
	RetryAt *time.Time `json:"retry_at,omitempty"`
	// Claim is the token of the worker processing the request.
	Claim string `json:"-"`
	// MentionKeys holds what the mention search needs once the person's data
	// is gone (keyed hashes of phone numbers, the person id), as JSON.
	MentionKeys string `json:"-"`
	// PlannedArtefact is the path (relative to the artefact directory) an
	// export in progress writes its ZIP to (recorded before writing, so no
	// file is ever unaccounted for).
	PlannedArtefact string `json:"-"`
	// PersonData tells whether the request covers person-level data (the
	// person record and the custom fields on the person), which lie in no
	// channel: only an admin's request does.
	PersonData bool `json:"person_data"`
	// Reference names the request to people: DSR-<year>-<number>, unique
	// in the organisation.
	Reference string `json:"reference"`
	// AssigneeID is the staff user handling the request (nil: nobody).
	AssigneeID *int64 `json:"assignee_id,omitempty"`
	// CompletedLate records that the request was completed after its due
	// date (Art. 12(3)); set when it completes, never changed after.
	CompletedLate bool `json:"completed_late"`
	// CloseReason is why the request was cancelled or refused.
	CloseReason string `json:"close_reason,omitempty"`
	// IdempotencyKey is the client's Idempotency-Key of the creating call.
	IdempotencyKey string `json:"-"`
	// HoldWait is set on an erasure that waited (or waits: status
	// waiting_on_hold) for legal holds on some of the person's topics or
	// conversations.
	HoldWait *HoldWait `json:"hold_wait,omitempty"`
}

// RequestFilter selects requests in ListSubjectRequests. Zero fields match
// everything.
type RequestFilter struct {
	Status    RequestStatus
	Kind      RequestKind
	Overdue   bool   // only open requests past their due date
	EmailHash string // requests about one person (keyed hash)
	// RestrictChannels limits the list to requests whose every channel is
	// in ActOn (an editor's channels); false lists all (admins).
	RestrictChannels bool
	ActOn            []int64
	Page             Page
	// Reference matches requests whose reference contains it (case-
	// insensitive), e.g. "0042" or "DSR-2026-0042".
	Reference string
	// AssigneeID: requests assigned to this staff user (0: any);
	// Unassigned: requests assigned to nobody.
	AssigneeID int64
	Unassigned bool
}

// RequestNote is an internal note of the staff on a request; it is never
// sent to the person.
type RequestNote struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	StaffID   int64     `json:"staff_id"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// PrivacyInfo is what the organisation tells a person about the processing
// of their data in every export (Art. 15(1) a–h): until the privacy
// register provides it, an admin fills it in the request settings. Empty
// fields are left out of the export.
type PrivacyInfo struct {
	Controller string `json:"controller"`  // who is responsible, with contact details
	DPOContact string `json:"dpo_contact"` // the data-protection officer
	Purposes   string `json:"purposes"`    // (a) purposes and legal basis
	Categories string `json:"categories"`  // (b) categories of personal data
	Recipients string `json:"recipients"`  // (c) recipients, transfers
	Retention  string `json:"retention"`   // (d) how long data is kept
	Rights     string `json:"rights"`      // (e) rectification, erasure, restriction, objection
	Complaint  string `json:"complaint"`   // (f) the supervisory authority
	Source     string `json:"source"`      // (g) where data not from the person came from
	Automated  string `json:"automated"`   // (h) automated decision-making
}

// RequestSettings are an organisation's settings for data-subject requests:
// the time zone of exports and letters, and the Art. 15(1) information.
type RequestSettings struct {
	TimeZone string      `json:"time_zone"` // IANA name, e.g. Europe/Stockholm
	Info     PrivacyInfo `json:"info"`
}

// DefaultTimeZone is the time zone of organisations that set none.
const DefaultTimeZone = "Europe/Stockholm"
