package service

import "github.com/gallra/gallra"

// Knowledge implements gallra.KnowledgeService.
type Knowledge struct{ d Deps }

var _ gallra.KnowledgeService = (*Knowledge)(nil)
