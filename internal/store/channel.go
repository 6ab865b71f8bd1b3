package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

func validateChannel(c *gallra.Channel) error {
	c.Name = strings.TrimSpace(c.Name)
	c.Address = strings.TrimSpace(c.Address)
	if !c.Module.Valid() {
		return gallra.Errorf(gallra.EINVALID, "module must be one of forum, mail, chat, social, knowledge")
	}
	if err := gallra.ValidateText("name", c.Name, true, gallra.MaxNameLen); err != nil {
		return err
	}
	if c.Address != "" {
		if c.Module != gallra.ModuleMail {
			return gallra.Errorf(gallra.EINVALID, "address is only for mail channels")
		}
		if err := gallra.ValidateEmail("address", c.Address); err != nil {
			return err
		}
		c.Address = gallra.NormalizeEmail(c.Address)
	}
	return nil
}

// CreateChannel adds a channel to c.OrgID; audited.
func (db *DB) CreateChannel(ctx context.Context, actor gallra.Actor, c *gallra.Channel) (*gallra.Channel, error) {
	out := *c
	if err := validateChannel(&out); err != nil {
		return nil, err
	}
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.addressFree(ctx, out.Address, 0); err != nil {
			return err
		}
		if err := tx.underCap(ctx, "channels per organisation", gallra.MaxChannels, `SELECT COUNT(*) FROM channels WHERE org_id = ?`, out.OrgID); err != nil {
			return err
		}
		out.CreatedAt = tx.Now
		id, err := tx.insert(ctx, `INSERT INTO channels (org_id, module, name, address, created_at) VALUES (?, ?, ?, ?, ?)`,
			out.OrgID, string(out.Module), out.Name, out.Address, ms(out.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert channel: %w", err)
		}
		out.ID = id
		return tx.Audit(ctx, out.OrgID, actor, "channel.created", "channel", id, map[string]any{"module": string(out.Module)})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetChannel returns a channel of the organisation; ENOTFOUND otherwise.
func (db *DB) GetChannel(ctx context.Context, orgID, id int64) (*gallra.Channel, error) {
	var c *gallra.Channel
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = tx.getChannel(ctx, orgID, id)
		return err
	})
	return c, err
}

// GetChannel is GetChannel inside a transaction.
func (tx *Tx) GetChannel(ctx context.Context, orgID, id int64) (*gallra.Channel, error) {
	return tx.getChannel(ctx, orgID, id)
}

func (tx *Tx) getChannel(ctx context.Context, orgID, id int64) (*gallra.Channel, error) {
	c, err := scanChannel(tx.queryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("channel", id)
	} else if err != nil {
		return nil, fmt.Errorf("get channel %d: %w", id, err)
	}
	return c, nil
}

const channelCols = `id, org_id, module, name, address, address_conflict, created_at`

func scanChannel(sc interface{ Scan(...any) error }) (*gallra.Channel, error) {
	var c gallra.Channel
	var module string
	var created int64
	if err := sc.Scan(&c.ID, &c.OrgID, &module, &c.Name, &c.Address, &c.AddressConflict, &created); err != nil {
		return nil, err
	}
	c.Module, c.CreatedAt = gallra.Module(module), fromMS(created)
	return &c, nil
}

// ListChannels returns the organisation's channels, optionally of one module.
func (db *DB) ListChannels(ctx context.Context, orgID int64, module gallra.Module) ([]gallra.Channel, error) {
	var out []gallra.Channel
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.ListChannels(ctx, orgID, module)
		return err
	})
	return out, err
}

