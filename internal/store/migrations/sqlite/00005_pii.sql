-- +goose Up
-- Organisation-defined patterns for the personal-data detector (e.g. a
-- customer number KN-\d{6}), and the kinds of sensitive identifiers found in
-- each topic's or conversation's text, so staff can see and filter them.
CREATE TABLE pii_patterns (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    name        TEXT   NOT NULL,
    pattern     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX pii_patterns_org_name ON pii_patterns(org_id, name);

ALTER TABLE forum_topics ADD COLUMN sensitive_kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_conversations ADD COLUMN sensitive_kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_conversations ADD COLUMN sensitive_kinds TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE chat_conversations DROP COLUMN sensitive_kinds;
ALTER TABLE mail_conversations DROP COLUMN sensitive_kinds;
ALTER TABLE forum_topics DROP COLUMN sensitive_kinds;
DROP TABLE pii_patterns;
