-- +goose Up
-- Answer notifications (docs/public-site.md): notify_off_at is when the
-- asker turned off "mail me when answered" for this post (one-click
-- unsubscribe). Nothing else is stored: the address is the post's own, so
-- purging or erasing the post ends the notifications with it.
ALTER TABLE forum_posts ADD COLUMN notify_off_at BIGINT;

-- +goose Down
ALTER TABLE forum_posts DROP COLUMN notify_off_at;
