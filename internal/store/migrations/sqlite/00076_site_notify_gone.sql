-- +goose Up
-- Answer notifications go with the asker's personal data, whichever path
-- changes the post (retention purge, erasure, bulk anonymization, removal,
-- moderation, unsubscribe): anonymizing or removing the post deletes all
-- its notification rows; unsubscribing or hiding it deletes the unsent
-- ones. Deleting the post cascades (migration 00075).
-- +goose StatementBegin
CREATE TRIGGER forum_posts_notify_gone AFTER UPDATE OF anonymized_at, removed, notify_off_at, status ON forum_posts
WHEN NEW.anonymized_at IS NOT NULL OR NEW.removed <> 0 OR NEW.notify_off_at IS NOT NULL OR NEW.status <> 'visible' BEGIN
    DELETE FROM site_notify_outbox WHERE post_id = NEW.id
       AND (NEW.anonymized_at IS NOT NULL OR NEW.removed <> 0 OR status IN ('pending', 'sending'));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER forum_posts_notify_gone;
