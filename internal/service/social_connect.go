package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/social"
	"github.com/gallra/gallra/internal/store"
)

// SocialConfig configures the social connectors.
type SocialConfig struct {
	// Connectors are the platforms this installation talks to (one per
	// platform name).
	Connectors []social.Connector
	// StatusBaseURL is the public base URL the data deletion status page
	// is linked under (GALLRA_BASE_URL).
	StatusBaseURL string
	// MaxAttempts is how often a deletion is tried before it is given up
	// (default 8: about 9 hours with the default backoff).
	MaxAttempts int
	// Backoff is the wait before attempt n+1 (default 1m·4^(n-1), at most
	// 6h); a platform's Retry-After wins when longer.
	Backoff func(attempt int) time.Duration
	// Lease bounds one delivery attempt (default 2m).
	Lease time.Duration
	// ReconcileBatches bounds the batches asked per account and run
	// (default 20) and ReconcilePace is the pause between batches
	// (default 2s), to stay within the platform's call budget.
	ReconcileBatches int
	ReconcilePace    time.Duration
	// Sleep waits (default: a timer that stops on ctx).
	Sleep func(ctx context.Context, d time.Duration) error
}

// SocialConnect implements gallra.SocialConnectService and
// gallra.SocialPlatformService.
type SocialConnect struct {
	d          Deps
	c          SocialConfig
	connectors map[string]social.Connector
	owner      string
}

var (
	_ gallra.SocialConnectService  = (*SocialConnect)(nil)
	_ gallra.SocialPlatformService = (*SocialConnect)(nil)
)

func newSocialConnect(d Deps) *SocialConnect {
	c := d.Social
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff == nil {
		c.Backoff = func(n int) time.Duration {
			d := time.Minute
			for i := 1; i < n && d < 6*time.Hour; i++ {
				d *= 4
			}
			return min(d, 6*time.Hour)
		}
	}
	if c.Lease == 0 {
		c.Lease = 2 * time.Minute
	}
	if c.ReconcileBatches == 0 {
		c.ReconcileBatches = 20
	}
	if c.ReconcilePace == 0 {
		c.ReconcilePace = 2 * time.Second
	}
	if c.Sleep == nil {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	b := make([]byte, 6)
	rand.Read(b)
	s := &SocialConnect{d: d, c: c, connectors: map[string]social.Connector{}, owner: "social-" + hex.EncodeToString(b)}
	for _, k := range c.Connectors {
		s.connectors[k.Platform()] = k
	}
	return s
}

// socialSealContext binds a sealed access token to its channel.
func socialSealContext(channelID int64) string {
	return "social:channel:" + strconv.FormatInt(channelID, 10)
}

func (s *SocialConnect) connector(platform string) (social.Connector, error) {
	k, ok := s.connectors[platform]
	if !ok {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "the %s connector is not configured on this installation: the operator sets GALLRA_META_APP_SECRET", platform)
	}
	return k, nil
}

// Account implements gallra.SocialConnectService.
func (s *SocialConnect) Account(ctx context.Context, staff *gallra.Staff, channelID int64) (*gallra.SocialAccount, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	a, err := s.d.DB.GetSocialAccount(ctx, c.OrgID, c.ID)
	if err != nil {
		return nil, err
	}
	return &a.SocialAccount, nil
}

// Connect implements gallra.SocialConnectService.
func (s *SocialConnect) Connect(ctx context.Context, staff *gallra.Staff, channelID int64, in gallra.SocialAccountSettings) (*gallra.SocialAccount, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermManageChannels, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	_, err = s.d.DB.GetSocialAccount(ctx, c.OrgID, c.ID)
	exists := err == nil
	if err != nil && gallra.ErrorCode(err) != gallra.ENOTFOUND {
		return nil, err
	}
	if err := in.Normalize(exists); err != nil {
		return nil, err
	}
	if s.d.Secrets == nil {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "this installation has no secret key to keep access tokens with: the operator sets GALLRA_SECRET_KEY")
	}
	if _, err := s.connector(gallra.PlatformMeta); err != nil {
		return nil, err
	}
	var sealed []byte
	if in.AccessToken != "" {
		if sealed, err = s.d.Secrets.Seal([]byte(in.AccessToken), socialSealContext(c.ID)); err != nil {
			return nil, fmt.Errorf("seal access token: %w", err)
		}
	}
	if err := s.d.DB.SetSocialAccount(ctx, actor(staff), c.OrgID, c.ID, gallra.PlatformMeta, in, sealed); err != nil {
		return nil, err
	}
	return s.Account(ctx, staff, channelID)
}

