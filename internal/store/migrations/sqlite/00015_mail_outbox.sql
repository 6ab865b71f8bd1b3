-- +goose Up
-- The outbox of staff replies (issue 16, outbound mail). A reply is written
-- to mail_messages and queued here in the same transaction; the mail.outbox
-- job delivers it through the relay. Rows hold no rendered copy of the mail:
-- it is built from mail_messages at each attempt. The recipients and the
-- threading ids are personal data and are cleared once the row is sent or
-- failed (mail_messages.to_addrs keeps who it went to). A row goes with its
-- message and conversation (retention purge, erasure).
--
-- status: pending (due at next_attempt_at), sending (claimed until
-- next_attempt_at, the lease; a worker that dies leaves it due again),
-- sent, failed (a permanent 5xx, or given up after 48 hours).
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL REFERENCES channels(id),
    conversation_id  BIGINT NOT NULL REFERENCES mail_conversations(id) ON DELETE CASCADE,
    message_id       BIGINT NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
    status           TEXT   NOT NULL DEFAULT 'pending',
    to_addrs         TEXT   NOT NULL DEFAULT '',
    cc_addrs         TEXT   NOT NULL DEFAULT '',
    in_reply_to      TEXT   NOT NULL DEFAULT '',
    refs             TEXT   NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT   NOT NULL DEFAULT '',
    last_error       TEXT   NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    failed_at        BIGINT
);
CREATE UNIQUE INDEX mail_outbox_message ON mail_outbox(message_id);
CREATE INDEX mail_outbox_conversation ON mail_outbox(conversation_id);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE status IN ('pending', 'sending');

-- +goose Down
DROP TABLE mail_outbox;
