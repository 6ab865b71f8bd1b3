-- +goose Up
-- Reasons staff give for governance decisions the audit log records
-- (docs/retention.md): keeping data longer than before (kind
-- 'retention_weakened') and releasing a legal hold someone else placed
-- ('hold_released'). The text may name people, so it is kept here, where
-- it can be erased, and the audit entry holds only reason_id.
CREATE TABLE governance_reasons (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    kind         TEXT   NOT NULL,
    subject_type TEXT   NOT NULL,
    subject_id   BIGINT NOT NULL,
    staff_id     BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    reason       TEXT   NOT NULL
);
CREATE INDEX governance_reasons_org ON governance_reasons(org_id, id);

-- +goose Down
DROP TABLE governance_reasons;