// Disconnect implements gallra.SocialConnectService.
func (s *SocialConnect) Disconnect(ctx context.Context, staff *gallra.Staff, channelID int64) error {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermManageChannels, channelID, gallra.ModuleSocial)
	if err != nil {
		return err
	}
	return s.d.DB.DeleteSocialAccount(ctx, actor(staff), c.OrgID, c.ID)
}

// open returns the connector and the account with its token opened.
func (s *SocialConnect) open(a *store.SocialAccountRow) (social.Connector, social.Account, error) {
	k, err := s.connector(a.Platform)
	if err != nil {
		return nil, social.Account{}, err
	}
	if s.d.Secrets == nil {
		return nil, social.Account{}, gallra.Errorf(gallra.EUNPROCESS, "this installation has no secret key: the operator sets GALLRA_SECRET_KEY")
	}
	tok, err := s.d.Secrets.Open(a.Secret, socialSealContext(a.ChannelID))
	if err != nil {
		return nil, social.Account{}, gallra.Errorf(gallra.EUNPROCESS, "the stored access token does not open (was GALLRA_SECRET_KEY changed?): connect the page again")
	}
	return k, social.Account{ChannelID: a.ChannelID, OrgID: a.OrgID, PageID: a.PageID, IGAccountID: a.IGAccountID, Token: string(tok)}, nil
}

// platformMessage turns a connector error into words for staff (no
// personal data: the platform's codes and short reason).
func platformMessage(err error) string {
	if e, ok := social.AsError(err); ok {
		if e.TokenExpired {
			return "the access token expired or was revoked: connect the page again with a new token (" + e.Error() + ")"
		}
		return e.Error()
	}
	return gallra.ErrorMessage(err)
}

// MaxSocialReplyLen bounds a reply (Instagram allows 2,200 characters).
const MaxSocialReplyLen = 2200

// Reply implements gallra.SocialConnectService.
func (s *SocialConnect) Reply(ctx context.Context, staff *gallra.Staff, channelID, itemID int64, body string) (*gallra.SocialItem, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := gallra.ValidateText("body", body, true, MaxSocialReplyLen); err != nil {
		return nil, err
	}
	parent, err := s.d.DB.SocialItemRefOf(ctx, c.OrgID, c.ID, itemID)
	if err != nil {
		return nil, err
	}
	if parent.Source == "" || strings.HasPrefix(parent.ExternalID, "gallra:") {
		return nil, gallra.Errorf(gallra.EUNPROCESS, "this item was not mirrored from a connected platform; a reply cannot be posted to it")
	}
	a, err := s.d.DB.GetSocialAccount(ctx, c.OrgID, c.ID)
	if err != nil {
		return nil, err
	}
	k, acct, err := s.open(a)
	if err != nil {
		return nil, err
	}
	src := parent.Source
	switch src {
	case gallra.SourceFacebookPost:
		src = gallra.SourceFacebookComment
	}
	recipient := parent.ThreadKey
	if recipient == "" {
		recipient = parent.AuthorID
	}
	id, err := s.d.DB.InsertSocialReply(ctx, actor(staff), c.OrgID, c.ID, parent.ID, staff.ID, src, recipient, body)
	if err != nil {
		return nil, err
	}
	ext, perr := k.Reply(ctx, acct, social.Ref{ExternalID: parent.ExternalID, Source: parent.Source, Recipient: recipient}, body)
	msg := ""
	if perr != nil {
		msg = platformMessage(perr)
		if e, ok := social.AsError(perr); ok && e.TokenExpired {
			_ = s.d.DB.SetSocialAccountError(ctx, c.ID, msg)
		}
	}
	item, err := s.d.DB.FinishSocialReply(ctx, c.OrgID, id, ext, msg)
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return item, gallra.Errorf(gallra.EUNAVAILABLE, "the platform did not accept the reply: %s", msg)
	}
	return item, nil
}

