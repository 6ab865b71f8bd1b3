package service

import "github.com/gallra/gallra"

// Staff implements gallra.StaffService.
type Staff struct{ d Deps }

var _ gallra.StaffService = (*Staff)(nil)
