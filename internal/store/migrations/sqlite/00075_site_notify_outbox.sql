-- +goose Up
-- Answer notifications (docs/public-site.md, issue 19 item 7).
--
-- forum_posts.notify_opt_in: the asker ticked "mail me when my question is
-- answered" when asking (1); posts written before this migration, and every
-- reply, have 0 and are never written to.
-- forum_posts.notified_at: when the last notification for this question was
-- queued; a staff answer within 24 hours of it queues none (one mail, not
-- one per answer or per retried request).
ALTER TABLE forum_posts ADD COLUMN notify_opt_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE forum_posts ADD COLUMN notified_at BIGINT;

-- The outbox of answer notifications, worked by the same mail.outbox job,
-- sender, backoff and 48-hour limit as mail_outbox (which belongs to mail
-- conversations). A row holds NO address: the recipient is read from the
-- asker's post (post_id) at each attempt, and a post that is no longer a
-- target (unsubscribed, anonymized, removed, hidden, erased) cancels the
-- row then. The row goes with the post (ON DELETE CASCADE: retention
-- purge, erasure) and erasure deletes it explicitly as well. subject and
-- body (the topic's title and link) are cleared once the row is sent or
-- failed. channel_id is the mail inbox it is sent from.
CREATE TABLE site_notify_outbox (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    post_id          BIGINT NOT NULL REFERENCES forum_posts(id) ON DELETE CASCADE,
    answer_id        BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    status           TEXT   NOT NULL DEFAULT 'pending',
    subject          TEXT   NOT NULL DEFAULT '',
    body             TEXT   NOT NULL DEFAULT '',
    unsubscribe_url  TEXT   NOT NULL DEFAULT '',
    message_id       TEXT   NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT   NOT NULL DEFAULT '',
    last_error       TEXT   NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    failed_at        BIGINT
);
CREATE INDEX site_notify_outbox_post ON site_notify_outbox(post_id);
CREATE INDEX site_notify_outbox_org ON site_notify_outbox(org_id);
CREATE INDEX site_notify_outbox_due ON site_notify_outbox(next_attempt_at) WHERE status IN ('pending', 'sending');

-- +goose Down
DROP TABLE site_notify_outbox;
ALTER TABLE forum_posts DROP COLUMN notified_at;
ALTER TABLE forum_posts DROP COLUMN notify_opt_in;
