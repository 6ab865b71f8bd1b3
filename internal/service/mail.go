package service

import "github.com/gallra/gallra"

// Mail implements gallra.MailService.
type Mail struct{ d Deps }

var _ gallra.MailService = (*Mail)(nil)
