package retention

import (
	"context"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Counting what is due reads every due row (a COUNT per window over the
// purge's own predicate): about a second per channel at a million posts.
// The overview and the preview therefore show counts computed once per
// purge cycle (after each channel's purge) and kept with the time they were
// computed; the exact list stays available on demand (Preview, with ids).

// policyKey identifies the resolved policy counts were computed under.
func policyKey(r *gallra.RetentionResolved) string {
	return string(r.Action) + " " + r.Period.String()
}

// PreviewCounts returns the channel's preview counts as last computed (At
// is when; Cached is set), without ids: the buckets say Truncated where
// they hold items, which Preview lists. Counts of another policy than the
// channel's current one, or older than Config.CountsMaxAge, or never
// computed, are computed now and kept.
func (e *Engine) PreviewCounts(ctx context.Context, orgID, channelID int64) (*gallra.RetentionPreview, error) {
	var c *gallra.Channel
	var r *gallra.RetentionResolved
	err := e.db.View(ctx, func(tx *store.Tx) error {
		var err error
		c, r, err = e.resolve(ctx, tx, orgID, channelID)
		return err
	})
	if err != nil {
		return nil, err
	}
	cached, err := e.db.DueCountsOf(ctx, orgID, channelID)
	if err != nil {
		return nil, err
	}
	if cached == nil || cached.Policy != policyKey(r) || e.db.Now().Sub(cached.ComputedAt) > e.countsMaxAge {
		return e.refreshCounts(ctx, orgID, channelID)
	}
	pv := &gallra.RetentionPreview{ChannelID: c.ID, Module: c.Module, Policy: *r, At: cached.ComputedAt, ItemType: ItemType(c.Module), Action: r.Action, Cached: true}
	if !r.Period.IsNever() {
		cut := target(c, r.Policy, cached.ComputedAt).Cutoff
		pv.Cutoff = &cut
	}
	for _, b := range []struct {
		b *gallra.RetentionBucket
		n int64
	}{{&pv.DueNow, cached.DueNow}, {&pv.Held, cached.Held}, {&pv.Next7Days, cached.Next7}, {&pv.Next30Days, cached.Next30}} {
		*b.b = gallra.RetentionBucket{Count: int(b.n), IDs: []int64{}, Truncated: b.n > 0}
	}
	return pv, nil
}

// refreshCounts counts the channel's preview under its current policy and
// keeps the counts.
func (e *Engine) refreshCounts(ctx context.Context, orgID, channelID int64) (*gallra.RetentionPreview, error) {
	pv, err := e.preview(ctx, orgID, channelID, nil, false)
	if err != nil {
		return nil, err
	}
	err = e.db.SaveDueCounts(ctx, store.DueCounts{OrgID: orgID, ChannelID: channelID, Policy: policyKey(&pv.Policy), ComputedAt: pv.At,
		DueNow: int64(pv.DueNow.Count), Held: int64(pv.Held.Count), Next7: int64(pv.Next7Days.Count), Next30: int64(pv.Next30Days.Count)})
	if err != nil {
		return nil, err
	}
	return pv, nil
}
