package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// Job names of the social connectors.
const (
	// SocialWebhookJob processes stored webhook deliveries; a delivery
	// kicks it at once (unique key SocialWebhookJob+":kick").
	SocialWebhookJob = "social.webhooks"
	// SocialDeletionJob delivers the social deletion outbox.
	SocialDeletionJob = "social.deletions"
	// SocialReconcileJob asks the platform whether mirrored Instagram
	// comments still exist.
	SocialReconcileJob = "social.reconcile"
)

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// SocialAccountRow is a channel's connection with what the connector needs
// and the API never shows: the sealed token and the organisation.
type SocialAccountRow struct {
	gallra.SocialAccount
	OrgID          int64
	Secret         []byte // sealed access token
	ReconcileAfter int64  // reconciliation cursor: the last item id checked
}

const socialAccountCols = `a.channel_id, a.org_id, a.platform, a.page_id, a.ig_account_id, a.secret, a.enabled, a.last_error, a.last_error_at, a.reconciled_at, a.reconcile_after, a.updated_at`

func scanSocialAccount(sc interface{ Scan(...any) error }) (*SocialAccountRow, error) {
	var a SocialAccountRow
	var enabled int
	var errAt, recAt sql.NullInt64
	var updated int64
	if err := sc.Scan(&a.ChannelID, &a.OrgID, &a.Platform, &a.PageID, &a.IGAccountID, &a.Secret, &enabled, &a.LastError, &errAt, &recAt, &a.ReconcileAfter, &updated); err != nil {
		return nil, err
	}
	a.Enabled, a.LastErrorAt, a.ReconciledAt, a.UpdatedAt = enabled == 1, fromNullMS(errAt), fromNullMS(recAt), fromMS(updated)
	return &a, nil
}

// GetSocialAccount returns a social channel's connection with its counts
// (ENOTFOUND when it has none).
func (db *DB) GetSocialAccount(ctx context.Context, orgID, channelID int64) (*SocialAccountRow, error) {
	var a *SocialAccountRow
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		a, err = scanSocialAccount(tx.queryRow(ctx, `SELECT `+socialAccountCols+` FROM social_accounts a WHERE a.channel_id = ? AND a.org_id = ?`, channelID, orgID))
		if err != nil {
			return err
		}
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM social_deletion_outbox WHERE channel_id = ? AND status IN ('pending', 'sending')`, channelID).Scan(&a.PendingDeletions); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM social_webhook_events WHERE status = 'failed' AND platform = ?`, a.Platform).Scan(&a.FailedEvents)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "channel %d is not connected to a social platform", channelID)
	} else if err != nil {
		return nil, fmt.Errorf("get social account of channel %d: %w", channelID, err)
	}
	return a, nil
}

// SetSocialAccount connects a social channel to a page, or changes the
// connection; secret nil keeps the stored token. Audited with the page id
// only (a page id is public).
func (db *DB) SetSocialAccount(ctx context.Context, actor gallra.Actor, orgID, channelID int64, platform string, in gallra.SocialAccountSettings, secret []byte) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleSocial); err != nil {
			return err
		}
		var other int64
		err := tx.queryRow(ctx, `SELECT channel_id FROM social_accounts WHERE platform = ? AND (page_id = ? OR (ig_account_id <> '' AND ig_account_id = ?)) AND channel_id <> ?`,
			platform, in.PageID, in.IGAccountID, channelID).Scan(&other)
		if err == nil {
			return gallra.Errorf(gallra.ECONFLICT, "this page or Instagram account is already connected to another channel; disconnect it there first")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := ms(tx.Now)
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM social_accounts WHERE channel_id = ?`, channelID).Scan(&n); err != nil {
			return err
		}
		enabled := boolInt(in.Enabled != nil && *in.Enabled)
		if n == 0 {
			if secret == nil {
				return gallra.Errorf(gallra.EINVALID, "access_token is required")
			}
			if _, err := tx.exec(ctx, `INSERT INTO social_accounts (channel_id, org_id, platform, page_id, ig_account_id, secret, enabled, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, channelID, orgID, platform, in.PageID, in.IGAccountID, secret, enabled, now, now); err != nil {
				return fmt.Errorf("insert social account: %w", err)
			}
		} else {
			q, args := `UPDATE social_accounts SET page_id = ?, ig_account_id = ?, enabled = ?, last_error = '', last_error_at = NULL, updated_at = ?`,
				[]any{in.PageID, in.IGAccountID, enabled, now}
			if secret != nil {
				q, args = q+`, secret = ?`, append(args, secret)
			}
			if _, err := tx.exec(ctx, q+` WHERE channel_id = ? AND org_id = ?`, append(args, channelID, orgID)...); err != nil {
				return fmt.Errorf("update social account: %w", err)
			}
		}
		return tx.Audit(ctx, orgID, actor, "social.connected", "channel", channelID, map[string]any{"platform": platform, "page_id": in.PageID,
			"instagram": in.IGAccountID != "", "token_changed": secret != nil, "enabled": enabled == 1})
	})
}

