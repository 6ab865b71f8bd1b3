package service

import "github.com/gallra/gallra"

// Channels implements gallra.ChannelService.
type Channels struct{ d Deps }

var _ gallra.ChannelService = (*Channels)(nil)
