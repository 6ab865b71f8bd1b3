package gallra

import (
	"context"
	"time"
)

// OrganisationService reads and changes an organisation. Staff users only
// ever see their own organisation.
type OrganisationService interface {
	// GetOrganisation returns the staff user's organisation; any active
	// staff user may read it.
	GetOrganisation(ctx context.Context, staff *Staff) (*Organisation, error)
	// UpdateOrganisation renames the staff user's organisation or changes
	// its language (PermManageOrganisation); audited.
	UpdateOrganisation(ctx context.Context, staff *Staff, u OrganisationUpdate) (*Organisation, error)
	// ListOrganisationsAsOperator returns every organisation, for the
	// operator's CLI (no staff user: whoever can run the CLI owns the
	// database).
	ListOrganisationsAsOperator(ctx context.Context) ([]Organisation, error)
}

// OrganisationUpdate holds the changeable fields of an organisation; nil
// means unchanged.
type OrganisationUpdate struct {
	Name     *string
	Language *string
}

// ChannelService manages an organisation's channels and their editors, and
// decides which channels a staff user may see and act on.
type ChannelService interface {
	// ListChannels returns the staff user's channels (optionally of one
	// module) on which they hold permission p: admins every channel of the
	// organisation, editors the channels they are members of.
	ListChannels(ctx context.Context, staff *Staff, module Module, p Permission) ([]Channel, error)
	// GetChannel returns a channel of the staff user's organisation on which
	// they hold permission p. Another organisation's channel, an unknown id
	// and (when module is not "") a channel of another module answer
	// ENOTFOUND; a channel without the permission EFORBIDDEN.
	GetChannel(ctx context.Context, staff *Staff, id int64, module Module, p Permission) (*Channel, error)
	// CreateChannel adds a channel (PermManageChannels); EUNPROCESS once the
	// organisation has MaxChannels. Audited.
	CreateChannel(ctx context.Context, staff *Staff, in NewChannel) (*Channel, error)
	// UpdateChannel renames a channel or changes its inbox address
	// (PermManageChannels); audited.
	UpdateChannel(ctx context.Context, staff *Staff, id int64, u ChannelUpdate) (*Channel, error)
	// DeleteChannel removes an empty channel (PermManageChannels); a channel
	// that still holds content is ECONFLICT. Audited.
	DeleteChannel(ctx context.Context, staff *Staff, id int64) error
	// SetMembership makes a staff user an editor of the channel or removes
	// them (PermManageChannels); idempotent, audited when it changed.
	SetMembership(ctx context.Context, staff *Staff, channelID, staffID int64, member bool) error
	// SetMemberships makes the channels in channelIDs exactly the editor
	// memberships of a staff user (PermManageChannels).
	SetMemberships(ctx context.Context, staff *Staff, staffID int64, channelIDs []int64) error
}

// NewChannel is a channel to create.
type NewChannel struct {
	Module  Module
	Name    string
	Address string
}

// ChannelUpdate holds the changeable fields of a channel; nil means
// unchanged.
type ChannelUpdate struct {
	Name    *string
	Address *string
}