// DeleteSocialAccount forgets a channel's connection and its token.
func (db *DB) DeleteSocialAccount(ctx context.Context, actor gallra.Actor, orgID, channelID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		n, err := countChanged(tx.exec(ctx, `DELETE FROM social_accounts WHERE channel_id = ? AND org_id = ?`, channelID, orgID))
		if err != nil {
			return fmt.Errorf("delete social account: %w", err)
		}
		if n == 0 {
			return gallra.Errorf(gallra.ENOTFOUND, "channel %d is not connected to a social platform", channelID)
		}
		return tx.Audit(ctx, orgID, actor, "social.disconnected", "channel", channelID, nil)
	})
}

// SocialAccountFor finds the enabled connection of a page or Instagram
// account id on the platform (ENOTFOUND when none).
func (db *DB) SocialAccountFor(ctx context.Context, platform, accountID string) (*SocialAccountRow, error) {
	var a *SocialAccountRow
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		a, err = scanSocialAccount(tx.queryRow(ctx, `SELECT `+socialAccountCols+` FROM social_accounts a WHERE a.platform = ? AND a.enabled = 1
			AND (a.page_id = ? OR (a.ig_account_id <> '' AND a.ig_account_id = ?)) ORDER BY a.channel_id LIMIT 1`, platform, accountID, accountID))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no channel is connected to this account")
	}
	return a, err
}

// SocialAccounts lists the enabled connections on the platform.
func (db *DB) SocialAccounts(ctx context.Context, platform string) ([]SocialAccountRow, error) {
	var out []SocialAccountRow
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+socialAccountCols+` FROM social_accounts a WHERE a.platform = ? AND a.enabled = 1 ORDER BY a.channel_id`, platform)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanSocialAccount(rows)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		return rows.Err()
	})
	return out, err
}

// SetSocialAccountError records (msg "" clears) what went wrong with a
// connection, in words without personal data.
func (db *DB) SetSocialAccountError(ctx context.Context, channelID int64, msg string) error {
	return db.Update(ctx, func(tx *Tx) error {
		var at any
		if msg != "" {
			at = ms(tx.Now)
		}
		_, err := tx.exec(ctx, `UPDATE social_accounts SET last_error = ?, last_error_at = ? WHERE channel_id = ?`, msg, at, channelID)
		return err
	})
}

// StoreWebhookEvent stores a verified delivery under its idempotency key
// and kicks the processing job. It reports false when the key was already
// stored (a retry of a delivery).
func (db *DB) StoreWebhookEvent(ctx context.Context, platform, key string, body []byte) (bool, error) {
	var stored bool
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.Now)
		n, err := countChanged(tx.exec(ctx, `INSERT INTO social_webhook_events (platform, idem_key, body, status, received_at) VALUES (?, ?, ?, 'pending', ?)
			ON CONFLICT (platform, idem_key) DO NOTHING`, platform, key, string(body), now))
		if err != nil {
			return fmt.Errorf("store webhook delivery: %w", err)
		}
		stored = n == 1
		if !stored {
			return nil
		}
		_, err = tx.exec(ctx, `INSERT INTO jobs (name, org_id, unique_key, payload, status, run_at, created_at) VALUES (?, 0, ?, '{}', 'pending', ?, ?) ON CONFLICT DO NOTHING`,
			SocialWebhookJob, SocialWebhookJob+":kick", now, now)
		return err
	})
	return stored, err
}

