package service

import "github.com/gallra/gallra"

// Holds implements gallra.HoldService.
type Holds struct{ d Deps }

var _ gallra.HoldService = (*Holds)(nil)