// ListChannels is ListChannels inside a transaction.
func (tx *Tx) ListChannels(ctx context.Context, orgID int64, module gallra.Module) ([]gallra.Channel, error) {
	q := `SELECT ` + channelCols + ` FROM channels WHERE org_id = ?`
	args := []any{orgID}
	if module != "" {
		q += ` AND module = ?`
		args = append(args, string(module))
	}
	rows, err := tx.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	out := []gallra.Channel{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// addressFree refuses (ECONFLICT) an inbox address that another channel, of
// any organisation, already has: inbound mail is routed by address alone.
// The unique index channels_address is the guarantee under concurrency; this
// check gives the clear message.
func (tx *Tx) addressFree(ctx context.Context, addr string, self int64) error {
	if addr == "" {
		return nil
	}
	var n int64
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM channels WHERE address = ? AND id <> ?`, addr, self).Scan(&n); err != nil {
		return fmt.Errorf("check inbox address: %w", err)
	}
	if n > 0 {
		return gallra.Errorf(gallra.ECONFLICT, "address is already the address of another inbox; choose another")
	}
	return nil
}

// AddressConflicts returns the ids of the inboxes that gave up their address
// when addresses became unique (migration 00012) and have not chosen a new
// one yet.
func (db *DB) AddressConflicts(ctx context.Context) ([]int64, error) {
	var out []int64
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id FROM channels WHERE address_conflict <> '' AND address = '' ORDER BY id`)
		if err != nil {
			return fmt.Errorf("list address conflicts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

// FindMailChannel returns the mail channel whose inbox address is addr, in any
// active organisation (used by the SMTP receiver to route inbound mail; a
// disabled organisation's inbox is unknown, so its mail bounces).
func (db *DB) FindMailChannel(ctx context.Context, addr string) (*gallra.Channel, error) {
	var id, orgID int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT c.id, c.org_id FROM channels c JOIN organisations o ON o.id = c.org_id AND o.status = 'active'
			WHERE c.address = ? AND c.module = 'mail'`, gallra.NormalizeEmail(addr)).Scan(&id, &orgID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no inbox has that address")
	} else if err != nil {
		return nil, err
	}
	return db.GetChannel(ctx, orgID, id)
}

// RenameChannel changes a channel's name (and inbox address); audited.
func (db *DB) UpdateChannel(ctx context.Context, actor gallra.Actor, c *gallra.Channel) (*gallra.Channel, error) {
	var out *gallra.Channel
	err := db.Update(ctx, func(tx *Tx) error {
		cur, err := tx.getChannel(ctx, c.OrgID, c.ID)
		if err != nil {
			return err
		}
		n := *cur
		n.Name, n.Address = c.Name, c.Address
		if err := validateChannel(&n); err != nil {
			return err
		}
		if err := tx.addressFree(ctx, n.Address, n.ID); err != nil {
			return err
		}
		if n.Address != "" && n.Address != cur.Address {
			n.AddressConflict = ""
		}
		if _, err := tx.exec(ctx, `UPDATE channels SET name = ?, address = ?, address_conflict = ? WHERE id = ? AND org_id = ?`, n.Name, n.Address, n.AddressConflict, n.ID, n.OrgID); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
		out = &n
		return tx.Audit(ctx, n.OrgID, actor, "channel.updated", "channel", n.ID, nil)
	})
	return out, err
}

// DeleteChannel removes an empty channel; a channel that still holds content
// is refused (ECONFLICT): content leaves through purges and erasure, which
// are recorded, never through a side door.
func (db *DB) DeleteChannel(ctx context.Context, actor gallra.Actor, orgID, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.getChannel(ctx, orgID, id); err != nil {
			return err
		}
		var n int64
		err := tx.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM forum_topics WHERE channel_id = ?) +
			(SELECT COUNT(*) FROM mail_conversations WHERE channel_id = ?) +
			(SELECT COUNT(*) FROM chat_conversations WHERE channel_id = ?) +
			(SELECT COUNT(*) FROM social_items WHERE channel_id = ?) +
			(SELECT COUNT(*) FROM knowledge_articles WHERE channel_id = ?)`, id, id, id, id, id).Scan(&n)
		if err != nil {
			return fmt.Errorf("count channel content: %w", err)
		}
		if n > 0 {
			return gallra.Errorf(gallra.ECONFLICT, "channel %d still holds %d topics, conversations, items or articles", id, n)
		}
		if _, err := tx.exec(ctx, `DELETE FROM channel_members WHERE channel_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM channels WHERE id = ? AND org_id = ?`, id, orgID); err != nil {
			return err
		}
		return tx.Audit(ctx, orgID, actor, "channel.deleted", "channel", id, nil)
	})
}

// PublicChannel returns a channel by id alone, for the unauthenticated API;
// ENOTFOUND when absent or its organisation is not active.
func (db *DB) PublicChannel(ctx context.Context, id int64) (*gallra.Channel, error) {
	var orgID int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT c.org_id FROM channels c JOIN organisations o ON o.id = c.org_id AND o.status = 'active' WHERE c.id = ?`, id).Scan(&orgID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("channel", id)
	} else if err != nil {
		return nil, err
	}
	return db.GetChannel(ctx, orgID, id)
}
