package service

import (
	"context"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Helpers the content services share: who acts, and the load-then-authorize
// order that makes another organisation's object ENOTFOUND (it is looked up
// in the staff user's organisation) before a missing permission is
// EFORBIDDEN.

// actor is who the audit log records for a staff user's action.
func actor(s *gallra.Staff) gallra.Actor { return gallra.Actor{Type: gallra.ActorStaff, ID: s.ID} }

// orgOf is the organisation a staff user's queries are scoped to; a missing
// or inactive staff user may do nothing.
func orgOf(s *gallra.Staff) (int64, error) {
	if s == nil || !s.Active {
		return 0, s.Authorize(gallra.PermViewChannel, 0)
	}
	return s.OrgID, nil
}

// channelFor loads a channel of the staff user's organisation, of module m
// ("" for any: a channel of another module is ENOTFOUND, it has no such
// content) and checks permission p on it.
func channelFor(ctx context.Context, db *store.DB, s *gallra.Staff, p gallra.Permission, id int64, m gallra.Module) (*gallra.Channel, error) {
	org, err := orgOf(s)
	if err != nil {
		return nil, err
	}
	c, err := db.GetChannel(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if m != "" && c.Module != m {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "channel %d is not a %s channel", id, m)
	}
	if err := s.Authorize(p, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// positiveID refuses ids that cannot name anything.
func positiveID(name string, id int64) error {
	if id <= 0 {
		return gallra.Errorf(gallra.EINVALID, "%s must be a positive integer", name)
	}
	return nil
}
