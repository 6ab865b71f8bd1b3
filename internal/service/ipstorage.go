package service

import (
	"context"
	"fmt"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// IPStorageOf is the one rule for how an organisation keeps the IP address
// of someone who writes in a module: forum posts follow the public site's
// setting (truncated until the site is configured), chats the chat setting
// (none unless an admin turns it on). Every path that stores a writer's
// address (public API, public site, chat widget) and the privacy register
// that tells people about it read it here.
func IPStorageOf(ctx context.Context, db *store.DB, orgID int64, m gallra.Module) (gallra.IPStorage, error) {
	switch m {
	case gallra.ModuleForum:
		st, err := db.SiteSettings(ctx, orgID)
		if gallra.ErrorCode(err) == gallra.ENOTFOUND {
			return gallra.IPTruncated, nil
		}
		if err != nil {
			return "", fmt.Errorf("read site settings: %w", err)
		}
		if !st.IPStorage.Valid() {
			return gallra.IPTruncated, nil
		}
		return st.IPStorage, nil
	case gallra.ModuleChat:
		st, err := db.ChatSettings(ctx, orgID)
		if err != nil {
			return "", err
		}
		if st.StoreIP {
			return gallra.IPFull, nil
		}
		return gallra.IPNone, nil
	}
	return gallra.IPNone, nil
}

// keepIP applies the organisation's IP rule of module m to ip.
func keepIP(ctx context.Context, d Deps, orgID int64, m gallra.Module, ip string) (string, error) {
	if ip == "" {
		return "", nil
	}
	mode, err := IPStorageOf(ctx, d.DB, orgID, m)
	if err != nil {
		return "", err
	}
	return mode.Apply(ip), nil
}
