-- +goose Up
-- An inbox can fetch its mail from a mailbox on another server over IMAP.
-- The password is sealed (AES-256-GCM under GALLRA_SECRET_KEY, bound to the
-- channel id); uid_validity and last_uid are the fetch checkpoint.
CREATE TABLE imap_accounts (
    channel_id    BIGINT  PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    org_id        BIGINT  NOT NULL REFERENCES organisations(id),
    host          TEXT    NOT NULL,
    port          INTEGER NOT NULL,
    security      TEXT    NOT NULL,
    username      TEXT    NOT NULL,
    secret        BYTEA      NOT NULL,
    folder        TEXT    NOT NULL,
    after_import  TEXT    NOT NULL,
    move_to       TEXT    NOT NULL DEFAULT '',
    enabled       INTEGER NOT NULL DEFAULT 1,
    uid_validity  BIGINT  NOT NULL DEFAULT 0,
    last_uid      BIGINT  NOT NULL DEFAULT 0,
    imported      BIGINT  NOT NULL DEFAULT 0,
    refused       BIGINT  NOT NULL DEFAULT 0,
    last_run_at   BIGINT,
    last_error    TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX imap_accounts_org ON imap_accounts(org_id);

-- +goose Down
DROP TABLE imap_accounts;