// StaffService manages staff users, their API tokens, passwords, sign-in
// links and sessions, and authenticates them. Operations of a signed-in
// staff user take the acting *Staff; the operations that establish who the
// caller is (Authenticate…, SignIn, the login links) and the operator's CLI
// operations (…AsOperator) say so in their names.
type StaffService interface {
	// ListStaff returns the organisation's staff users (PermManageStaff).
	ListStaff(ctx context.Context, staff *Staff) ([]Staff, error)
	// GetStaff returns one staff user of the organisation (PermManageStaff).
	GetStaff(ctx context.Context, staff *Staff, id int64) (*Staff, error)
	// ColleagueName returns the display name of a staff user of the same
	// organisation (e.g. who made a request), for any active staff user;
	// nothing else about them.
	ColleagueName(ctx context.Context, staff *Staff, id int64) (string, error)
	// CreateStaff adds an active staff user (PermManageStaff); the e-mail is
	// unique within the organisation (ECONFLICT); EUNPROCESS once the
	// organisation has MaxStaff. Audited.
	CreateStaff(ctx context.Context, staff *Staff, in NewStaff) (*Staff, error)
	// UpdateStaff changes a staff user (PermManageStaff). Nobody may
	// deactivate themselves or drop their own admin role (EUNPROCESS).
	// Deactivating revokes the user's tokens and ends their sessions.
	// Audited.
	UpdateStaff(ctx context.Context, staff *Staff, id int64, u StaffUpdate) (*Staff, error)
	// DeleteStaff removes a staff user's personal data when they leave
	// (PermManageStaff); nobody may delete themselves. Audited.
	DeleteStaff(ctx context.Context, staff *Staff, id int64) error
	// StaffOffboarding returns the organisation's off-boarding period and
	// how many former staff members the purge off-boards now and within
	// 30 days (PermManageStaff).
	StaffOffboarding(ctx context.Context, staff *Staff) (*StaffOffboarding, error)
	// SetStaffOffboardDays sets the organisation's off-boarding period
	// (PermManageStaff; EINVALID outside MinStaffOffboardDays to
	// MaxStaffOffboardDays). Audited.
	SetStaffOffboardDays(ctx context.Context, staff *Staff, days int) (*StaffOffboarding, error)

	// ListTokens returns API tokens without secrets: all of the organisation
	// for holders of PermManageStaff, the staff user's own for others; at
	// most MaxListedTokens, the active ones first.
	ListTokens(ctx context.Context, staff *Staff) ([]Token, error)
	// CreateToken creates an API token for forStaffID (0: the staff user
	// themselves) and returns it with its secret, shown this once. Tokens
	// for others need PermManageStaff. Audited.
	CreateToken(ctx context.Context, staff *Staff, forStaffID int64, name string) (*Token, string, error)
	// RevokeToken revokes a token; idempotent. Others' tokens need
	// PermManageStaff. Audited on the first revocation.
	RevokeToken(ctx context.Context, staff *Staff, id int64) error
	// AuthenticateToken resolves a bearer secret to its active staff user
	// and token and records the use; every failure is the same
	// EUNAUTHORIZED.
	AuthenticateToken(ctx context.Context, secret string) (*Staff, *Token, error)

	// SignIn checks an e-mail and password and starts a web session; it
	// returns the staff user and the session's secret. Every failure is the
	// same EUNAUTHORIZED; ERATELIMIT when too many password hashes are
	// already running (the caller may try again shortly).
	SignIn(ctx context.Context, email, password string) (*Staff, string, error)
	// AuthenticateSession resolves a session secret to its active staff
	// user and extends the session; every failure is EUNAUTHORIZED.
	AuthenticateSession(ctx context.Context, secret string) (*Staff, error)
	// SignOut ends a session; idempotent.
	SignOut(ctx context.Context, secret string) error
	// CreateLoginLink makes a one-time link (LinkInvite or LinkReset) with
	// which a staff user chooses a password, valid for ttl, and returns its
	// secret (PermManageStaff). Audited.
	CreateLoginLink(ctx context.Context, staff *Staff, staffID int64, purpose string, ttl time.Duration) (string, error)
	// LookupLoginLink returns the staff user of an unused, unexpired link;
	// anything else is ENOTFOUND.
	LookupLoginLink(ctx context.Context, secret string) (*Staff, error)
	// UseLoginLink sets the password chosen on a link and signs in; it
	// returns the staff user and the new session's secret. A link works
	// once; ERATELIMIT (the link stays unused) when too many password
	// hashes are already running.
	UseLoginLink(ctx context.Context, secret, password string) (*Staff, string, error)

	// FindStaffAsOperator returns the organisation's staff user with that
	// e-mail (case-insensitive), for the operator's CLI; ENOTFOUND
	// otherwise.
	FindStaffAsOperator(ctx context.Context, orgID int64, email string) (*Staff, error)
	// ListStaffAsOperator returns the organisation's staff users, for the
	// operator's CLI (which acts for a staff user it names).
	ListStaffAsOperator(ctx context.Context, orgID int64) ([]Staff, error)
	// CreateLoginLinkAsOperator is CreateLoginLink for the operator's CLI
	// and the first start of serve (any purpose, LinkSetup included).
	// Audited as the system.
	CreateLoginLinkAsOperator(ctx context.Context, orgID, staffID int64, purpose string, ttl time.Duration) (string, error)
	// SetPasswordAsOperator sets a staff user's password from the
	// operator's CLI and ends their sessions. Audited as the system.
	SetPasswordAsOperator(ctx context.Context, orgID, staffID int64, password string) error
}

