-- +goose Up
-- The topic hold counter (00010) moves out of the organisations row into a
-- row of its own. A forum purge batch holds the counter's row FOR SHARE for
-- its whole transaction; on the organisations row that lock would meet the
-- KEY SHARE lock every insert of content takes through its organisation
-- foreign key (each such insert then needing a multixact) and hold back
-- renaming the organisation until the batch commits. Organisations without
-- a row (none after this migration; each new one gets its row with it) are
-- purged as if the counter had moved: their topics are locked one by one.
CREATE TABLE topic_hold_epochs (
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    epoch  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO topic_hold_epochs (org_id, epoch) SELECT id, topic_hold_epoch FROM organisations;
ALTER TABLE organisations DROP COLUMN topic_hold_epoch;

-- +goose Down
ALTER TABLE organisations ADD COLUMN topic_hold_epoch BIGINT NOT NULL DEFAULT 0;
UPDATE organisations o SET topic_hold_epoch = e.epoch FROM topic_hold_epochs e WHERE e.org_id = o.id;
DROP TABLE topic_hold_epochs;
