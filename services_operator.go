package gallra

import (
	"context"
	"time"
)

// OperatorService is the platform operator's (the processor's) interface to
// organisations (the controllers): onboarding a customer with its first
// administrator, listing them, suspending and resuming their service, and
// erasing an organisation with all its data when the contract ends. No staff
// user of any organisation may call it: the CLI (whoever runs it owns the
// database) and the operator API (GALLRA_OPERATOR_TOKEN) do. Every change is
// recorded in the operator audit log (ids, the organisation's name and
// counts only), never in the organisation's own log alone.
type OperatorService interface {
	// CreateOrganisation creates an organisation with its first
	// administrator and a one-time sign-in link (LinkSetup, valid
	// SetupLinkTTL) in one transaction; audited in the organisation's log
	// and the operator's. EINVALID names a wrong field; a name another
	// organisation has (ignoring case) is ECONFLICT.
	CreateOrganisation(ctx context.Context, in NewOrganisation) (*CreatedOrganisation, error)
	// ListOrganisations returns every organisation with its status and
	// counts, by id.
	ListOrganisations(ctx context.Context) ([]OrganisationSummary, error)
	// GetOrganisation returns one organisation's summary; ENOTFOUND when it
	// does not exist (or no longer: deleted).
	GetOrganisation(ctx context.Context, id int64) (*OrganisationSummary, error)
	// DisableOrganisation suspends an active organisation: its staff's
	// tokens, sessions, sign-in links and passwords are refused
	// (EFORBIDDEN, "organisation is disabled"), its public channels and
	// inbox addresses answer ENOTFOUND; its data is kept and the retention
	// purge keeps running. Idempotent; ECONFLICT while it is being deleted.
	DisableOrganisation(ctx context.Context, id int64) (*OrganisationSummary, error)
	// EnableOrganisation resumes a disabled organisation; idempotent;
	// ECONFLICT while it is being deleted (deletion cannot be undone).
	EnableOrganisation(ctx context.Context, id int64) (*OrganisationSummary, error)
	// DeleteOrganisation erases the organisation and all its data. confirm
	// must be the organisation's exact name or its id (EINVALID otherwise);
	// the organisation must be disabled first (ECONFLICT), and an
	// organisation with legal holds is refused (ECONFLICT, with the count)
	// unless d.OverrideHolds says the controller has instructed the
	// deletion regardless. It marks the organisation "deleting" (from then
	// on the deletion cannot be undone and resumes after any interruption)
	// and, with d.Wait, erases everything in batches before it returns;
	// otherwise the background job does. Calling it again on an
	// organisation being deleted resumes the deletion.
	DeleteOrganisation(ctx context.Context, id int64, d OrganisationDeletion) (*OrganisationSummary, error)
	// ResumeDeletions finishes every deletion that was started and
	// interrupted (the background job, and `gallra org delete` of an
	// organisation already being deleted). It returns how many it
	// finished.
	ResumeDeletions(ctx context.Context) (int, error)
	// OperatorAudit returns the operator audit log, newest first (at most
	// limit entries, before seq beforeSeq when > 0).
	OperatorAudit(ctx context.Context, limit int, beforeSeq int64) ([]OperatorAuditEntry, error)
	// VerifyOperatorAudit checks the operator audit log's hash chain.
	VerifyOperatorAudit(ctx context.Context) (AuditResult, error)
}

// Organisation statuses (OrganisationSummary.Status).
const (
	OrgActive   = "active"
	OrgDisabled = "disabled"
	OrgDeleting = "deleting"
)

// NewOrganisation is an organisation to create with its first administrator.
type NewOrganisation struct {
	Name       string
	Language   string // "sv" (default) or "en"
	AdminName  string
	AdminEmail string
	// Kind is OrgKindPublic (default) or OrgKindCompany: it chooses the
	// privacy register's default legal basis.
	Kind string
}

// CreatedOrganisation is what CreateOrganisation made: the organisation, its
// first administrator and the secret of their one-time sign-in link (shown
// once), with the link itself when the service knows the UI's address.
type CreatedOrganisation struct {
	Organisation OrganisationSummary `json:"organisation"`
	Admin        Staff               `json:"admin"`
	LinkSecret   string              `json:"-"`
	// SignInLink is the one-time link the administrator opens to choose a
	// password: <base URL>/login/link/<secret>.
	SignInLink string    `json:"sign_in_link"`
	LinkExpiry time.Time `json:"sign_in_link_expires_at"`
}

// OrganisationSummary is an organisation as the operator sees it: no
// personal data, counts only.
type OrganisationSummary struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Language  string     `json:"language"`
	Status    string     `json:"status"` // active, disabled or deleting
	StatusAt  *time.Time `json:"status_changed_at"`
	CreatedAt time.Time  `json:"created_at"`
	Channels  int64      `json:"channels"`
	Staff     int64      `json:"staff"` // staff users not removed
	Holds     int64      `json:"legal_holds"`
}

// OrganisationDeletion are the options of DeleteOrganisation.
type OrganisationDeletion struct {
	// Confirm is the organisation's exact name or its id.
	Confirm string
	// OverrideHolds deletes even though legal holds exist: only on the
	// controller's documented instruction (docs/operators.md).
	OverrideHolds bool
	// Wait erases everything before returning (the CLI); otherwise the
	// organisation is marked and the background job erases it (the API).
	Wait bool
}

// OperatorAuditEntry is one entry of the operator audit log.
type OperatorAuditEntry struct {
	Seq      int64          `json:"seq"`
	At       time.Time      `json:"at"`
	Action   string         `json:"action"`
	OrgID    int64          `json:"org_id"`
	OrgName  string         `json:"org_name"`
	Details  map[string]any `json:"details,omitempty"`
	PrevHash string         `json:"prev_hash"`
	Hash     string         `json:"hash"`
}

// SetupLinkTTL is how long the first administrator's one-time sign-in link
// (printed by serve on first start and by CreateOrganisation) works.
const SetupLinkTTL = 24 * time.Hour