// WebhookEvent is a stored delivery to process.
type WebhookEvent struct {
	ID       int64
	Platform string
	Body     []byte
	Attempts int
}

// PendingWebhookEvents returns up to limit deliveries to process, oldest
// first.
func (db *DB) PendingWebhookEvents(ctx context.Context, limit int) ([]WebhookEvent, error) {
	var out []WebhookEvent
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, platform, body, attempts FROM social_webhook_events WHERE status = 'pending' ORDER BY id LIMIT ?`, clampLimit(limit, 100, 1000))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e WebhookEvent
			var body string
			if err := rows.Scan(&e.ID, &e.Platform, &body, &e.Attempts); err != nil {
				return err
			}
			e.Body = []byte(body)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// FinishWebhookEvent records a delivery's processing: status done (its
// body is emptied: the content now lives in the mirror or nowhere),
// failed (kept for staff to see, the body too), or pending (retried).
func (db *DB) FinishWebhookEvent(ctx context.Context, id int64, status string, applied, skipped int, errMsg string) error {
	return db.Update(ctx, func(tx *Tx) error {
		var err error
		switch status {
		case "done":
			_, err = tx.exec(ctx, `UPDATE social_webhook_events SET status = 'done', body = '', applied = ?, skipped = ?, last_error = '', processed_at = ?, attempts = attempts + 1 WHERE id = ?`,
				applied, skipped, ms(tx.Now), id)
		case "failed", "pending":
			_, err = tx.exec(ctx, `UPDATE social_webhook_events SET status = ?, last_error = ?, attempts = attempts + 1, processed_at = ? WHERE id = ?`, status, errMsg, ms(tx.Now), id)
		default:
			return fmt.Errorf("finish webhook delivery: unknown status %q", status)
		}
		return err
	})
}

// WebhookEventCounts counts the platform's deliveries by status.
func (db *DB) WebhookEventCounts(ctx context.Context, platform string) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT status, COUNT(*) FROM social_webhook_events WHERE platform = ? GROUP BY status`, platform)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int64
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			out[s] = n
		}
		return rows.Err()
	})
	return out, err
}

// SocialChange is one change on the platform to apply to the mirror.
type SocialChange struct {
	Remove           bool
	Source           gallra.SocialSource
	ExternalID       string
	ParentExternalID string
	PostExternalID   string
	AuthorID         string
	AuthorName       string
	Body             string
	ThreadKey        string
	Time             time.Time
}

// Results of ApplySocialChange.
const (
	ChangeInserted   = "inserted"
	ChangeUpdated    = "updated"
	ChangeStale      = "stale"      // an edit older than what is mirrored
	ChangeTombstoned = "tombstoned" // the item was deleted before: not brought back
	ChangeRemoved    = "removed"
)

