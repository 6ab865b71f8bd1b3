-- +goose Up
-- Data-subject requests (GDPR Art. 15/20 export, Art. 17 erasure) and the
-- outbox of deletions to carry out on external social platforms.
--
-- email holds the normalised address only while it is needed: it is cleared
-- (leaving email_hash, a keyed hash with the organisation's audit key) when an
-- erasure completes, when a request is cancelled, and when an export's
-- artefact expires. See docs/requests.md.

CREATE TABLE subject_requests (
    id                   INTEGER PRIMARY KEY,
    org_id               BIGINT  NOT NULL REFERENCES organisations(id),
    kind                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    email                TEXT    NOT NULL DEFAULT '',
    email_hash           TEXT    NOT NULL,
    modules              TEXT    NOT NULL,
    channel_ids          TEXT    NOT NULL,
    forum_action         TEXT    NOT NULL DEFAULT 'delete',
    requested_by         BIGINT  NOT NULL,
    attestation          TEXT    NOT NULL,
    verification_method  TEXT    NOT NULL,
    verification_note    TEXT    NOT NULL DEFAULT '',
    received_at          BIGINT  NOT NULL,
    due_at               BIGINT  NOT NULL,
    extended_months      INTEGER NOT NULL DEFAULT 0,
    extension_reason     TEXT    NOT NULL DEFAULT '',
    started_at           BIGINT,
    finished_at          BIGINT,
    counts               TEXT    NOT NULL DEFAULT '{}',
    mentions             TEXT    NOT NULL DEFAULT '[]',
    error                TEXT    NOT NULL DEFAULT '',
    artefact_path        TEXT    NOT NULL DEFAULT '',
    artefact_size        BIGINT  NOT NULL DEFAULT 0,
    artefact_sha256      TEXT    NOT NULL DEFAULT '',
    artefact_expires_at  BIGINT,
    artefact_deleted_at  BIGINT
);
CREATE INDEX subject_requests_org ON subject_requests(org_id, id);
CREATE INDEX subject_requests_hash ON subject_requests(org_id, email_hash);
CREATE INDEX subject_requests_open ON subject_requests(org_id, status, due_at);
CREATE INDEX subject_requests_artefact ON subject_requests(artefact_expires_at) WHERE artefact_path <> '';

CREATE TABLE social_deletion_outbox (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL,
    channel_id    BIGINT NOT NULL REFERENCES channels(id),
    external_id   TEXT   NOT NULL,
    request_id    BIGINT,
    requested_at  BIGINT NOT NULL,
    status        TEXT   NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT   NOT NULL DEFAULT '',
    done_at       BIGINT
);
CREATE UNIQUE INDEX social_deletion_outbox_item ON social_deletion_outbox(channel_id, external_id);
CREATE INDEX social_deletion_outbox_pending ON social_deletion_outbox(status, requested_at);

-- Erasure deletes the person's social posts with the comments under them
-- (and the foreign-key check looks up children): index the parent so this
-- stays independent of table size. (forum_posts_parent is in 00002.)
CREATE INDEX social_items_parent ON social_items(parent_id);

-- +goose Down
DROP INDEX social_items_parent;
DROP TABLE social_deletion_outbox;
DROP TABLE subject_requests;
