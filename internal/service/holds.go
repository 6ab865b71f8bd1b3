package service

import (
	"context"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/takeout"
)

// Holds implements gallra.HoldService. The rule for who may place or
// release a hold is here, once: the subject is loaded in the staff user's
// organisation (ENOTFOUND for any other), then PermHold is checked on its
// channel.
type Holds struct{ d Deps }

var _ gallra.HoldService = (*Holds)(nil)

// isConversation reports whether st is a topic or conversation (what holds
// are placed on).
func isConversation(st gallra.SubjectType) bool {
	return st == gallra.SubjectForumTopic || st == gallra.SubjectMailConversation || st == gallra.SubjectChatConversation
}

// loadSubject loads a topic or conversation of the organisation.
func loadSubject(ctx context.Context, d Deps, org int64, st gallra.SubjectType, id int64) (*gallra.HoldSubject, error) {
	s := &gallra.HoldSubject{Type: st, ID: id}
	switch st {
	case gallra.SubjectForumTopic:
		t, err := d.DB.TopicHead(ctx, org, id)
		if err != nil {
			return nil, err
		}
		s.ChannelID, s.Title, s.When, s.Hold = t.ChannelID, t.Title, t.LastActivityAt, t.Hold
	case gallra.SubjectMailConversation:
		c, err := d.DB.MailConversationHead(ctx, org, id)
		if err != nil {
			return nil, err
		}
		s.ChannelID, s.Title, s.When, s.Hold = c.ChannelID, c.Subject, c.LastMessageAt, c.Hold
	case gallra.SubjectChatConversation:
		c, err := d.DB.ChatHead(ctx, org, id)
		if err != nil {
			return nil, err
		}
		s.ChannelID, s.When, s.Hold = c.ChannelID, c.LastMessageAt, c.Hold
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "subject_type must be forum_topic, mail_conversation or chat_conversation")
	}
	return s, nil
}

// HoldSubject implements gallra.HoldService.
func (h *Holds) HoldSubject(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) (*gallra.HoldSubject, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	s, err := loadSubject(ctx, h.d, org, st, id)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermHold, s.ChannelID); err != nil {
		return nil, err
	}
	return s, nil
}

// PlaceHold implements gallra.HoldService.
func (h *Holds) PlaceHold(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64, reason string) (*gallra.Hold, error) {
	if _, err := h.HoldSubject(ctx, staff, st, id); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if err := gallra.ValidateText("reason", reason, true, gallra.MaxValueLen); err != nil {
		return nil, err
	}
	return h.d.DB.SetHold(ctx, actor(staff), staff.OrgID, st, id, reason)
}

// ReleaseHold implements gallra.HoldService: ReleaseHoldWithReason
// without a reason, so it releases only the staff user's own holds.
func (h *Holds) ReleaseHold(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64) error {
	return h.ReleaseHoldWithReason(ctx, staff, st, id, "")
}

// ReleaseHoldWithReason implements gallra.HoldService. A hold the staff
// user placed themselves is released as it is; someone else's hold (or one
// the system placed) only by an administrator giving a reason, which is
// kept and named in the audit entry together with who had placed it.
func (h *Holds) ReleaseHoldWithReason(ctx context.Context, staff *gallra.Staff, st gallra.SubjectType, id int64, reason string) error {
	s, err := h.HoldSubject(ctx, staff, st, id)
	if err != nil {
		return err
	}
	if s.Hold == nil {
		return &gallra.Error{Code: gallra.ENOTFOUND, Message: "this item is not on hold", Details: map[string]any{"reason": gallra.ReasonHoldNotHeld}}
	}
	reason = strings.TrimSpace(reason)
	if s.Hold.HeldBy != staff.ID {
		if staff.Role != gallra.RoleAdmin {
			return &gallra.Error{Code: gallra.EFORBIDDEN, Message: "someone else placed this hold: only an administrator may release it, giving a reason",
				Details: map[string]any{"reason": gallra.ReasonHoldNotYours, "held_by": s.Hold.HeldBy}}
		}
		if reason == "" {
			return &gallra.Error{Code: gallra.EINVALID, Message: "someone else placed this hold: give a reason for releasing it",
				Details: map[string]any{"reason": gallra.ReasonHoldNeedsReason, "field": "reason"}}
		}
	}
	if err := gallra.ValidateText("reason", reason, false, gallra.MaxValueLen); err != nil {
		return err
	}
	if err := h.d.DB.ReleaseHoldWithReason(ctx, actor(staff), staff.OrgID, st, id, reason); err != nil {
		return err
	}
	// Erasures waiting on the hold (status waiting_on_hold) are queued to
	// finish at once (job requests.process); should that fail or the
	// process die first, the job's minute run still finds them, so the
	// release itself stands.
	if n, err := takeout.QueueAfterRelease(ctx, h.d.DB, staff.OrgID, st, id); err != nil {
		h.d.Log.Warn("hold released; waiting erasures are left to the next requests.process run", "org_id", staff.OrgID, "subject_type", string(st), "subject_id", id, "err", err)
	} else if n > 0 {
		h.d.Log.Info("hold released; waiting erasures queued", "org_id", staff.OrgID, "subject_type", string(st), "subject_id", id, "requests", n)
	}
	return nil
}

// Holds implements gallra.HoldService.
func (h *Holds) Holds(ctx context.Context, staff *gallra.Staff, channelID int64) ([]gallra.Hold, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	all, err := h.d.DB.ListHolds(ctx, org)
	if err != nil {
		return nil, err
	}
	out := []gallra.Hold{}
	for _, hd := range all {
		if (channelID <= 0 || hd.ChannelID == channelID) && staff.Allowed(gallra.PermViewChannel, hd.ChannelID) {
			out = append(out, hd)
		}
	}
	return out, nil
}
