-- +goose Up
-- Deduplication of inbound mail by Message-ID, per inbox, made safe under
-- concurrency: a delivery first claims (inbox, Message-ID) here; a second
-- delivery of the same message at the same moment waits on the claim and
-- then finds the first one's message instead of storing a copy. A claim
-- goes with its message (purge, erasure, deletion).
CREATE TABLE mail_message_claims (
    channel_id       BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    message_id       TEXT   NOT NULL,
    org_id           BIGINT NOT NULL,
    mail_message_id  BIGINT REFERENCES mail_messages(id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, message_id)
);
CREATE INDEX mail_message_claims_message ON mail_message_claims(mail_message_id);
INSERT INTO mail_message_claims (channel_id, message_id, org_id, mail_message_id)
SELECT channel_id, message_id, MIN(org_id), MIN(id) FROM mail_messages
 WHERE message_id <> '' AND direction = 'in'
 GROUP BY channel_id, message_id;

-- +goose Down
DROP TABLE mail_message_claims;
