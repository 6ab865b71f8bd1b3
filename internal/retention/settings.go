package retention

import (
	"context"

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
	if err := staff.AuthorizeOrg(gallra.PermSetRetention); err != nil {
		return nil, err
	}
	return e.setChannelPolicy(ctx, staffActor(staff), staff.OrgID, channelID, p)
}

// SetChannelPolicyAsSystem is SetChannelPolicy for the operator (the CLI),
// audited as the system: it names the organisation itself.
func (e *Engine) SetChannelPolicyAsSystem(ctx context.Context, orgID, channelID int64, p *gallra.Policy) (*gallra.RetentionResolved, error) {
	return e.setChannelPolicy(ctx, gallra.Actor{Type: gallra.ActorSystem}, orgID, channelID, p)
}

func (e *Engine) setChannelPolicy(ctx context.Context, actor gallra.Actor, orgID, channelID int64, p *gallra.Policy) (*gallra.RetentionResolved, error) {
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
		return tx.Audit(ctx, orgID, actor, "retention.policy_set", "channel", channelID, map[string]any{
			"module": string(c.Module), "old": auditPolicy(old.Policy, old.Source), "new": auditPolicy(r.Policy, r.Source),
		})
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
	if err := staff.AuthorizeOrg(gallra.PermSetRetention); err != nil {
		return nil, err
	}
	return e.setDefault(ctx, staffActor(staff), staff.OrgID, m, p)
}

// SetDefaultAsSystem is SetDefault for the operator (the CLI), audited as
// the system.
func (e *Engine) SetDefaultAsSystem(ctx context.Context, orgID int64, m gallra.Module, p *gallra.Policy) (*gallra.RetentionModuleDefault, error) {
	return e.setDefault(ctx, gallra.Actor{Type: gallra.ActorSystem}, orgID, m, p)
}

func (e *Engine) setDefault(ctx context.Context, actor gallra.Actor, orgID int64, m gallra.Module, p *gallra.Policy) (*gallra.RetentionModuleDefault, error) {
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
		return tx.Audit(ctx, orgID, actor, "retention.default_set", "organisation", orgID, map[string]any{
			"module": string(m), "old": auditPolicy(old.Policy, old.Source), "new": auditPolicy(d.Policy, d.Source),
		})
	})
	if err != nil {
		return nil, err
	}
	e.refreshNotices(ctx, orgID)
	return &d, nil
}
