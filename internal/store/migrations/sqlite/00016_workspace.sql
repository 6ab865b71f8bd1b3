-- +goose Up
-- The staff workspace (kept in step with the other dialect's migration of
-- the same number): a conversation's status and assignee, internal notes,
-- the staff signature and the log of who read which conversation.
ALTER TABLE mail_conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE mail_conversations ADD COLUMN assignee_id BIGINT; -- a staff id (no FOREIGN KEY: SQLite could not drop the column again)
-- The inbox list: one organisation's conversations by last activity, with
-- or without a status filter (the channel filter reads the rows these give).
CREATE INDEX mail_conversations_inbox ON mail_conversations(org_id, status, last_message_at);
CREATE INDEX mail_conversations_recent ON mail_conversations(org_id, last_message_at);
CREATE INDEX mail_conversations_assignee ON mail_conversations(assignee_id) WHERE assignee_id IS NOT NULL;

ALTER TABLE staff ADD COLUMN signature TEXT NOT NULL DEFAULT '';

-- Internal notes: staff-only, never sent. They belong to their
-- conversation (subject_type, subject_id): the purge and an erasure that
-- deletes the conversation delete them with it.
CREATE TABLE conversation_notes (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT  NOT NULL,
    subject_type  TEXT    NOT NULL,
    subject_id    BIGINT  NOT NULL,
    staff_id      BIGINT  NOT NULL REFERENCES staff(id),
    body          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX conversation_notes_subject ON conversation_notes(subject_type, subject_id, created_at);

-- Who read which conversation when: ids and a time, never content.
CREATE TABLE access_log (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT  NOT NULL,
    staff_id      BIGINT  NOT NULL,
    subject_type  TEXT    NOT NULL,
    subject_id    BIGINT  NOT NULL,
    accessed_at   BIGINT  NOT NULL
);
CREATE INDEX access_log_subject ON access_log(org_id, subject_type, subject_id, accessed_at);
CREATE INDEX access_log_staff ON access_log(org_id, staff_id, accessed_at);

-- +goose Down
DROP TABLE access_log;
DROP TABLE conversation_notes;
ALTER TABLE staff DROP COLUMN signature;
DROP INDEX mail_conversations_assignee;
DROP INDEX mail_conversations_recent;
DROP INDEX mail_conversations_inbox;
ALTER TABLE mail_conversations DROP COLUMN assignee_id;
ALTER TABLE mail_conversations DROP COLUMN status;
