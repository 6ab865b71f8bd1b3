-- +goose Up
-- Erasures waiting on legal holds (docs/requests.md, "Holds and erasure"):
-- hold_wait   JSON record of the wait (since, the held topics and
--             conversations — ids only —, counts when it first waited,
--             when the rest was erased);
-- subject_request_holds  one row per topic or conversation an erasure in
--             status waiting_on_hold waits for, so that releasing a hold
--             finds its waiting requests, and the requests.process job
--             finds waiting requests whose holds are gone, by index.
ALTER TABLE subject_requests ADD COLUMN hold_wait TEXT NOT NULL DEFAULT '';

CREATE TABLE subject_request_holds (
    request_id   BIGINT NOT NULL REFERENCES subject_requests(id),
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    subject_type TEXT   NOT NULL,
    subject_id   BIGINT NOT NULL,
    PRIMARY KEY (request_id, subject_type, subject_id)
);
CREATE INDEX subject_request_holds_subject ON subject_request_holds(org_id, subject_type, subject_id);
CREATE INDEX subject_requests_waiting ON subject_requests(status) WHERE status = 'waiting_on_hold';

-- +goose Down
DROP INDEX subject_requests_waiting;
DROP TABLE subject_request_holds;
ALTER TABLE subject_requests DROP COLUMN hold_wait;