// Delete implements gallra.SocialConnectService.
func (s *SocialConnect) Delete(ctx context.Context, staff *gallra.Staff, channelID, itemID int64) (int64, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return 0, err
	}
	return s.d.DB.DeleteSocialItem(ctx, actor(staff), c.OrgID, c.ID, itemID)
}

// Deletions implements gallra.SocialConnectService.
func (s *SocialConnect) Deletions(ctx context.Context, staff *gallra.Staff, channelID int64, limit int) ([]gallra.SocialDeletionState, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleSocial)
	if err != nil {
		return nil, err
	}
	return s.d.DB.SocialDeletionStates(ctx, c.OrgID, c.ID, 0, limit)
}

// VerifySubscription implements gallra.SocialPlatformService.
func (s *SocialConnect) VerifySubscription(ctx context.Context, platform string, query map[string][]string) (string, error) {
	k, err := s.connector(platform)
	if err != nil {
		return "", gallra.Errorf(gallra.ENOTFOUND, "no %s connector here", platform)
	}
	ch, err := k.VerifyChallenge(url.Values(query))
	if err != nil {
		return "", gallra.Errorf(gallra.EUNAUTHORIZED, "%v", err)
	}
	return ch, nil
}

// ReceiveWebhook implements gallra.SocialPlatformService.
func (s *SocialConnect) ReceiveWebhook(ctx context.Context, platform string, header map[string][]string, body []byte) error {
	k, err := s.connector(platform)
	if err != nil {
		return gallra.Errorf(gallra.ENOTFOUND, "no %s connector here", platform)
	}
	if len(body) > social.MaxDelivery {
		return gallra.Errorf(gallra.ETOOLARGE, "delivery is larger than %d bytes", social.MaxDelivery)
	}
	if err := k.VerifySignature(http.Header(header), body); err != nil {
		return gallra.Errorf(gallra.EUNAUTHORIZED, "%v", err)
	}
	sum := sha256.Sum256(body)
	if _, err := s.d.DB.StoreWebhookEvent(ctx, platform, hex.EncodeToString(sum[:]), body); err != nil {
		return fmt.Errorf("store delivery: %w", err)
	}
	return nil
}

// ProcessWebhooks implements gallra.SocialPlatformService. A delivery that
// does not parse is kept as failed (with its reason, for staff); one whose
// change fails to apply (database trouble) stays pending and is retried,
// which is safe: applying a change twice leaves the mirror as once.
func (s *SocialConnect) ProcessWebhooks(ctx context.Context) (int, error) {
	done := 0
	for {
		evs, err := s.d.DB.PendingWebhookEvents(ctx, 100)
		if err != nil {
			return done, err
		}
		if len(evs) == 0 {
			return done, nil
		}
		progress := false
		for _, ev := range evs {
			if err := ctx.Err(); err != nil {
				return done, err
			}
			status, applied, skipped, msg := s.processOne(ctx, ev)
			if status == "pending" && ev.Attempts+1 >= 10 {
				status = "failed"
			}
			if err := s.d.DB.FinishWebhookEvent(ctx, ev.ID, status, applied, skipped, msg); err != nil {
				return done, err
			}
			if status != "pending" {
				progress = true
			}
			done++
		}
		if !progress {
			return done, errors.New("webhook deliveries could not be applied; they are retried")
		}
	}
}

