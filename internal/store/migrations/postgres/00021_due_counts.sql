-- +goose Up
-- What a channel's retention preview counts (due now, held, due within 7
-- and 30 days), computed once per purge cycle and read by the admin
-- overview and the preview, which show when it was counted. policy is the
-- resolved policy the counts are of: another policy is counted afresh.
CREATE TABLE retention_due_counts (
    channel_id   BIGINT PRIMARY KEY,
    org_id       BIGINT NOT NULL,
    policy       TEXT   NOT NULL,
    computed_at  BIGINT NOT NULL,
    due_now      BIGINT NOT NULL,
    held         BIGINT NOT NULL,
    next7        BIGINT NOT NULL,
    next30       BIGINT NOT NULL
);
CREATE INDEX retention_due_counts_org ON retention_due_counts(org_id);

-- +goose Down
DROP TABLE retention_due_counts;
