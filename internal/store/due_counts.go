package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DueCounts is a channel's retention preview counts as computed at
// ComputedAt under the resolved policy Policy (a fingerprint the retention
// engine makes).
type DueCounts struct {
	OrgID, ChannelID            int64
	Policy                      string
	ComputedAt                  time.Time
	DueNow, Held, Next7, Next30 int64
}

// SaveDueCounts records a channel's counts, replacing the previous ones.
func (db *DB) SaveDueCounts(ctx context.Context, c DueCounts) error {
	err := db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO retention_due_counts (channel_id, org_id, policy, computed_at, due_now, held, next7, next30) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel_id) DO UPDATE SET org_id = excluded.org_id, policy = excluded.policy, computed_at = excluded.computed_at,
			due_now = excluded.due_now, held = excluded.held, next7 = excluded.next7, next30 = excluded.next30`,
			c.ChannelID, c.OrgID, c.Policy, ms(c.ComputedAt), c.DueNow, c.Held, c.Next7, c.Next30)
		return err
	})
	if err != nil {
		return fmt.Errorf("save due counts of channel %d: %w", c.ChannelID, err)
	}
	return nil
}

// DueCountsOf returns the channel's recorded counts, nil when none are.
func (db *DB) DueCountsOf(ctx context.Context, orgID, channelID int64) (*DueCounts, error) {
	c := DueCounts{OrgID: orgID, ChannelID: channelID}
	var at int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT policy, computed_at, due_now, held, next7, next30 FROM retention_due_counts WHERE channel_id = ? AND org_id = ?`, channelID, orgID).
			Scan(&c.Policy, &at, &c.DueNow, &c.Held, &c.Next7, &c.Next30)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read due counts of channel %d: %w", channelID, err)
	}
	c.ComputedAt = fromMS(at)
	return &c, nil
}
