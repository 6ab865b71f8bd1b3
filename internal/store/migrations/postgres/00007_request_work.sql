-- +goose Up
-- Resumable data-subject requests (docs/requests.md):
--   updated_at   heartbeat: every committed erasure batch and a running
--                export touch it; a processing request without progress for
--                the stale period is taken over by the requests.process job.
--   claim        token of the worker processing the request; a batch or a
--                completion commits only while the claim is still its own.
--   attempts     how often processing started; failed_retry_at is when a
--                retryable failure is retried (NULL: not retried by itself).
--   mentions_status / mention_keys: mentions are found by the job after the
--                main work, from keyed hashes (never the clear address);
--                mention_keys (keyed hashes of the person's phone numbers and
--                the person id) is cleared once they are found.
-- subject_request_channels: the channels in scope, one row each, so that a
-- list can be filtered by an editor's channels in SQL (paging stays full).
ALTER TABLE subject_requests ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subject_requests ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE subject_requests ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subject_requests ADD COLUMN retry_at BIGINT;
ALTER TABLE subject_requests ADD COLUMN mentions_status TEXT NOT NULL DEFAULT '';
ALTER TABLE subject_requests ADD COLUMN mention_keys TEXT NOT NULL DEFAULT '';
CREATE INDEX subject_requests_work ON subject_requests(status, updated_at);
CREATE INDEX subject_requests_retry ON subject_requests(retry_at) WHERE retry_at IS NOT NULL;
CREATE INDEX subject_requests_mentions ON subject_requests(mentions_status) WHERE mentions_status = 'pending';

CREATE TABLE subject_request_channels (
    request_id  BIGINT NOT NULL REFERENCES subject_requests(id),
    org_id      BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    PRIMARY KEY (request_id, channel_id)
);
CREATE INDEX subject_request_channels_channel ON subject_request_channels(org_id, channel_id);
INSERT INTO subject_request_channels (request_id, org_id, channel_id)
SELECT id, org_id, CAST(unnest(string_to_array(channel_ids, ',')) AS BIGINT) FROM subject_requests WHERE channel_ids <> '';

-- +goose Down
DROP TABLE subject_request_channels;
DROP INDEX subject_requests_mentions;
DROP INDEX subject_requests_retry;
DROP INDEX subject_requests_work;
ALTER TABLE subject_requests DROP COLUMN mention_keys;
ALTER TABLE subject_requests DROP COLUMN mentions_status;
ALTER TABLE subject_requests DROP COLUMN retry_at;
ALTER TABLE subject_requests DROP COLUMN attempts;
ALTER TABLE subject_requests DROP COLUMN claim;
ALTER TABLE subject_requests DROP COLUMN updated_at;
