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

-- Staff may not edit what they read: UPDATE is refused always; DELETE only
-- in a transaction that says it is the access-log purge or the deletion of
-- the organisation (set_config('gallra.access_log_delete', 'on', true)).
-- +goose StatementBegin
CREATE FUNCTION gallra_access_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('gallra.access_log_delete', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'access_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
-- One check per statement, not per row: the purge deletes thousands at a time.
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log FOR EACH STATEMENT EXECUTE FUNCTION gallra_access_log_guard();

-- +goose Down
DROP TRIGGER access_log_append_only ON access_log;
DROP FUNCTION gallra_access_log_guard();
DROP TABLE access_log_settings;
DROP INDEX access_log_time;
ALTER TABLE access_log DROP COLUMN reason;
ALTER TABLE access_log DROP COLUMN action;