// ApplySocialChange applies one platform change to a channel's mirror, in
// one transaction. An item with a tombstone is never brought back; an edit
// older than the mirrored text is ignored (deliveries come out of order); a
// removal of an item not (yet) mirrored leaves a tombstone so that its late
// add is ignored. A comment whose parent was deleted is not mirrored. A
// removal is audited with counts only.
func (db *DB) ApplySocialChange(ctx context.Context, orgID, channelID int64, c SocialChange) (string, error) {
	var result string
	err := db.Update(ctx, func(tx *Tx) error {
		var dead int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM social_tombstones WHERE channel_id = ? AND external_id = ?`, channelID, c.ExternalID).Scan(&dead); err != nil {
			return err
		}
		if dead > 0 {
			result = ChangeTombstoned
			return nil
		}
		var id, at int64
		err := tx.queryRow(ctx, `SELECT id, platform_time FROM social_items WHERE channel_id = ? AND external_id = ? AND org_id = ?`, channelID, c.ExternalID, orgID).Scan(&id, &at)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if c.Remove {
			result = ChangeRemoved
			if !exists {
				_, err := tx.exec(ctx, `INSERT INTO social_tombstones (org_id, channel_id, external_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id, external_id) DO NOTHING`,
					orgID, channelID, c.ExternalID, ms(tx.Now))
				return err
			}
			n, err := tx.removeSocialTree(ctx, orgID, id)
			if err != nil {
				return err
			}
			return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "social.item_removed_on_platform", "channel", channelID,
				map[string]any{"deleted": n, "source": string(c.Source)})
		}
		if exists {
			if at > ms(c.Time) {
				result = ChangeStale
				return nil
			}
			_, err := tx.exec(ctx, `UPDATE social_items SET body = ?, external_author_name = CASE WHEN ? = '' THEN external_author_name ELSE ? END, platform_time = ? WHERE id = ?`,
				c.Body, c.AuthorName, c.AuthorName, ms(c.Time), id)
			result = ChangeUpdated
			return err
		}
		var parent *int64
		kind := gallra.PostKindPost
		for _, ref := range []string{c.ParentExternalID, c.PostExternalID} {
			if ref == "" || ref == c.ExternalID {
				continue
			}
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM social_tombstones WHERE channel_id = ? AND external_id = ?`, channelID, ref).Scan(&dead); err != nil {
				return err
			}
			if dead > 0 { // under a deleted item: gone with it on the platform
				result = ChangeTombstoned
				_, err := tx.exec(ctx, `INSERT INTO social_tombstones (org_id, channel_id, external_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id, external_id) DO NOTHING`,
					orgID, channelID, c.ExternalID, ms(tx.Now))
				return err
			}
			var pid int64
			err := tx.queryRow(ctx, `SELECT id FROM social_items WHERE channel_id = ? AND external_id = ? AND org_id = ?`, channelID, ref, orgID).Scan(&pid)
			if err == nil {
				parent = &pid
				break
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if c.Source == gallra.SourceFacebookComment || c.Source == gallra.SourceIGComment {
			kind = gallra.PostKindComment
		}
		created := c.Time
		if created.IsZero() {
			created = tx.Now
		}
		if _, err := tx.insert(ctx, `INSERT INTO social_items (org_id, channel_id, external_id, parent_id, kind, external_author_id, external_author_name, body, created_at, source, platform_time, thread_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, channelID, c.ExternalID, idArg(parent), string(kind), c.AuthorID, c.AuthorName, c.Body,
			ms(created), string(c.Source), ms(c.Time), c.ThreadKey); err != nil {
			return fmt.Errorf("insert social item: %w", err)
		}
		result = ChangeInserted
		return nil
	})
	return result, err
}

// removeSocialTree deletes an item with its replies (leaving tombstones)
// and the person records nothing else refers to.
func (tx *Tx) removeSocialTree(ctx context.Context, orgID, id int64) (int64, error) {
	tree, err := tx.SocialTree(ctx, orgID, id)
	if err != nil {
		return 0, err
	}
	var persons []int64
	for _, it := range tree {
		if it.PersonID != 0 {
			persons = append(persons, it.PersonID)
		}
	}
	n, err := tx.DeleteSocialTree(ctx, orgID, tree)
	if err != nil {
		return 0, err
	}
	if _, err := tx.DeletePersonsWithoutData(ctx, orgID, persons); err != nil {
		return 0, err
	}
	return n, nil
}

// SocialItemRef is what the connector needs of a mirrored item.
type SocialItemRef struct {
	ID         int64
	ExternalID string
	Source     gallra.SocialSource
	AuthorID   string
	ThreadKey  string
}

// SocialItemRefOf returns an item of the channel for a reply or deletion.
func (db *DB) SocialItemRefOf(ctx context.Context, orgID, channelID, itemID int64) (*SocialItemRef, error) {
	var r SocialItemRef
	var src string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id, external_id, source, external_author_id, thread_key FROM social_items WHERE id = ? AND channel_id = ? AND org_id = ?`,
			itemID, channelID, orgID).Scan(&r.ID, &r.ExternalID, &src, &r.AuthorID, &r.ThreadKey)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("social item", itemID)
	} else if err != nil {
		return nil, err
	}
	r.Source = gallra.SocialSource(src)
	return &r, nil
}

// InsertSocialReply stores a staff reply under an item, pending until the
// platform accepts it (a provisional external id until then).
func (db *DB) InsertSocialReply(ctx context.Context, actor gallra.Actor, orgID, channelID, parentID, staffID int64, source gallra.SocialSource, threadKey, body string) (int64, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return 0, err
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO social_items (org_id, channel_id, external_id, parent_id, kind, external_author_id, external_author_name, body, created_at, source, platform_time, staff_id, reply_status, thread_key)
			VALUES (?, ?, ?, ?, 'comment', '', '', ?, ?, ?, ?, ?, 'pending', ?)`, orgID, channelID, "gallra:"+hex.EncodeToString(b), parentID, body, ms(tx.Now), string(source), ms(tx.Now), staffID, threadKey)
		if err != nil {
			return fmt.Errorf("store reply: %w", err)
		}
		return tx.Audit(ctx, orgID, actor, "social.reply", "social_item", id, map[string]any{"channel_id": channelID, "parent_id": parentID})
	})
	return id, err
}

// FinishSocialReply records the platform's answer to a reply: its id there
// (an echo of it mirrored meanwhile from a webhook is dropped), or the
// refusal.
func (db *DB) FinishSocialReply(ctx context.Context, orgID, itemID int64, externalID, errMsg string) (*gallra.SocialItem, error) {
	var item *gallra.SocialItem
	err := db.Update(ctx, func(tx *Tx) error {
		if externalID != "" {
			var cid int64
			if err := tx.queryRow(ctx, `SELECT channel_id FROM social_items WHERE id = ? AND org_id = ?`, itemID, orgID).Scan(&cid); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `DELETE FROM social_items WHERE channel_id = ? AND external_id = ? AND id <> ? AND staff_id IS NULL
				AND NOT EXISTS (SELECT 1 FROM social_items c WHERE c.parent_id = social_items.id)`, cid, externalID, itemID); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE social_items SET external_id = ?, reply_status = 'posted', reply_error = '' WHERE id = ? AND org_id = ?`, externalID, itemID, orgID); err != nil {
				return fmt.Errorf("record posted reply: %w", err)
			}
		} else if _, err := tx.exec(ctx, `UPDATE social_items SET reply_status = 'failed', reply_error = ? WHERE id = ? AND org_id = ?`, errMsg, itemID, orgID); err != nil {
			return err
		}
		var err error
		item, err = tx.getSocial(ctx, orgID, itemID)
		return err
	})
	return item, err
}