func (s *SocialConnect) processOne(ctx context.Context, ev store.WebhookEvent) (status string, applied, skipped int, msg string) {
	k, err := s.connector(ev.Platform)
	if err != nil {
		return "failed", 0, 0, gallra.ErrorMessage(err)
	}
	events, skipped, err := k.Parse(ev.Body)
	if err != nil {
		return "failed", 0, 0, err.Error()
	}
	accounts := map[string]*store.SocialAccountRow{}
	for _, e := range events {
		a, ok := accounts[e.AccountID]
		if !ok {
			a, err = s.d.DB.SocialAccountFor(ctx, ev.Platform, e.AccountID)
			if gallra.ErrorCode(err) == gallra.ENOTFOUND {
				a = nil
			} else if err != nil {
				return "pending", applied, skipped, "database: " + gallra.ErrorMessage(err)
			}
			accounts[e.AccountID] = a
		}
		if a == nil || (e.FromPage && e.Kind == social.Upsert && e.Source != gallra.SourceFacebookPost) {
			skipped++ // not connected here, or the page's own comment (our replies are mirrored when posted)
			continue
		}
		if err := gallra.ValidateText("body", e.Body, false, gallra.MaxBodyLen); err != nil {
			skipped++
			continue
		}
		if len(e.AuthorName) > gallra.MaxNameLen {
			e.AuthorName = e.AuthorName[:gallra.MaxNameLen]
		}
		_, err := s.d.DB.ApplySocialChange(ctx, a.OrgID, a.ChannelID, store.SocialChange{Remove: e.Kind == social.Remove, Source: e.Source,
			ExternalID: e.ExternalID, ParentExternalID: e.ParentExternalID, PostExternalID: e.PostExternalID, AuthorID: e.AuthorID,
			AuthorName: e.AuthorName, Body: e.Body, ThreadKey: e.ThreadKey, Time: e.Time})
		if err != nil {
			return "pending", applied, skipped, "database: " + gallra.ErrorMessage(err)
		}
		applied++
	}
	return "done", applied, skipped, ""
}

// DeliverDeletions implements gallra.SocialPlatformService.
func (s *SocialConnect) DeliverDeletions(ctx context.Context) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		it, err := s.d.DB.ClaimSocialDeletion(ctx, s.owner, s.c.Lease)
		if err != nil || it == nil {
			return n, err
		}
		n++
		state, msg, retryAt := s.deliverOne(ctx, it)
		if err := s.d.DB.FinishSocialDeletion(ctx, it.ID, s.owner, state, msg, retryAt); err != nil {
			return n, err
		}
	}
}

func (s *SocialConnect) deliverOne(ctx context.Context, it *store.SocialDeletionItem) (string, string, time.Time) {
	now := s.d.Clock.Now()
	retry := func(msg string, after time.Duration) (string, string, time.Time) {
		if it.Attempts >= s.c.MaxAttempts {
			return gallra.PlatformGaveUp, fmt.Sprintf("gave up after %d attempts: %s", it.Attempts, msg), time.Time{}
		}
		return gallra.PlatformDeletePending, msg, now.Add(max(after, s.c.Backoff(it.Attempts)))
	}
	if it.Source == "" {
		return gallra.PlatformRefused, "the item was mirrored through the API, not by a connector: delete it on the platform by hand", time.Time{}
	}
	k, acct, err := s.open(&it.Account)
	if err != nil {
		_ = s.d.DB.SetSocialAccountError(ctx, it.ChannelID, gallra.ErrorMessage(err))
		return retry(gallra.ErrorMessage(err), time.Hour)
	}
	state, err := k.Delete(ctx, acct, social.Ref{ExternalID: it.ExternalID, Source: it.Source})
	if err == nil {
		return state, "", time.Time{}
	}
	msg := platformMessage(err)
	e, ok := social.AsError(err)
	switch {
	case ok && e.TokenExpired:
		_ = s.d.DB.SetSocialAccountError(ctx, it.ChannelID, msg)
		return retry(msg, time.Hour)
	case ok && e.Retry:
		return retry(msg, e.RetryAfter)
	case ok:
		return gallra.PlatformRefused, msg, time.Time{}
	default:
		return retry(msg, 0)
	}
}

// Reconcile implements gallra.SocialPlatformService: for each connected
// account with Instagram, up to ReconcileBatches batches of its Instagram
// comments are checked, ReconcilePace apart, from where the last run
// stopped. A rate-limit answer ends the account's run (the cursor stays).
func (s *SocialConnect) Reconcile(ctx context.Context) (int64, error) {
	var removed int64
	for _, k := range s.c.Connectors {
		accts, err := s.d.DB.SocialAccounts(ctx, k.Platform())
		if err != nil {
			return removed, err
		}
		for i := range accts {
			a := &accts[i]
			if a.IGAccountID == "" {
				continue
			}
			n, err := s.reconcileAccount(ctx, k, a)
			removed += n
			if err != nil && ctx.Err() != nil {
				return removed, err
			}
		}
	}
	return removed, nil
}

