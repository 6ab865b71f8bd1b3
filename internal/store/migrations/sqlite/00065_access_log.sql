-- +goose Up
-- The access log of staff reads (docs/privacy-register.md, "Access log"),
-- kept in step with the other dialect's migration of the same number. The
-- table of 00016 gets what a read was (action) and why, when asked
-- (reason, a fixed code, never free text); organisations choose how long
-- it is kept. Rows are ids, codes and a time: no customer data.
ALTER TABLE access_log ADD COLUMN action TEXT NOT NULL DEFAULT 'view';
ALTER TABLE access_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- The purge (oldest first, per organisation) and the date-filtered lists.
CREATE INDEX access_log_time ON access_log(org_id, accessed_at, id);

-- How long an organisation keeps its access log, in months (no row: 12).
CREATE TABLE access_log_settings (
    org_id      BIGINT  PRIMARY KEY,
    months      INTEGER NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- Staff may not edit what they read: no UPDATE, ever. (Deleting is done
-- only by the purge and by the deletion of the whole organisation; SQLite
-- cannot tell those apart from others, PostgreSQL's trigger can.)
-- +goose StatementBegin
CREATE TRIGGER access_log_append_only BEFORE UPDATE ON access_log BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER access_log_append_only;
DROP TABLE access_log_settings;
DROP INDEX access_log_time;
ALTER TABLE access_log DROP COLUMN reason;
ALTER TABLE access_log DROP COLUMN action;
