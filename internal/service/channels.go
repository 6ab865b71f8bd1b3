package service

import (
	"context"

	"github.com/gallra/gallra"
)

// Channels implements gallra.ChannelService.
type Channels struct{ d Deps }

var _ gallra.ChannelService = (*Channels)(nil)

// ListChannels returns the channels of the staff user's organisation on
// which they hold p. An empty p lists every channel of the organisation to
// any active staff user: callers that show the list to a person pass a
// permission (the API and the UI pass gallra.PermViewChannel or stricter,
// so editors see only their channels).
func (s *Channels) ListChannels(ctx context.Context, staff *gallra.Staff, module gallra.Module, p gallra.Permission) ([]gallra.Channel, error) {
	if err := active(staff); err != nil {
		return nil, err
	}
	list, err := s.d.DB.ListChannels(ctx, staff.OrgID, module)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return list, nil
	}
	out := list[:0]
	for _, c := range list {
		if staff.Allowed(p, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// GetChannel returns a channel on which the staff user holds p (empty p:
// any channel of the organisation, see ListChannels). Not found comes before
// forbidden, so that a staff user does not learn what exists elsewhere.
func (s *Channels) GetChannel(ctx context.Context, staff *gallra.Staff, id int64, module gallra.Module, p gallra.Permission) (*gallra.Channel, error) {
	if err := active(staff); err != nil {
		return nil, err
	}
	c, err := s.d.DB.GetChannel(ctx, staff.OrgID, id)
	if err != nil {
		return nil, err
	}
	if module != "" && c.Module != module {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "channel %d is not a %s channel", id, module)
	}
	if p != "" {
		if err := staff.Authorize(p, c.ID); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// CreateChannel adds a channel to the staff user's organisation.
func (s *Channels) CreateChannel(ctx context.Context, staff *gallra.Staff, in gallra.NewChannel) (*gallra.Channel, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return nil, err
	}
	return s.d.DB.CreateChannel(ctx, staffActor(staff), &gallra.Channel{OrgID: staff.OrgID, Module: in.Module, Name: in.Name, Address: in.Address})
}

// UpdateChannel renames a channel or changes its inbox address.
func (s *Channels) UpdateChannel(ctx context.Context, staff *gallra.Staff, id int64, u gallra.ChannelUpdate) (*gallra.Channel, error) {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return nil, err
	}
	c, err := s.d.DB.GetChannel(ctx, staff.OrgID, id)
	if err != nil {
		return nil, err
	}
	if u.Name != nil {
		c.Name = *u.Name
	}
	if u.Address != nil {
		c.Address = *u.Address
	}
	return s.d.DB.UpdateChannel(ctx, staffActor(staff), c)
}

// DeleteChannel removes an empty channel.
func (s *Channels) DeleteChannel(ctx context.Context, staff *gallra.Staff, id int64) error {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return err
	}
	return s.d.DB.DeleteChannel(ctx, staffActor(staff), staff.OrgID, id)
}

// SetMembership adds or removes one editor of a channel.
func (s *Channels) SetMembership(ctx context.Context, staff *gallra.Staff, channelID, staffID int64, member bool) error {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return err
	}
	return s.d.DB.SetMembership(ctx, staffActor(staff), staff.OrgID, channelID, staffID, member)
}

// SetMemberships makes channelIDs exactly the staff user's memberships;
// ids that are not channels of the organisation are ignored, as the form
// that sends them only offers the organisation's channels.
func (s *Channels) SetMemberships(ctx context.Context, staff *gallra.Staff, staffID int64, channelIDs []int64) error {
	if err := staff.AuthorizeOrg(gallra.PermManageChannels); err != nil {
		return err
	}
	want := make(map[int64]bool, len(channelIDs))
	for _, id := range channelIDs {
		want[id] = true
	}
	member, err := s.d.DB.GetStaff(ctx, staff.OrgID, staffID)
	if err != nil {
		return err
	}
	has := make(map[int64]bool, len(member.ChannelIDs))
	for _, id := range member.ChannelIDs {
		has[id] = true
	}
	chs, err := s.d.DB.ListChannels(ctx, staff.OrgID, "")
	if err != nil {
		return err
	}
	for _, c := range chs {
		if want[c.ID] != has[c.ID] {
			if err := s.d.DB.SetMembership(ctx, staffActor(staff), staff.OrgID, c.ID, staffID, want[c.ID]); err != nil {
				return err
			}
		}
	}
	return nil
}