// DeleteSocialItem deletes a mirrored item with its replies here (leaving
// tombstones) and queues the deletion on the platform of each that came
// from it or reached it. Audited with counts only.
func (db *DB) DeleteSocialItem(ctx context.Context, actor gallra.Actor, orgID, channelID, itemID int64) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.requireModule(ctx, orgID, channelID, gallra.ModuleSocial); err != nil {
			return err
		}
		var cid int64
		if err := tx.queryRow(ctx, `SELECT channel_id FROM social_items WHERE id = ? AND org_id = ?`, itemID, orgID).Scan(&cid); errors.Is(err, sql.ErrNoRows) || (err == nil && cid != channelID) {
			return notFound("social item", itemID)
		} else if err != nil {
			return err
		}
		tree, err := tx.SocialTree(ctx, orgID, itemID)
		if err != nil {
			return err
		}
		queued := 0
		for _, it := range tree {
			var src, status string
			if err := tx.queryRow(ctx, `SELECT source, reply_status FROM social_items WHERE id = ?`, it.ID).Scan(&src, &status); err != nil {
				return err
			}
			if src == "" || status == gallra.ReplyPending || status == gallra.ReplyFailed {
				continue // never reached a platform through a connector
			}
			if err := tx.QueueSocialDeletion(ctx, orgID, channelID, it.ExternalID, 0); err != nil {
				return err
			}
			queued++
		}
		if n, err = tx.removeSocialTree(ctx, orgID, itemID); err != nil {
			return err
		}
		if queued > 0 {
			now := ms(tx.Now)
			if _, err := tx.exec(ctx, `INSERT INTO jobs (name, org_id, unique_key, payload, status, run_at, created_at) VALUES (?, 0, ?, '{}', 'pending', ?, ?) ON CONFLICT DO NOTHING`,
				SocialDeletionJob, SocialDeletionJob+":kick", now, now); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, orgID, actor, "social.item_deleted", "channel", channelID, map[string]any{"deleted": n, "platform_deletions_queued": queued})
	})
	return n, err
}

