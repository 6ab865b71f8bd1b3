-- +goose Up
-- Retention ("gallring"): per-channel policies, module defaults, purge runs,
-- anonymous daily statistics that survive purges, and the indexes every
-- purge batch query uses. Policies are not personal data.

-- Module defaults per organisation. A module without a row uses the shipped
-- default (forum anonymize 3y, mail delete 2y, chat delete 30d).
CREATE TABLE retention_defaults (
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    module      TEXT   NOT NULL,
    period      TEXT   NOT NULL,   -- "30d", "1m", "3y" or "never"
    action      TEXT   NOT NULL,   -- "anonymize" or "delete"
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, module)
);

-- A channel's own policy; a channel without a row follows its module default.
CREATE TABLE retention_policies (
    channel_id  BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL,
    period      TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX retention_policies_org ON retention_policies(org_id);

-- Anonymous per-channel daily aggregates of content removed by purges
-- (day = Unix ms of the UTC midnight). Live content is counted from its own
-- tables; folded counts are added so that statistics stay true after purges.
CREATE TABLE channel_daily_stats (
    org_id         BIGINT NOT NULL,
    channel_id     BIGINT NOT NULL,
    day            BIGINT NOT NULL,
    posts          BIGINT NOT NULL DEFAULT 0,
    conversations  BIGINT NOT NULL DEFAULT 0,
    messages       BIGINT NOT NULL DEFAULT 0,
    chat_seconds   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, day)
);
CREATE INDEX channel_daily_stats_org ON channel_daily_stats(org_id, day);

-- One row per purge run: ids and counts only, never personal data.
CREATE TABLE purge_runs (
    id               INTEGER PRIMARY KEY,
    trigger          TEXT   NOT NULL,            -- "schedule", "cli", "api"
    org_id           BIGINT NOT NULL DEFAULT 0,  -- 0: every organisation
    channel_id       BIGINT NOT NULL DEFAULT 0,  -- 0: every channel
    status           TEXT   NOT NULL,            -- running, done, failed, interrupted
    started_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    anonymized       BIGINT NOT NULL DEFAULT 0,
    deleted          BIGINT NOT NULL DEFAULT 0,
    skipped_hold     BIGINT NOT NULL DEFAULT 0,
    persons_deleted  BIGINT NOT NULL DEFAULT 0,
    error            TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX purge_runs_status ON purge_runs(status, id);

-- Per-channel counts of a run, updated in the same transaction as each batch
-- so that they are exact even when the run is killed.
CREATE TABLE purge_run_channels (
    run_id           BIGINT NOT NULL REFERENCES purge_runs(id) ON DELETE CASCADE,
    org_id           BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    module           TEXT   NOT NULL,
    action           TEXT   NOT NULL,
    period           TEXT   NOT NULL,
    cutoff           BIGINT NOT NULL DEFAULT 0,
    anonymized       BIGINT NOT NULL DEFAULT 0,
    deleted          BIGINT NOT NULL DEFAULT 0,
    skipped_hold     BIGINT NOT NULL DEFAULT 0,
    persons_deleted  BIGINT NOT NULL DEFAULT 0,
    error            TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, channel_id)
);
CREATE INDEX purge_run_channels_org ON purge_run_channels(org_id, run_id);

-- Purge selection: posts not yet anonymized / not removed, by channel and
-- creation time (the forum clock). Partial, so done rows leave the index.
CREATE INDEX forum_posts_due_anonymize ON forum_posts(channel_id, created_at, id) WHERE anonymized_at IS NULL AND removed = 0;
CREATE INDEX forum_posts_due_delete ON forum_posts(channel_id, created_at, id) WHERE removed = 0;
-- Replies of a post (placeholder decisions when deleting).
CREATE INDEX forum_posts_parent ON forum_posts(parent_id) WHERE parent_id IS NOT NULL;
-- Legal holds of an organisation.
CREATE INDEX forum_topics_held ON forum_topics(org_id, held_at) WHERE held_at IS NOT NULL;
CREATE INDEX mail_conversations_held ON mail_conversations(org_id, held_at) WHERE held_at IS NOT NULL;
CREATE INDEX chat_conversations_held ON chat_conversations(org_id, held_at) WHERE held_at IS NOT NULL;

-- +goose Down
DROP INDEX chat_conversations_held;
DROP INDEX mail_conversations_held;
DROP INDEX forum_topics_held;
DROP INDEX forum_posts_parent;
DROP INDEX forum_posts_due_delete;
DROP INDEX forum_posts_due_anonymize;
DROP TABLE purge_run_channels;
DROP TABLE purge_runs;
DROP TABLE channel_daily_stats;
DROP TABLE retention_policies;
DROP TABLE retention_defaults;
