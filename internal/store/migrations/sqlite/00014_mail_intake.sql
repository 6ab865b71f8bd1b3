-- +goose Up
-- Kept in step with the PostgreSQL migration of the same number.
-- Inbound mail intake (SMTP/LMTP, the API): each conversation gets an
-- unguessable reply key (the plus address kontakt+c-<key>@… and the subject
-- tag [#<key>] route replies to it); messages keep a sanitised HTML body,
-- a kind ('' for ordinary mail, 'auto_reply', 'bounce') and, for a bounce,
-- the Message-ID of the message that bounced. The raw MIME is not kept.
ALTER TABLE mail_conversations ADD COLUMN reply_key TEXT;
UPDATE mail_conversations SET reply_key = lower(hex(randomblob(16))) WHERE reply_key IS NULL;
CREATE UNIQUE INDEX mail_conversations_reply_key ON mail_conversations(reply_key);
ALTER TABLE mail_messages ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN bounced_message_id TEXT NOT NULL DEFAULT '';
-- Threading and deduplication look a Message-ID up per inbox.
CREATE INDEX mail_messages_channel_msgid ON mail_messages(channel_id, message_id) WHERE message_id <> '';
-- One row: this installation's mail loop token, sent in X-Gallra-Loop on
-- our outbound mail; inbound mail carrying it is ours and is dropped.
CREATE TABLE mail_installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    loop_token  TEXT    NOT NULL
);
INSERT INTO mail_installation (id, loop_token) VALUES (1, lower(hex(randomblob(16))));

-- +goose Down
DROP TABLE mail_installation;
DROP INDEX mail_messages_channel_msgid;
ALTER TABLE mail_messages DROP COLUMN bounced_message_id;
ALTER TABLE mail_messages DROP COLUMN kind;
ALTER TABLE mail_messages DROP COLUMN body_html;
DROP INDEX mail_conversations_reply_key;
ALTER TABLE mail_conversations DROP COLUMN reply_key;
