package retention

import (
	"context"
	"maps"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// staffActor is how the audit log records a staff user's change.
func staffActor(s *gallra.Staff) gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: s.ID}
}

// SetChannelPolicy gives a channel of the staff user's organisation its own
// policy, or with p nil makes it follow its module default again. Only
// administrators may (gallra.PermSetRetention, EFORBIDDEN otherwise); the
// policy is checked against the module rules and the operator caps
// (EUNPROCESS naming the rule), and the change is audited with the old and
// new values.
func (e *Engine) SetChannelPolicy(ctx context.Context, staff *gallra.Staff, channelID int64, p *gallra.Policy) (*gallra.RetentionResolved, error) {
	return e.ChangeChannelPolicy(ctx, staff, channelID, p, "")
}

// ChangeChannelPolicy is SetChannelPolicy with the staff user's reason: a
// change that keeps data longer (gallra.KeepsLonger: "never", or a longer
// period) is refused without one (EUNPROCESS, Details reason
// gallra.ReasonRetentionWeakened); with one, the reason is kept and the
// audit entry marks the change weakened and names the reason.
func (e *Engine) ChangeChannelPolicy(ctx context.Context, staff *gallra.Staff, channelID int64, p *gallra.Policy, reason string) (*gallra.RetentionResolved, error) {
	if err := staff.AuthorizeOrg(gallra.PermSetRetention); err != nil {
		return nil, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	return e.setChannelPolicy(ctx, staffActor(staff), staff.OrgID, channelID, p, reason, true)
}

// checkReason trims and bounds a governance reason.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	return reason, gallra.ValidateText("reason", reason, false, gallra.MaxGovernanceReason)
}

// weakened checks a change from old to new: a change that keeps data
// longer needs a reason when required (staff), and a given reason is kept.
// It returns the audit details to add.
func weakened(ctx context.Context, tx *store.Tx, actor gallra.Actor, orgID int64, subjectType string, subjectID int64, old, new gallra.Policy, reason string, required bool) (map[string]any, error) {
	if !gallra.KeepsLonger(old, new) {
		return nil, nil
	}
	if reason == "" {
		if !required {
			return map[string]any{"weakened": true}, nil
		}
		return nil, &gallra.Error{Code: gallra.EUNPROCESS, Message: "this change keeps data longer than before: give a reason for it",
			Details: map[string]any{"reason": gallra.ReasonRetentionWeakened, "field": "reason"}}
	}
	id, err := tx.AddGovernanceReason(ctx, orgID, store.GovernanceRetentionWeakened, subjectType, subjectID, actor.ID, reason)
	if err != nil {
		return nil, err
	}
	return map[string]any{"weakened": true, "reason_id": id}, nil
}

// SetChannelPolicyAsSystem is SetChannelPolicy for the operator (the CLI),
// audited as the system: it names the organisation itself.
func (e *Engine) SetChannelPolicyAsSystem(ctx context.Context, orgID, channelID int64, p *gallra.Policy) (*gallra.RetentionResolved, error) {
	return e.setChannelPolicy(ctx, gallra.Actor{Type: gallra.ActorSystem}, orgID, channelID, p, "", false)
}

func (e *Engine) setChannelPolicy(ctx context.Context, actor gallra.Actor, orgID, channelID int64, p *gallra.Policy, reason string, required bool) (*gallra.RetentionResolved, error) {
	var r *gallra.RetentionResolved
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		c, old, err := e.resolve(ctx, tx, orgID, channelID)
		if err != nil {
			return err
		}
		var s *store.RetentionSetting
		if p != nil {
			if err := e.caps.Validate(c.Module, *p); err != nil {
				return err
			}
			s = &store.RetentionSetting{Period: p.Period.String(), Action: string(p.Action)}
		}
		if err := tx.SetChannelRetention(ctx, orgID, channelID, s); err != nil {
			return err
		}
		if _, r, err = e.resolve(ctx, tx, orgID, channelID); err != nil {
			return err
		}
		details := map[string]any{
			"module": string(c.Module), "old": auditPolicy(old.Policy, old.Source), "new": auditPolicy(r.Policy, r.Source),
		}
		more, err := weakened(ctx, tx, actor, orgID, "channel", channelID, old.Policy, r.Policy, reason, required)
		if err != nil {
			return err
		}
		maps.Copy(details, more)
		return tx.Audit(ctx, orgID, actor, "retention.policy_set", "channel", channelID, details)
	})
	if err == nil {
		e.refreshNotices(ctx, orgID)
	}
	return r, err
}

