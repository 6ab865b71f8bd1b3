package service

import "github.com/gallra/gallra"

// Organisations implements gallra.OrganisationService.
type Organisations struct{ d Deps }

var _ gallra.OrganisationService = (*Organisations)(nil)
