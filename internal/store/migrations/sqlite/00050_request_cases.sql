-- +goose Up
-- Case handling of data-subject requests (docs/requests.md):
-- reference      DSR-<year>-<number>, unique per organisation, numbered per
--                organisation and year (request_counters);
-- assignee_id    the staff user handling the request (NULL: nobody);
-- completed_late the request was completed after its due date (Art. 12(3)):
--                recorded when it completes and never changed after;
-- close_reason   why it was cancelled or refused (Art. 12(4));
-- idempotency_key the client's Idempotency-Key of POST /api/v1/requests:
--                a retry with the same key answers the stored request.
ALTER TABLE subject_requests ADD COLUMN reference TEXT NOT NULL DEFAULT '';
ALTER TABLE subject_requests ADD COLUMN assignee_id BIGINT;
ALTER TABLE subject_requests ADD COLUMN completed_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subject_requests ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE subject_requests ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
UPDATE subject_requests SET reference = 'DSR-' || strftime('%Y', received_at / 1000, 'unixepoch') || '-' || printf('%04d', id);
UPDATE subject_requests SET completed_late = 1 WHERE status = 'completed' AND finished_at > due_at;
CREATE UNIQUE INDEX subject_requests_reference ON subject_requests(org_id, reference) WHERE reference <> '';
CREATE UNIQUE INDEX subject_requests_idempotency ON subject_requests(org_id, requested_by, idempotency_key) WHERE idempotency_key <> '';

CREATE TABLE request_counters (
    org_id BIGINT  NOT NULL REFERENCES organisations(id),
    year   INTEGER NOT NULL,
    n      BIGINT  NOT NULL,
    PRIMARY KEY (org_id, year)
);
INSERT INTO request_counters (org_id, year, n)
SELECT org_id, CAST(strftime('%Y', received_at / 1000, 'unixepoch') AS INTEGER), MAX(id) FROM subject_requests GROUP BY org_id, CAST(strftime('%Y', received_at / 1000, 'unixepoch') AS INTEGER);

-- Internal notes of the staff on a request (never sent to the person).
CREATE TABLE subject_request_notes (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES organisations(id),
    request_id BIGINT NOT NULL REFERENCES subject_requests(id),
    staff_id   BIGINT NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX subject_request_notes_request ON subject_request_notes(request_id, id);

-- What the organisation tells people in their export (Art. 15(1)) and the
-- time zone its exports and letters use, until the privacy register holds
-- them. info is a JSON object of texts (purposes, recipients, ...).
CREATE TABLE request_settings (
    org_id     BIGINT PRIMARY KEY REFERENCES organisations(id),
    time_zone  TEXT   NOT NULL DEFAULT 'Europe/Stockholm',
    info       TEXT   NOT NULL DEFAULT '{}',
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE request_settings;
DROP TABLE subject_request_notes;
DROP TABLE request_counters;
DROP INDEX subject_requests_idempotency;
DROP INDEX subject_requests_reference;
ALTER TABLE subject_requests DROP COLUMN idempotency_key;
ALTER TABLE subject_requests DROP COLUMN close_reason;
ALTER TABLE subject_requests DROP COLUMN completed_late;
ALTER TABLE subject_requests DROP COLUMN assignee_id;
ALTER TABLE subject_requests DROP COLUMN reference;
