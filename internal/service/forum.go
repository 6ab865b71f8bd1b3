package service

import "github.com/gallra/gallra"

// Forum implements gallra.ForumService.
type Forum struct{ d Deps }

var _ gallra.ForumService = (*Forum)(nil)
