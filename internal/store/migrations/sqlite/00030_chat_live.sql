-- +goose Up
-- Live chat: every line of a chat (message, agent joined, closed) has a
-- sequence number within its conversation, so a client that reconnects
-- asks for what came after the last number it saw; the table is the truth
-- and notifications only wake readers. A chat waits in the queue until an
-- agent accepts it. Presence rows hold agents' heartbeats; chat_settings
-- the organisation's choice to store visitors' IP addresses (off).
ALTER TABLE chat_messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_conversations ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_conversations ADD COLUMN accepted_by BIGINT;
ALTER TABLE chat_conversations ADD COLUMN accepted_at BIGINT;
ALTER TABLE chat_conversations ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
UPDATE chat_messages SET seq = (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = chat_messages.conversation_id AND m.id <= chat_messages.id);
UPDATE chat_conversations SET last_seq = (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = chat_conversations.id);
CREATE UNIQUE INDEX chat_messages_seq ON chat_messages(conversation_id, seq);
CREATE INDEX chat_conversations_queue ON chat_conversations(org_id, channel_id, opened_at) WHERE closed_at IS NULL AND accepted_by IS NULL;
-- Lines of a chat that are not messages (an agent joined, the chat
-- closed): no content, numbered in the same sequence as the messages, and
-- gone with their chat.
CREATE TABLE chat_events (
    id                INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    conversation_id  BIGINT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    kind             TEXT   NOT NULL,
    staff_id         BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX chat_events_seq ON chat_events(conversation_id, seq);
CREATE TABLE chat_presence (
    staff_id  BIGINT PRIMARY KEY,
    org_id    BIGINT NOT NULL,
    status    TEXT   NOT NULL,
    seen_at   BIGINT NOT NULL
);
CREATE INDEX chat_presence_org ON chat_presence(org_id, seen_at);
CREATE TABLE chat_settings (
    org_id    BIGINT PRIMARY KEY,
    store_ip  INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE chat_settings;
DROP TABLE chat_presence;
DROP TABLE chat_events;
DROP INDEX chat_conversations_queue;
DROP INDEX chat_messages_seq;
ALTER TABLE chat_conversations DROP COLUMN offline;
ALTER TABLE chat_conversations DROP COLUMN accepted_at;
ALTER TABLE chat_conversations DROP COLUMN accepted_by;
ALTER TABLE chat_conversations DROP COLUMN last_seq;
ALTER TABLE chat_messages DROP COLUMN seq;
