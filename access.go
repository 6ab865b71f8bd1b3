package gallra

// Permission names something a staff user may be allowed to do. Which role
// holds which permission is decided here, once: the services check it, and the
// API, the web UI, the CLI and every other transport obey the services. The
// table is documented in docs/roles.md.
type Permission string

// Permissions. Channel permissions are checked against one channel: admins
// hold them on every channel of their organisation, editors on the channels
// they are members of. Organisation permissions are for administrators only.
const (
	// PermViewChannel: read a channel's content and its effective settings.
	PermViewChannel Permission = "channel.view"
	// PermWorkChannel: answer, moderate and ingest content in a channel.
	PermWorkChannel Permission = "channel.work"
	// PermHold: place or release a legal hold on a topic or conversation of
	// a channel.
	PermHold Permission = "hold.set"
	// PermRequest: make, process and read data-subject requests that cover
	// the channel (a request needs it on every channel it covers).
	PermRequest Permission = "request.make"

	// PermSetRetention: change a channel's retention setting or a module
	// default. Organisation-wide because a period of one day or "never"
	// decides what the organisation keeps; an editor may preview it.
	PermSetRetention Permission = "retention.set"
	// PermManageChannels: create, rename, delete channels and set members.
	PermManageChannels Permission = "channels.manage"
	// PermManageStaff: add, change and remove staff users and their tokens.
	PermManageStaff Permission = "staff.manage"
	// PermManageOrganisation: rename the organisation, set its language and
	// its own personal-data detector patterns.
	PermManageOrganisation Permission = "organisation.manage"
	// PermAudit: read and verify the organisation's audit log and purge runs.
	PermAudit Permission = "audit.read"
	// PermPersonData: see and change data about a person across channels
	// (custom fields of persons, the person's data behind an export).
	PermPersonData Permission = "person.data"
)

// channelPermissions are the permissions an editor holds on the channels
// they are a member of.
var channelPermissions = [...]Permission{PermViewChannel, PermWorkChannel, PermHold, PermRequest}

// IsChannelPermission reports whether p is held per channel (by editors on
// their channels) rather than organisation-wide (by administrators only).
func (p Permission) IsChannelPermission() bool {
	for _, c := range channelPermissions {
		if c == p {
			return true
		}
	}
	return false
}

// Allowed reports whether the staff user holds permission p on the channel
// (channelID is ignored for organisation permissions). Inactive staff hold
// nothing.
func (s *Staff) Allowed(p Permission, channelID int64) bool {
	if s == nil || !s.Active {
		return false
	}
	if s.Role == RoleAdmin {
		return true
	}
	return p.IsChannelPermission() && s.CanActOn(channelID)
}

// Authorize returns nil when the staff user holds permission p on the
// channel, and otherwise an EFORBIDDEN error that says what is missing.
func (s *Staff) Authorize(p Permission, channelID int64) error {
	if s.Allowed(p, channelID) {
		return nil
	}
	if s == nil || !s.Active {
		return Errorf(EFORBIDDEN, "your staff account is not active")
	}
	if !p.IsChannelPermission() {
		return &Error{Code: EFORBIDDEN, Message: "only administrators may do this", Details: map[string]any{"permission": string(p)}}
	}
	return &Error{Code: EFORBIDDEN, Message: "you are not an editor of this channel",
		Details: map[string]any{"permission": string(p), "channel_id": channelID}}
}

// AuthorizeOrg is Authorize for an organisation permission.
func (s *Staff) AuthorizeOrg(p Permission) error { return s.Authorize(p, 0) }
