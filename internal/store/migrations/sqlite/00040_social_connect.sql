-- +goose Up
-- Social connectors (issue 20). A social channel is connected to a page (and
-- the Instagram account linked to it) with a page access token sealed under
-- GALLRA_SECRET_KEY (AES-256-GCM, bound to the channel id).
CREATE TABLE social_accounts (
    channel_id     BIGINT  PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    org_id         BIGINT  NOT NULL REFERENCES organisations(id),
    platform       TEXT    NOT NULL,
    page_id        TEXT    NOT NULL,
    ig_account_id  TEXT    NOT NULL DEFAULT '',
    secret         BLOB    NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    last_error     TEXT    NOT NULL DEFAULT '',
    last_error_at  BIGINT,
    reconciled_at  BIGINT,
    reconcile_after BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX social_accounts_page ON social_accounts(platform, page_id);
CREATE INDEX social_accounts_ig ON social_accounts(platform, ig_account_id);
CREATE INDEX social_accounts_org ON social_accounts(org_id);

-- Webhook deliveries as received (after the signature check), processed by
-- the social.webhooks job. idem_key is the SHA-256 of the raw body: the
-- platform's retries of one delivery are stored once. The body (which holds
-- messages) is emptied once the delivery is processed.
CREATE TABLE social_webhook_events (
    id           INTEGER PRIMARY KEY,
    platform     TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    applied      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    received_at  BIGINT  NOT NULL,
    processed_at BIGINT
);
CREATE UNIQUE INDEX social_webhook_events_key ON social_webhook_events(platform, idem_key);
CREATE INDEX social_webhook_events_status ON social_webhook_events(status, id);

-- An item deleted here or there leaves a content-free tombstone (channel and
-- platform id, why, when) so that a late or replayed event or a re-sync
-- cannot bring it back.
CREATE TABLE social_tombstones (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL,
    channel_id   BIGINT NOT NULL,
    external_id  TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX social_tombstones_item ON social_tombstones(channel_id, external_id);
CREATE INDEX social_tombstones_org ON social_tombstones(org_id);

-- Where an item comes from on the platform (fb_post, fb_comment,
-- ms_message, ig_comment, ig_message), the platform time of the last event
-- applied (an older, out-of-order edit is ignored), and for replies written
-- here: who wrote it and whether it reached the platform.
ALTER TABLE social_items ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE social_items ADD COLUMN platform_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE social_items ADD COLUMN staff_id BIGINT;
ALTER TABLE social_items ADD COLUMN reply_status TEXT NOT NULL DEFAULT '';
ALTER TABLE social_items ADD COLUMN reply_error TEXT NOT NULL DEFAULT '';
ALTER TABLE social_items ADD COLUMN thread_key TEXT NOT NULL DEFAULT '';

-- The deletion outbox gets what delivery with retries needs, and the
-- outcome per item: done (deleted or hidden), refused (by the platform), or
-- gave_up (after the last retry).
ALTER TABLE social_deletion_outbox ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE social_deletion_outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE social_deletion_outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE social_deletion_outbox ADD COLUMN outcome TEXT NOT NULL DEFAULT '';

-- Meta's data deletion callback: one row per request, without the user id.
CREATE TABLE social_deletion_requests (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT   NOT NULL,
    confirmation_code  TEXT   NOT NULL,
    status             TEXT   NOT NULL,
    items_removed      BIGINT NOT NULL DEFAULT 0,
    received_at        BIGINT NOT NULL,
    done_at            BIGINT
);
CREATE UNIQUE INDEX social_deletion_requests_code ON social_deletion_requests(confirmation_code);

-- +goose Down
DROP TABLE social_deletion_requests;
ALTER TABLE social_deletion_outbox DROP COLUMN outcome;
ALTER TABLE social_deletion_outbox DROP COLUMN lease_owner;
ALTER TABLE social_deletion_outbox DROP COLUMN next_attempt_at;
ALTER TABLE social_deletion_outbox DROP COLUMN source;
ALTER TABLE social_items DROP COLUMN thread_key;
ALTER TABLE social_items DROP COLUMN reply_error;
ALTER TABLE social_items DROP COLUMN reply_status;
ALTER TABLE social_items DROP COLUMN staff_id;
ALTER TABLE social_items DROP COLUMN platform_time;
ALTER TABLE social_items DROP COLUMN source;
DROP TABLE social_tombstones;
DROP TABLE social_webhook_events;
DROP TABLE social_accounts;
