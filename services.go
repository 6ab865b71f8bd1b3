package gallra

// Services is the set of feature services every transport (JSON API, web
// UI, CLI, and the coming SMTP, chat and webhook receivers) calls. Each
// service validates its input, decides who may do what (see Permission) and
// writes the audit entry in the same transaction as the change; transports
// only translate between their protocol and these calls. Staff operations
// take the acting *Staff; public operations (end customers) say so in their
// names.
//
// The retention engine (internal/retention) and the data-subject request
// service (internal/takeout) are services too; they live in their own
// packages because each is an engine of its own.
type Services struct {
	Organisations OrganisationService
	Channels      ChannelService
	Staff         StaffService
	Audit         AuditService
	Forum         ForumService
	Mail          MailService
	IMAP          IMAPService
	Chat          ChatService
	Social        SocialService
	Knowledge     KnowledgeService
	CustomFields  CustomFieldService
	Search        SearchService
	Holds         HoldService
	PII           PIIService
	Health        HealthService
	// Operator is the platform operator's (CLI and operator API), never a
	// staff user's.
	Operator  OperatorService
	Workspace WorkspaceService
	// Privacy is the privacy register (internal/privacy); nil hides it.
	Privacy PrivacyService
	// SocialConnect connects social channels to their platform, replies
	// and deletes there; SocialPlatform is what the platforms and jobs
	// call.
	SocialConnect  SocialConnectService
	SocialPlatform SocialPlatformService
	// ChatLive runs live chats (widget, delivery, agent console).
	ChatLive ChatLiveService
	// Persons finds data subjects by any identifier (person search and
	// person page).
	Persons PersonService
	// AccessLog shows who among the staff read whose data (admins).
	AccessLog AccessLogService
}
