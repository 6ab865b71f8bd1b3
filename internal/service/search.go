package service

import "github.com/gallra/gallra"

// Search implements gallra.SearchService.
type Search struct{ d Deps }

var _ gallra.SearchService = (*Search)(nil)
