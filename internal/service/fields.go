package service

import "github.com/gallra/gallra"

// CustomFields implements gallra.CustomFieldService.
type CustomFields struct{ d Deps }

var _ gallra.CustomFieldService = (*CustomFields)(nil)
