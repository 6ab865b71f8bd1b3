package store

// Look-ups the JSON API needs that are not scoped by an organisation the
// caller already knows: public end-customer endpoints name only a channel,
// topic or chat id, and the organisation is found from it.

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"

	"github.com/gallra/gallra"
)

// PublicChannel returns a channel by id alone, for the unauthenticated API;
// ENOTFOUND when absent.
func (db *DB) PublicChannel(ctx context.Context, id int64) (*gallra.Channel, error) {
	var orgID int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT org_id FROM channels WHERE id = ?`, id).Scan(&orgID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("channel", id)
	} else if err != nil {
		return nil, err
	}
	return db.GetChannel(ctx, orgID, id)
}

// TopicOrg returns the organisation of a forum topic by id alone, for the
// unauthenticated API; ENOTFOUND when absent.
func (db *DB) TopicOrg(ctx context.Context, id int64) (int64, error) {
	var orgID int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT org_id FROM forum_topics WHERE id = ?`, id).Scan(&orgID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("topic", id)
	}
	return orgID, err
}

// ChatByAccess returns a chat by id when secret is its customer access
// secret; a wrong secret answers ENOTFOUND, like an absent chat.
func (db *DB) ChatByAccess(ctx context.Context, id int64, secret string) (*gallra.ChatConversation, error) {
	var orgID int64
	var hash string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT org_id, access_hash FROM chat_conversations WHERE id = ?`, id).Scan(&orgID, &hash)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(secret))) != 1) {
		return nil, notFound("chat", id)
	} else if err != nil {
		return nil, err
	}
	return db.GetChat(ctx, orgID, id)
}

// AttachmentChannel returns the channel an attachment of the organisation
// belongs to (for the membership check before download); ENOTFOUND when
// absent or another organisation's.
func (db *DB) AttachmentChannel(ctx context.Context, orgID, id int64) (int64, error) {
	var ch int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT m.channel_id FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
			WHERE a.id = ? AND a.org_id = ? AND m.org_id = ?`, id, orgID, orgID).Scan(&ch)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("attachment", id)
	}
	return ch, err
}
