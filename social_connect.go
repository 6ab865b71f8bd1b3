package gallra

import (
	"context"
	"strings"
	"time"
)

// SocialSource is where a mirrored item comes from on the platform; it says
// how the connector replies to it and deletes it.
type SocialSource string

// Social item sources.
const (
	SourceFacebookPost    SocialSource = "fb_post"
	SourceFacebookComment SocialSource = "fb_comment"
	SourceMessenger       SocialSource = "ms_message"
	SourceIGComment       SocialSource = "ig_comment"
	SourceIGMessage       SocialSource = "ig_message"
)

// PlatformMeta names Meta's platforms (Facebook Pages, Messenger,
// Instagram), reached through one Graph API connector.
const PlatformMeta = "meta"

// Reply states of a reply written in Gallra (SocialReply.Status).
const (
	ReplyPending = "pending" // stored, not yet accepted by the platform
	ReplyPosted  = "posted"  // the platform accepted it; ExternalID is its id there
	ReplyFailed  = "failed"  // the platform refused it; ReplyError says why
)

// Outcomes of a deletion carried to the platform (SocialDeletionState).
const (
	PlatformDeletePending = "pending" // queued or being retried
	PlatformDeleted       = "deleted" // the platform deleted it
	PlatformHidden        = "hidden"  // the platform only allowed hiding it
	PlatformRefused       = "refused" // the platform refused; it is still there
	PlatformGaveUp        = "gave_up" // no answer after the last retry; it may still be there
)

// SocialAccount is a social channel's connection to a page (and the
// Instagram account linked to it). The access token is never returned.
type SocialAccount struct {
	ChannelID   int64      `json:"channel_id"`
	Platform    string     `json:"platform"`
	PageID      string     `json:"page_id"`
	IGAccountID string     `json:"ig_account_id,omitempty"`
	Enabled     bool       `json:"enabled"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// ReconciledAt is when the reconciliation last went through all of
	// the channel's Instagram comments.
	ReconciledAt *time.Time `json:"reconciled_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Failed and Pending count webhook deliveries for the page that could
	// not be processed, and deletions still to be delivered.
	FailedEvents     int64 `json:"failed_events"`
	PendingDeletions int64 `json:"pending_deletions"`
}