// SocialDeletionItem is a claimed outbox row with the connection to use.
type SocialDeletionItem struct {
	ID, OrgID, ChannelID int64
	ExternalID           string
	Source               gallra.SocialSource
	Attempts             int
	Account              SocialAccountRow
}

// ClaimSocialDeletion takes the oldest due outbox row of a connected,
// enabled channel for owner until now+lease, or nil when none is due. Rows
// of channels without a connection wait (pending) until one is made.
func (db *DB) ClaimSocialDeletion(ctx context.Context, owner string, lease time.Duration) (*SocialDeletionItem, error) {
	var it *SocialDeletionItem
	err := db.Update(ctx, func(tx *Tx) error {
		q := `SELECT o.id FROM social_deletion_outbox o JOIN social_accounts a ON a.channel_id = o.channel_id AND a.enabled = 1
			WHERE o.status IN ('pending', 'sending') AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.id LIMIT 1`
		if tx.Dialect() == Postgres {
			q += ` FOR UPDATE OF o SKIP LOCKED`
		}
		var id int64
		if err := tx.queryRow(ctx, q, ms(tx.Now)).Scan(&id); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("find due social deletion: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE social_deletion_outbox SET status = 'sending', lease_owner = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`,
			owner, ms(tx.Now.Add(lease)), id); err != nil {
			return fmt.Errorf("claim social deletion: %w", err)
		}
		it = &SocialDeletionItem{}
		var src string
		row := tx.queryRow(ctx, `SELECT o.id, o.org_id, o.channel_id, o.external_id, o.source, o.attempts, `+socialAccountCols+`
			FROM social_deletion_outbox o JOIN social_accounts a ON a.channel_id = o.channel_id WHERE o.id = ?`, id)
		var a SocialAccountRow
		var enabled int
		var errAt, recAt sql.NullInt64
		var updated int64
		if err := row.Scan(&it.ID, &it.OrgID, &it.ChannelID, &it.ExternalID, &src, &it.Attempts,
			&a.ChannelID, &a.OrgID, &a.Platform, &a.PageID, &a.IGAccountID, &a.Secret, &enabled, &a.LastError, &errAt, &recAt, &a.ReconcileAfter, &updated); err != nil {
			return fmt.Errorf("load social deletion: %w", err)
		}
		a.Enabled = enabled == 1
		it.Source, it.Account = gallra.SocialSource(src), a
		return nil
	})
	return it, err
}

