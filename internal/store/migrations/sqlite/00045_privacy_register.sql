-- +goose Up
-- The privacy register (issue 21): one row of settings per organisation
-- (controller details, legal bases, purposes, recipients, security
-- measures as JSON), the versions of every channel's Art. 13 notice with
-- the period each was shown, and the operator's sub-processors.
CREATE TABLE privacy_registers (
    org_id                 BIGINT PRIMARY KEY REFERENCES organisations(id),
    kind                   TEXT   NOT NULL,
    settings               TEXT   NOT NULL DEFAULT '{}',
    version                BIGINT NOT NULL DEFAULT 0,
    updated_at             BIGINT,
    subprocessors_seen_at  BIGINT
);

CREATE TABLE privacy_notice_versions (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    channel_id  BIGINT NOT NULL,
    lang        TEXT   NOT NULL,
    hash        TEXT   NOT NULL,
    text        TEXT   NOT NULL,
    valid_from  BIGINT NOT NULL,
    valid_to    BIGINT
);
CREATE UNIQUE INDEX privacy_notice_current ON privacy_notice_versions(org_id, channel_id, lang) WHERE valid_to IS NULL;
CREATE INDEX privacy_notice_channel ON privacy_notice_versions(org_id, channel_id, valid_from);

CREATE TABLE subprocessors (
    id          INTEGER PRIMARY KEY,
    name        TEXT   NOT NULL,
    service     TEXT   NOT NULL,
    country     TEXT   NOT NULL,
    mechanism   TEXT   NOT NULL DEFAULT '',
    added_at    BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    removed_at  BIGINT
);

-- +goose Down
DROP TABLE subprocessors;
DROP TABLE privacy_notice_versions;
DROP TABLE privacy_registers;
