-- +goose Up
-- Files sent in a chat: one per chat message (the message's body is the
-- file name), the content already checked and, for images, re-encoded
-- without metadata. They go with their message (purge, erasure, the
-- visitor's delete-now, organisation deletion).
CREATE TABLE chat_attachments (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    message_id       BIGINT NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    filename         TEXT   NOT NULL,
    content_type     TEXT   NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT   NOT NULL,
    content          BLOB   NOT NULL
);
CREATE UNIQUE INDEX chat_attachments_message ON chat_attachments(message_id);

-- +goose Down
DROP TABLE chat_attachments;