// SocialAccountSettings connects a channel to a page. AccessToken may be
// empty on a change to keep the stored one.
type SocialAccountSettings struct {
	PageID      string `json:"page_id"`
	IGAccountID string `json:"ig_account_id,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	Enabled     *bool  `json:"enabled,omitempty"`
}

// MaxSocialTokenLen bounds a page access token.
const MaxSocialTokenLen = 2048

// Normalize checks the settings; errors are EINVALID naming the field.
func (s *SocialAccountSettings) Normalize(hasToken bool) error {
	s.PageID, s.IGAccountID, s.AccessToken = strings.TrimSpace(s.PageID), strings.TrimSpace(s.IGAccountID), strings.TrimSpace(s.AccessToken)
	if !platformID(s.PageID) {
		return Errorf(EINVALID, "page_id must be the page's numeric id (Page settings → About → Page ID)")
	}
	if s.IGAccountID != "" && !platformID(s.IGAccountID) {
		return Errorf(EINVALID, "ig_account_id must be the numeric id of the Instagram professional account, or empty")
	}
	if s.AccessToken == "" && !hasToken {
		return Errorf(EINVALID, "access_token is required: a page access token with pages_manage_engagement, pages_messaging and instagram_manage_comments")
	}
	if len(s.AccessToken) > MaxSocialTokenLen || strings.ContainsAny(s.AccessToken, " \t\r\n") {
		return Errorf(EINVALID, "access_token must be one word of at most %d characters", MaxSocialTokenLen)
	}
	if s.Enabled == nil {
		t := true
		s.Enabled = &t
	}
	return nil
}

// platformID reports whether s looks like a Graph API object id.
func platformID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// SocialDeletionState is one item's deletion on the platform, as staff and
// the erasure receipt see it (no content, the platform id only for staff).
type SocialDeletionState struct {
	ID          int64      `json:"id"`
	ChannelID   int64      `json:"channel_id"`
	ExternalID  string     `json:"external_id"`
	Source      string     `json:"source,omitempty"`
	RequestID   int64      `json:"request_id,omitempty"`
	RequestedAt time.Time  `json:"requested_at"`
	State       string     `json:"state" enum:"pending,deleted,hidden,refused,gave_up"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// SocialConnectService connects social channels to their platform and
// carries deletions and replies there (PermManageChannels to connect,
// PermWorkChannel to reply and delete).
type SocialConnectService interface {
	// Account returns a channel's connection (ENOTFOUND when none).
	Account(ctx context.Context, staff *Staff, channelID int64) (*SocialAccount, error)
	// Connect connects or changes; the token is stored sealed. EUNPROCESS
	// without GALLRA_SECRET_KEY. Audited without the token.
	Connect(ctx context.Context, staff *Staff, channelID int64, in SocialAccountSettings) (*SocialAccount, error)
	// Disconnect forgets the token; mirrored items stay. Audited.
	Disconnect(ctx context.Context, staff *Staff, channelID int64) error
	// Reply posts a reply to a mirrored item on the platform and mirrors
	// it with the platform's id. A refusal is kept on the reply (status
	// failed) and returned.
	Reply(ctx context.Context, staff *Staff, channelID, itemID int64, body string) (*SocialItem, error)
	// Delete deletes a mirrored item (with its replies) here and queues
	// its deletion on the platform. Audited without content.
	Delete(ctx context.Context, staff *Staff, channelID, itemID int64) (int64, error)
	// Deletions lists the channel's deletions carried to the platform,
	// newest first.
	Deletions(ctx context.Context, staff *Staff, channelID int64, limit int) ([]SocialDeletionState, error)
}

// SocialDeletionRequestState is the state of a platform's data deletion
// request (Meta's Data Deletion Callback), shown at its status URL. It
// holds no user id.
type SocialDeletionRequestState struct {
	ConfirmationCode string     `json:"confirmation_code"`
	Status           string     `json:"status" enum:"received,completed"`
	ItemsRemoved     int64      `json:"items_removed"`
	ReceivedAt       time.Time  `json:"received_at"`
	CompletedAt      *time.Time `json:"completed_at,omitempty"`
	// URL is the public status page of the request.
	URL string `json:"url"`
}

// SocialPlatformService is what the platforms call (public, verified by
// the platform's signatures) and what the background jobs run.
type SocialPlatformService interface {
	// VerifySubscription answers a platform's webhook subscription check
	// with the challenge to echo (EUNAUTHORIZED on a wrong token).
	VerifySubscription(ctx context.Context, platform string, query map[string][]string) (string, error)
	// ReceiveWebhook verifies a delivery's signature over the raw body
	// and stores it for processing (EUNAUTHORIZED on a bad signature); a
	// delivery stored before is accepted again without a second copy.
	ReceiveWebhook(ctx context.Context, platform string, header map[string][]string, body []byte) error
	// ProcessWebhooks applies the stored deliveries to the mirror; it
	// returns how many deliveries it processed.
	ProcessWebhooks(ctx context.Context) (int, error)
	// DeliverDeletions works the social deletion outbox until nothing is
	// due; it returns how many items it tried.
	DeliverDeletions(ctx context.Context) (int, error)
	// Reconcile asks the platforms whether mirrored items they send no
	// delete event for still exist, and removes those that are gone.
	Reconcile(ctx context.Context) (int64, error)
	// DataDeletion handles a platform's signed data deletion request:
	// removes the user's mirrored items everywhere and returns the
	// request's state with its confirmation code and status URL.
	DataDeletion(ctx context.Context, platform string, form map[string][]string) (*SocialDeletionRequestState, error)
	// DataDeletionStatus returns a data deletion request's state.
	DataDeletionStatus(ctx context.Context, code string) (*SocialDeletionRequestState, error)
}
