-- +goose Up
-- Meta's data deletion callback finds a user's mirrored items by author id
-- in every channel (a disconnected one included).
CREATE INDEX social_items_external_author ON social_items(external_author_id) WHERE source <> '';

-- +goose Down
DROP INDEX social_items_external_author;
