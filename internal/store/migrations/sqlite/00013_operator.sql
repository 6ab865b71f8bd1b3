-- +goose Up
-- The operator (processor) side of organisations (docs/operators.md):
--   status           'active'; 'disabled' (its staff cannot sign in or use
--                    tokens, its public pages and inboxes answer "not found",
--                    retention purges go on); 'deleting' (its data is being
--                    erased in batches, see DeleteOrganisation; a killed run
--                    resumes from the status).
--   status_at        when the status last changed.
--   deletion_counts  what the deletion removed so far, per table (JSON),
--                    written in each batch's transaction so the operator's
--                    final record is exact even after an interruption.
-- operator_audit is the operator's own hash-chained log: organisations
-- created, disabled, enabled and deleted, with ids, the organisation's name
-- (the controller's name, not personal data) and counts only. It outlives
-- the organisations it records (no foreign key). operator_audit_head holds
-- the chain's head; appending updates it, which serialises appends.
ALTER TABLE organisations ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE organisations ADD COLUMN status_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN deletion_counts TEXT NOT NULL DEFAULT '{}';
CREATE INDEX organisations_status ON organisations(status) WHERE status <> 'active';

CREATE TABLE operator_audit (
    id         INTEGER PRIMARY KEY,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    action     TEXT   NOT NULL,
    org_id     BIGINT NOT NULL,
    org_name   TEXT   NOT NULL DEFAULT '',
    details    TEXT   NOT NULL DEFAULT '{}',
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL
);
CREATE UNIQUE INDEX operator_audit_seq ON operator_audit(seq);
CREATE INDEX operator_audit_org ON operator_audit(org_id, seq);

CREATE TABLE operator_audit_head (
    id    INTEGER PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT   NOT NULL
);
INSERT INTO operator_audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE operator_audit_head;
DROP TABLE operator_audit;
DROP INDEX organisations_status;
ALTER TABLE organisations DROP COLUMN deletion_counts;
ALTER TABLE organisations DROP COLUMN status_at;
ALTER TABLE organisations DROP COLUMN status;
