-- +goose Up
-- Persons a purge batch may have left without content, checked by one
-- set-based pass per run (retention, docs/retention.md) instead of in every
-- batch. Rows are written in the batch's own transaction, so a crash
-- between the batch and the pass leaves them here for the next run: no
-- person is orphaned. Ids only.
CREATE TABLE purge_person_queue (
    person_id   BIGINT PRIMARY KEY,
    org_id      BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL   -- the channel whose purge queued it (for the run's counts)
);

-- +goose Down
DROP TABLE purge_person_queue;
