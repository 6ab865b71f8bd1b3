-- +goose Up
-- Kept in step with the PostgreSQL migration of the same number: the
-- counter every forum-topic hold change increments. SQLite's purge, with its
-- single writer, reads hold flags in the transaction that writes and does
-- not use it; holds keep it current all the same.
ALTER TABLE organisations ADD COLUMN topic_hold_epoch INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE organisations DROP COLUMN topic_hold_epoch;
