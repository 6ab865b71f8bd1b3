package gallra

import "context"

// RetentionService is the retention engine as the transports use it
// (internal/retention's Engine implements it): effective policies,
// settings, previews, purge runs and the privacy sentence. Changes take the
// acting staff user and need PermSetRetention; reads take the organisation
// and channel the caller has already resolved and authorized through
// ChannelService (PermViewChannel).
type RetentionService interface {
	// Caps returns the operator's caps per module.
	Caps() Caps
	// ChannelPolicy returns a channel's effective policy.
	ChannelPolicy(ctx context.Context, orgID, channelID int64) (*RetentionResolved, error)
	// SetChannelPolicy gives a channel its own policy (nil: follow the
	// module default); audited.
	SetChannelPolicy(ctx context.Context, staff *Staff, channelID int64, p *Policy) (*RetentionResolved, error)
	// Defaults returns the organisation's module defaults.
	Defaults(ctx context.Context, orgID int64) ([]RetentionModuleDefault, error)
	// SetDefault sets a module default (nil: back to the shipped one);
	// audited.
	SetDefault(ctx context.Context, staff *Staff, m Module, p *Policy) (*RetentionModuleDefault, error)
	// ChangeChannelPolicy and ChangeDefault are SetChannelPolicy and
	// SetDefault with the staff user's reason, which a change that keeps
	// data longer (KeepsLonger) requires; the reason is kept and the audit
	// entry names it.
	ChangeChannelPolicy(ctx context.Context, staff *Staff, channelID int64, p *Policy, reason string) (*RetentionResolved, error)
	ChangeDefault(ctx context.Context, staff *Staff, m Module, p *Policy, reason string) (*RetentionModuleDefault, error)
	// Schedule says how often the purge runs and when it runs next.
	Schedule(ctx context.Context) (PurgeSchedule, error)
	// RunNow queues a purge of the staff user's organisation at once
	// (administrators); audited.
	RunNow(ctx context.Context, staff *Staff) error
	// Preview says what a purge would do now and within 7 and 30 days,
	// under the current policy or a proposed one.
	Preview(ctx context.Context, orgID, channelID int64, proposed *Policy) (*RetentionPreview, error)
	// Runs returns the organisation's newest purge runs.
	Runs(ctx context.Context, orgID int64, limit int) ([]PurgeRun, error)
	// ChannelPolicyText is the privacy sentence the channel shows, in "sv"
	// or "en".
	ChannelPolicyText(ctx context.Context, orgID, channelID int64, lang string) (string, error)
	// PreviewCounts is Preview's counts under the current policy as the
	// last purge cycle computed them (At says when), without ids.
	PreviewCounts(ctx context.Context, orgID, channelID int64) (*RetentionPreview, error)
}
