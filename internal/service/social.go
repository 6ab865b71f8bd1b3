package service

import "github.com/gallra/gallra"

// Social implements gallra.SocialService.
type Social struct{ d Deps }

var _ gallra.SocialService = (*Social)(nil)
