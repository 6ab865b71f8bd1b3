-- +goose Up
-- A counter per organisation that every legal hold set on or released from
-- a forum topic increments, in the hold's own transaction. A forum purge
-- batch reads its posts (and their topics' hold flags) ahead, then locks
-- the organisation's row FOR SHARE: if the counter is still the one read,
-- no topic hold changed in between, and none can until the batch commits,
-- so the flags it read are the ones it acts on and it need not lock each
-- topic (docs/retention.md, "Legal hold").
ALTER TABLE organisations ADD COLUMN topic_hold_epoch BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE organisations DROP COLUMN topic_hold_epoch;