// NewStaff is a staff user to add.
type NewStaff struct {
	Name      string
	Email     string
	Role      Role
	AvatarURL string
}

// Login link purposes.
const (
	LinkSetup  = "setup"  // the first admin, printed by serve on first start
	LinkInvite = "invite" // a new staff user chooses their password
	LinkReset  = "reset"  // an admin lets a staff user choose a new password
)

// Web session lifetimes: a session ends after SessionIdle without a
// request, and at the latest SessionMax after sign-in.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
)

// AuditService reads and verifies an organisation's audit log
// (PermAudit: administrators).
type AuditService interface {
	// ListAudit returns a page of the staff user's organisation's audit
	// log, newest first.
	ListAudit(ctx context.Context, staff *Staff, f AuditFilter) ([]AuditEntry, error)
	// VerifyAudit checks the organisation's hash chain.
	VerifyAudit(ctx context.Context, staff *Staff) (AuditResult, error)
	// VerifyAuditAsOperator checks one organisation's chain for the
	// operator's CLI.
	VerifyAuditAsOperator(ctx context.Context, orgID int64) (AuditResult, error)
	// AuditActions lists the distinct actions present in the
	// organisation's log, sorted (the filter offers exactly these).
	AuditActions(ctx context.Context, staff *Staff) ([]string, error)
	// AuditSubjectNames looks up, at display time, what the entries'
	// subjects are called now (a request's reference, a channel's name);
	// the log itself keeps ids only. Subjects gone since are absent.
	AuditSubjectNames(ctx context.Context, staff *Staff, entries []AuditEntry) (map[AuditSubject]string, error)
}

// AuditSubject names an audit entry's subject by type and id.
type AuditSubject struct {
	Type string
	ID   int64
}

// AuditResult is the outcome of verifying one organisation's audit chain.
type AuditResult struct {
	OrgID    int64          `json:"org_id"`
	Entries  int64          `json:"entries"`
	HeadSeq  int64          `json:"head_seq"`
	HeadHash string         `json:"head_hash"`
	OK       bool           `json:"ok"`
	Problems []AuditProblem `json:"problems,omitempty"`
}

// AuditProblem is one break in an audit chain.
type AuditProblem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// HealthService tells whether the service can serve requests.
type HealthService interface {
	// Ready returns nil when the database answers (EUNAVAILABLE otherwise).
	Ready(ctx context.Context) error
}

// PIIService keeps the organisation's own personal-data detector patterns
// (e.g. a customer number), which the purge, erasure and /pii redaction use
// next to the built-in kinds.
type PIIService interface {
	// Patterns returns the organisation's patterns, by name; any active
	// staff user may read them.
	Patterns(ctx context.Context, staff *Staff) ([]PIIPattern, error)
	// SetPatterns replaces them (PermManageOrganisation): at most 50, names
	// unique, every pattern a valid regular expression (EINVALID naming
	// the problem); audited with the names only.
	SetPatterns(ctx context.Context, staff *Staff, ps []PIIPattern) ([]PIIPattern, error)
}