// FinishSocialDeletion records the outcome of owner's attempt: state
// deleted or hidden (done), refused, gave_up, or pending (retry at
// retryAt). errMsg holds no personal data. Audited when final.
func (db *DB) FinishSocialDeletion(ctx context.Context, id int64, owner, state, errMsg string, retryAt time.Time) error {
	return db.Update(ctx, func(tx *Tx) error {
		var orgID, channelID int64
		var reqID sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT org_id, channel_id, request_id FROM social_deletion_outbox WHERE id = ? AND status = 'sending' AND lease_owner = ?`, id, owner).
			Scan(&orgID, &channelID, &reqID); errors.Is(err, sql.ErrNoRows) {
			return nil // no longer ours
		} else if err != nil {
			return err
		}
		now := ms(tx.Now)
		var err error
		switch state {
		case gallra.PlatformDeleted, gallra.PlatformHidden:
			_, err = tx.exec(ctx, `UPDATE social_deletion_outbox SET status = 'done', outcome = ?, last_error = '', lease_owner = '', done_at = ? WHERE id = ?`, state, now, id)
		case gallra.PlatformRefused, gallra.PlatformGaveUp:
			_, err = tx.exec(ctx, `UPDATE social_deletion_outbox SET status = ?, outcome = '', last_error = ?, lease_owner = '', done_at = ? WHERE id = ?`, state, errMsg, now, id)
		case gallra.PlatformDeletePending:
			_, err = tx.exec(ctx, `UPDATE social_deletion_outbox SET status = 'pending', last_error = ?, lease_owner = '', next_attempt_at = ? WHERE id = ?`, errMsg, ms(retryAt), id)
			return err
		default:
			return fmt.Errorf("finish social deletion: unknown state %q", state)
		}
		if err != nil {
			return fmt.Errorf("finish social deletion: %w", err)
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "social.platform_deletion", "channel", channelID,
			map[string]any{"outbox_id": id, "state": state, "request_id": reqID.Int64})
	})
}

// SocialDeletionStates lists deletions carried to the platform, newest
// first: of a channel (requestID 0) or of a data-subject request
// (channelID 0).
func (db *DB) SocialDeletionStates(ctx context.Context, orgID, channelID, requestID int64, limit int) ([]gallra.SocialDeletionState, error) {
	out := []gallra.SocialDeletionState{}
	err := db.View(ctx, func(tx *Tx) error {
		q, args := `SELECT id, channel_id, external_id, source, request_id, requested_at, status, outcome, attempts, last_error, done_at FROM social_deletion_outbox WHERE org_id = ?`, []any{orgID}
		if channelID != 0 {
			q, args = q+` AND channel_id = ?`, append(args, channelID)
		}
		if requestID != 0 {
			q, args = q+` AND request_id = ?`, append(args, requestID)
		}
		rows, err := tx.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, clampLimit(limit, 100, 1000))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d gallra.SocialDeletionState
			var req, done sql.NullInt64
			var at int64
			var status, outcome string
			if err := rows.Scan(&d.ID, &d.ChannelID, &d.ExternalID, &d.Source, &req, &at, &status, &outcome, &d.Attempts, &d.LastError, &done); err != nil {
				return err
			}
			d.RequestID, d.RequestedAt, d.DoneAt = req.Int64, fromMS(at), fromNullMS(done)
			switch status {
			case "done":
				d.State = outcome
			case gallra.PlatformRefused, gallra.PlatformGaveUp:
				d.State = status
			default:
				d.State = gallra.PlatformDeletePending
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// ReconcileBatch returns up to limit Instagram comments of the channel
// after the cursor (item id), by id.
func (db *DB) ReconcileBatch(ctx context.Context, orgID, channelID, after int64, limit int) ([]SocialItemRef, error) {
	var out []SocialItemRef
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, external_id, source FROM social_items WHERE channel_id = ? AND org_id = ? AND source = ? AND id > ?
			AND reply_status NOT IN ('pending', 'failed') ORDER BY id LIMIT ?`, channelID, orgID, string(gallra.SourceIGComment), after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r SocialItemRef
			var src string
			if err := rows.Scan(&r.ID, &r.ExternalID, &src); err != nil {
				return err
			}
			r.Source = gallra.SocialSource(src)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// SetReconcileCursor records how far the reconciliation got; done marks a
// full pass (cursor back to the start).
func (db *DB) SetReconcileCursor(ctx context.Context, channelID, after int64, done bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		if done {
			_, err := tx.exec(ctx, `UPDATE social_accounts SET reconcile_after = 0, reconciled_at = ? WHERE channel_id = ?`, ms(tx.Now), channelID)
			return err
		}
		_, err := tx.exec(ctx, `UPDATE social_accounts SET reconcile_after = ? WHERE channel_id = ?`, after, channelID)
		return err
	})
}

// RemoveGoneSocialItems removes items the platform says no longer exist
// (with their replies, leaving tombstones). Audited with counts only.
func (db *DB) RemoveGoneSocialItems(ctx context.Context, orgID, channelID int64, ids []int64) (int64, error) {
	var total int64
	err := db.Update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			n, err := tx.removeSocialTree(ctx, orgID, id)
			if err != nil {
				return err
			}
			total += n
		}
		if total == 0 {
			return nil
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "social.item_gone_on_platform", "channel", channelID, map[string]any{"deleted": total})
	})
	return total, err
}

