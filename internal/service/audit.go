package service

import "github.com/gallra/gallra"

// Audit implements gallra.AuditService.
type Audit struct{ d Deps }

var _ gallra.AuditService = (*Audit)(nil)