// refreshNotices records the notices' new versions after a policy change,
// so that the previous versions end at the change. The change is saved
// already: a failure here only delays the versions to the next time a
// notice is shown, and is logged.
func (e *Engine) refreshNotices(ctx context.Context, orgID int64) {
	if e.notices == nil {
		return
	}
	if err := e.notices.RefreshNotices(ctx, orgID); err != nil && e.log != nil {
		e.log.Warn("retention: record new privacy notices", "org_id", orgID, "err", err)
	}
}

// SetDefault sets the staff user's organisation's default for a module (p
// nil: back to the shipped default); channels without their own policy
// follow it. Authorized and checked like SetChannelPolicy; audited with old
// and new values.
func (e *Engine) SetDefault(ctx context.Context, staff *gallra.Staff, m gallra.Module, p *gallra.Policy) (*gallra.RetentionModuleDefault, error) {
	return e.ChangeDefault(ctx, staff, m, p, "")
}

// ChangeDefault is SetDefault with the staff user's reason, which a change
// that keeps data longer needs (as ChangeChannelPolicy).
func (e *Engine) ChangeDefault(ctx context.Context, staff *gallra.Staff, m gallra.Module, p *gallra.Policy, reason string) (*gallra.RetentionModuleDefault, error) {
	if err := staff.AuthorizeOrg(gallra.PermSetRetention); err != nil {
		return nil, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	return e.setDefault(ctx, staffActor(staff), staff.OrgID, m, p, reason, true)
}

// SetDefaultAsSystem is SetDefault for the operator (the CLI), audited as
// the system.
func (e *Engine) SetDefaultAsSystem(ctx context.Context, orgID int64, m gallra.Module, p *gallra.Policy) (*gallra.RetentionModuleDefault, error) {
	return e.setDefault(ctx, gallra.Actor{Type: gallra.ActorSystem}, orgID, m, p, "", false)
}

func (e *Engine) setDefault(ctx context.Context, actor gallra.Actor, orgID int64, m gallra.Module, p *gallra.Policy, reason string, required bool) (*gallra.RetentionModuleDefault, error) {
	var d gallra.RetentionModuleDefault
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		var s *store.RetentionSetting
		if p != nil {
			if err := e.caps.Validate(m, *p); err != nil {
				return err
			}
			s = &store.RetentionSetting{Period: p.Period.String(), Action: string(p.Action)}
		} else if err := gallra.CheckPurgedModule(m); err != nil {
			return err
		}
		old, err := e.moduleDefault(ctx, tx, orgID, m)
		if err != nil {
			return err
		}
		if err := tx.SetRetentionDefault(ctx, orgID, m, s); err != nil {
			return err
		}
		if d, err = e.moduleDefault(ctx, tx, orgID, m); err != nil {
			return err
		}
		details := map[string]any{
			"module": string(m), "old": auditPolicy(old.Policy, old.Source), "new": auditPolicy(d.Policy, d.Source),
		}
		more, err := weakened(ctx, tx, actor, orgID, "organisation", orgID, old.Policy, d.Policy, reason, required)
		if err != nil {
			return err
		}
		maps.Copy(details, more)
		return tx.Audit(ctx, orgID, actor, "retention.default_set", "organisation", orgID, details)
	})
	if err != nil {
		return nil, err
	}
	e.refreshNotices(ctx, orgID)
	return &d, nil
}