func (s *SocialConnect) reconcileAccount(ctx context.Context, k social.Connector, a *store.SocialAccountRow) (int64, error) {
	_, acct, err := s.open(a)
	if err != nil {
		_ = s.d.DB.SetSocialAccountError(ctx, a.ChannelID, gallra.ErrorMessage(err))
		return 0, err
	}
	var removed int64
	after := a.ReconcileAfter
	for b := 0; b < s.c.ReconcileBatches; b++ {
		if b > 0 {
			if err := s.c.Sleep(ctx, s.c.ReconcilePace); err != nil {
				return removed, err
			}
		}
		items, err := s.d.DB.ReconcileBatch(ctx, a.OrgID, a.ChannelID, after, k.MaxBatch())
		if err != nil {
			return removed, err
		}
		if len(items) == 0 {
			return removed, s.d.DB.SetReconcileCursor(ctx, a.ChannelID, 0, true)
		}
		refs := make([]social.Ref, len(items))
		for i, it := range items {
			refs[i] = social.Ref{ExternalID: it.ExternalID, Source: it.Source}
		}
		exists, xerr := k.Exists(ctx, acct, refs)
		var gone []int64
		for _, it := range items {
			if present, known := exists[it.ExternalID]; known && !present {
				gone = append(gone, it.ID)
			}
		}
		if len(gone) > 0 {
			n, err := s.d.DB.RemoveGoneSocialItems(ctx, a.OrgID, a.ChannelID, gone)
			if err != nil {
				return removed, err
			}
			removed += n
		}
		if xerr != nil {
			// Rate limited, token expired, platform down: stop here and
			// start again from the same place next run.
			_ = s.d.DB.SetSocialAccountError(ctx, a.ChannelID, "reconciliation stopped: "+platformMessage(xerr))
			return removed, nil
		}
		after = items[len(items)-1].ID
		if err := s.d.DB.SetReconcileCursor(ctx, a.ChannelID, after, false); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// DataDeletion implements gallra.SocialPlatformService.
func (s *SocialConnect) DataDeletion(ctx context.Context, platform string, form map[string][]string) (*gallra.SocialDeletionRequestState, error) {
	code, err := s.dataDeletion(ctx, platform, form)
	if err != nil {
		return nil, err
	}
	return s.DataDeletionStatus(ctx, code)
}

func (s *SocialConnect) dataDeletion(ctx context.Context, platform string, form map[string][]string) (string, error) {
	k, err := s.connector(platform)
	if err != nil {
		return "", gallra.Errorf(gallra.ENOTFOUND, "no %s connector here", platform)
	}
	uid, err := k.ParseDeletionRequest(url.Values(form))
	if err != nil {
		return "", gallra.Errorf(gallra.EUNAUTHORIZED, "%v", err)
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	code := hex.EncodeToString(b)
	if err := s.d.DB.RecordSocialDeletionRequest(ctx, platform, code, "received", 0); err != nil {
		return "", err
	}
	refs, orgs, chans, err := s.d.DB.AuthorItems(ctx, platform, uid)
	if err != nil {
		return "", err
	}
	type key struct{ org, ch int64 }
	by := map[key][]int64{}
	var order []key
	for i, r := range refs {
		k := key{orgs[i], chans[i]}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], r.ID)
	}
	var total int64
	for _, k := range order {
		n, err := s.d.DB.RemoveAuthorItems(ctx, k.org, k.ch, by[k])
		if err != nil {
			return "", err
		}
		total += n
	}
	if err := s.d.DB.RecordSocialDeletionRequest(ctx, platform, code, "completed", total); err != nil {
		return "", err
	}
	return code, nil
}

// DataDeletionStatus implements gallra.SocialPlatformService.
func (s *SocialConnect) DataDeletionStatus(ctx context.Context, code string) (*gallra.SocialDeletionRequestState, error) {
	if len(code) != 24 {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no deletion request has this confirmation code")
	}
	r, err := s.d.DB.GetSocialDeletionRequest(ctx, code)
	if err != nil {
		return nil, err
	}
	return &gallra.SocialDeletionRequestState{ConfirmationCode: r.Code, Status: r.Status, ItemsRemoved: r.ItemsRemoved, ReceivedAt: r.ReceivedAt, CompletedAt: r.DoneAt,
		URL: strings.TrimSuffix(s.c.StatusBaseURL, "/") + "/social/deletion/" + r.Code}, nil
}
