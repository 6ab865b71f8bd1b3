package service

import "github.com/gallra/gallra"

// Chat implements gallra.ChatService.
type Chat struct{ d Deps }

var _ gallra.ChatService = (*Chat)(nil)
