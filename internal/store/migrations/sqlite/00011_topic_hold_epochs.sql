-- +goose Up
-- Kept in step with the PostgreSQL migration of the same number: the topic
-- hold counter moves out of the organisations row into a table of its own
-- (there, a purge batch locks it for its whole transaction).
CREATE TABLE topic_hold_epochs (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    epoch  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO topic_hold_epochs (org_id, epoch) SELECT id, topic_hold_epoch FROM organisations;
ALTER TABLE organisations DROP COLUMN topic_hold_epoch;

-- +goose Down
ALTER TABLE organisations ADD COLUMN topic_hold_epoch INTEGER NOT NULL DEFAULT 0;
UPDATE organisations SET topic_hold_epoch = COALESCE((SELECT epoch FROM topic_hold_epochs e WHERE e.org_id = organisations.id), 0);
DROP TABLE topic_hold_epochs;
