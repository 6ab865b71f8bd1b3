package gallra

// OrganisationService reads and changes an organisation.
type OrganisationService interface{}

// ChannelService manages an organisation's channels and their editors.
type ChannelService interface{}

// StaffService manages staff users, their API tokens, passwords, sign-in
// links and sessions, and authenticates them.
type StaffService interface{}

// AuditService reads and verifies an organisation's audit log.
type AuditService interface{}