// AuthorItems lists the (organisation, channel, item) of every top item
// mirrored from the platform by an external author, in all organisations.
func (db *DB) AuthorItems(ctx context.Context, platform, authorID string) ([]SocialItemRef, []int64, []int64, error) {
	var refs []SocialItemRef
	var orgs, chans []int64
	err := db.View(ctx, func(tx *Tx) error {
		// Items mirrored by the connector, whether or not their channel is
		// still connected (disconnecting does not exempt them). Every
		// source so far is Meta's; another platform adds its sources here.
		_ = platform
		rows, err := tx.query(ctx, `SELECT s.id, s.org_id, s.channel_id, s.external_id FROM social_items s
			WHERE s.external_author_id = ? AND s.source <> '' ORDER BY s.id`, authorID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r SocialItemRef
			var o, c int64
			if err := rows.Scan(&r.ID, &o, &c, &r.ExternalID); err != nil {
				return err
			}
			refs, orgs, chans = append(refs, r), append(orgs, o), append(chans, c)
		}
		return rows.Err()
	})
	return refs, orgs, chans, err
}

// RemoveAuthorItems removes one organisation's items by an author who left
// the platform (the data deletion callback): each with its replies,
// leaving tombstones. Audited with counts only.
func (db *DB) RemoveAuthorItems(ctx context.Context, orgID, channelID int64, ids []int64) (int64, error) {
	var total int64
	err := db.Update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			n, err := tx.removeSocialTree(ctx, orgID, id) // gone already as a reply: 0
			if err != nil {
				return err
			}
			total += n
		}
		return tx.Audit(ctx, orgID, gallra.Actor{Type: gallra.ActorSystem}, "social.author_removed_on_platform", "channel", channelID, map[string]any{"deleted": total})
	})
	return total, err
}

// SocialDeletionRequest is a platform's data deletion request (no user id).
type SocialDeletionRequest struct {
	Code         string
	Status       string // received, completed
	ItemsRemoved int64
	ReceivedAt   time.Time
	DoneAt       *time.Time
}

// RecordSocialDeletionRequest stores a data deletion request's state.
func (db *DB) RecordSocialDeletionRequest(ctx context.Context, platform, code, status string, removed int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		var done any
		if status == "completed" {
			done = ms(tx.Now)
		}
		n, err := countChanged(tx.exec(ctx, `UPDATE social_deletion_requests SET status = ?, items_removed = ?, done_at = ? WHERE confirmation_code = ?`, status, removed, done, code))
		if err != nil || n > 0 {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO social_deletion_requests (platform, confirmation_code, status, items_removed, received_at, done_at) VALUES (?, ?, ?, ?, ?, ?)`,
			platform, code, status, removed, ms(tx.Now), done)
		return err
	})
}

// GetSocialDeletionRequest returns a data deletion request by its
// confirmation code (ENOTFOUND when none).
func (db *DB) GetSocialDeletionRequest(ctx context.Context, code string) (*SocialDeletionRequest, error) {
	var r SocialDeletionRequest
	var at int64
	var done sql.NullInt64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT confirmation_code, status, items_removed, received_at, done_at FROM social_deletion_requests WHERE confirmation_code = ?`, code).
			Scan(&r.Code, &r.Status, &r.ItemsRemoved, &at, &done)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no deletion request has this confirmation code")
	} else if err != nil {
		return nil, err
	}
	r.ReceivedAt, r.DoneAt = fromMS(at), fromNullMS(done)
	return &r, nil
}
