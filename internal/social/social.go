// Package social holds the seam between Gallra and social platforms: the
// Connector interface (receive events, reply, delete or hide, check that
// items still exist) and the platform-neutral event and error types. Each
// platform is one file set implementing Connector (meta*.go: Facebook Pages,
// Messenger and Instagram through the Graph API). The rules — what is
// mirrored, tombstones, the outbox, audit — live in internal/service and
// internal/store, not here.
package social

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gallra/gallra"
)

// Account is what a connector needs to act for one connected channel.
type Account struct {
	ChannelID, OrgID int64
	PageID           string
	IGAccountID      string
	Token            string // opened from its sealed form for the call only
}

// EventKind is what an event asks the mirror to do.
type EventKind int

// Event kinds.
const (
	// Upsert adds an item or edits its text.
	Upsert EventKind = iota + 1
	// Remove deletes an item (and its replies): deleted, unsent or hidden
	// for good on the platform.
	Remove
)

// Event is one change on the platform, parsed from a webhook delivery.
type Event struct {
	// AccountID is the page id or Instagram account id the change is for.
	AccountID string
	Kind      EventKind
	Source    gallra.SocialSource
	// ExternalID is the item's id on the platform (post, comment or
	// message id).
	ExternalID       string
	ParentExternalID string // what a comment answers (comment or post), if any
	PostExternalID   string // the post a comment is under, if known
	AuthorID         string
	AuthorName       string
	Body             string
	// ThreadKey groups private messages: the other party's id.
	ThreadKey string
	// FromPage is set for items the page itself wrote (echoes of our
	// replies among them).
	FromPage bool
	Time     time.Time // when it happened on the platform
}

// Ref points at an item on the platform.
type Ref struct {
	ExternalID string
	Source     gallra.SocialSource
	// Recipient is who a private reply goes to (the other party's id).
	Recipient string
}

// Connector is one platform's implementation.
type Connector interface {
	// Platform names it (gallra.PlatformMeta).
	Platform() string
	// VerifyChallenge answers the platform's subscription check: the
	// challenge to echo, or an error when the token is wrong.
	VerifyChallenge(q url.Values) (string, error)
	// VerifySignature checks a delivery's signature over the raw body, in
	// constant time.
	VerifySignature(h http.Header, body []byte) error
	// Parse reads a verified delivery into events. Unknown fields are
	// ignored; unknown kinds of change are counted in skipped.
	Parse(body []byte) (events []Event, skipped int, err error)
	// Reply posts text in answer to an item and returns the new item's id.
	Reply(ctx context.Context, a Account, to Ref, text string) (string, error)
	// Delete deletes an item, or hides it where the platform allows only
	// that; it returns gallra.PlatformDeleted or gallra.PlatformHidden.
	// An item already gone counts as deleted.
	Delete(ctx context.Context, a Account, item Ref) (string, error)
	// Exists asks which of the items still exist; an item it could not
	// learn about is left out of the answer (neither gone nor present).
	Exists(ctx context.Context, a Account, items []Ref) (map[string]bool, error)
	// MaxBatch is how many items Exists takes at once.
	MaxBatch() int
	// ParseDeletionRequest verifies the platform's data deletion request
	// and returns the user id it is for.
	ParseDeletionRequest(form url.Values) (string, error)
}

// ErrSignature is the refusal of a delivery whose signature does not match.
var ErrSignature = errors.New("signature does not match the app secret")

// Error is a platform's refusal or failure of a call, without personal
// data (status, code and the platform's short reason).
type Error struct {
	Status  int    // HTTP status, 0 when no answer came
	Code    int    // the platform's error code
	Subcode int    // the platform's error subcode
	Msg     string // short reason
	// Retry says the call may succeed later (5xx, rate limits, timeouts).
	Retry bool
	// RetryAfter is how long the platform asked us to wait, if it said.
	RetryAfter time.Duration
	// TokenExpired says the access token must be renewed by staff.
	TokenExpired bool
	// Gone says the object does not exist (any more).
	Gone bool
	// RateLimited says the app or page is over its call budget.
	RateLimited bool
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return "platform did not answer: " + e.Msg
	case e.Code != 0:
		return fmt.Sprintf("platform answered %d (code %d/%d): %s", e.Status, e.Code, e.Subcode, e.Msg)
	default:
		return fmt.Sprintf("platform answered %d: %s", e.Status, e.Msg)
	}
}

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
