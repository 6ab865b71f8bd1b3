-- +goose Up
-- The public site (docs/public-site.md): per-organisation settings (path
-- slug, custom host name, how IP addresses are stored, whether first posts
-- from a new e-mail address wait for moderation), the moderation state of
-- topics and posts, staff answers, answered topics, public data-subject
-- requests waiting for staff to verify the requester's identity, and the
-- full-text index of forum posts and knowledge articles.

CREATE TABLE site_settings (
    org_id          BIGINT  PRIMARY KEY,
    slug            TEXT    NOT NULL,
    host            TEXT    NOT NULL DEFAULT '',
    ip_storage      TEXT    NOT NULL DEFAULT 'full',
    moderate_first  INTEGER NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX site_settings_slug ON site_settings(slug);
CREATE UNIQUE INDEX site_settings_host ON site_settings(host) WHERE host <> '';

-- status: visible, pending (waits for moderation) or hidden (by staff).
ALTER TABLE forum_topics ADD COLUMN status TEXT NOT NULL DEFAULT 'visible';
ALTER TABLE forum_topics ADD COLUMN answered_post_id BIGINT;
ALTER TABLE forum_posts ADD COLUMN status TEXT NOT NULL DEFAULT 'visible';
ALTER TABLE forum_posts ADD COLUMN staff_id BIGINT;
CREATE INDEX forum_topics_public ON forum_topics(channel_id, status, id);
CREATE INDEX forum_posts_pending ON forum_posts(org_id, status) WHERE status = 'pending';

-- A data-subject request sent from the public privacy page. It is never
-- acted on by itself: staff verify the requester's identity and then
-- register a real request (subject_requests) or reject it; either way the
-- row is deleted.
CREATE TABLE site_requests (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'unverified',
    name         TEXT    NOT NULL DEFAULT '',
    email        TEXT    NOT NULL,
    message      TEXT    NOT NULL DEFAULT '',
    received_at  BIGINT  NOT NULL
);
CREATE INDEX site_requests_org ON site_requests(org_id, id);

-- Full-text indexes kept in step with their tables by triggers, so that
-- every edit, anonymization, redaction, removal and purge updates them in
-- the same transaction: erased text is never findable.
CREATE VIRTUAL TABLE forum_posts_fts USING fts5(body, content='forum_posts', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO forum_posts_fts(forum_posts_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER forum_posts_fts_ins AFTER INSERT ON forum_posts BEGIN
    INSERT INTO forum_posts_fts(rowid, body) VALUES (new.id, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER forum_posts_fts_del AFTER DELETE ON forum_posts BEGIN
    INSERT INTO forum_posts_fts(forum_posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER forum_posts_fts_upd AFTER UPDATE OF body ON forum_posts BEGIN
    INSERT INTO forum_posts_fts(forum_posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO forum_posts_fts(rowid, body) VALUES (new.id, new.body);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE knowledge_articles_fts USING fts5(title, body, content='knowledge_articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
INSERT INTO knowledge_articles_fts(knowledge_articles_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER knowledge_articles_fts_ins AFTER INSERT ON knowledge_articles BEGIN
    INSERT INTO knowledge_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER knowledge_articles_fts_del AFTER DELETE ON knowledge_articles BEGIN
    INSERT INTO knowledge_articles_fts(knowledge_articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER knowledge_articles_fts_upd AFTER UPDATE OF title, body ON knowledge_articles BEGIN
    INSERT INTO knowledge_articles_fts(knowledge_articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO knowledge_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER knowledge_articles_fts_upd;
DROP TRIGGER knowledge_articles_fts_del;
DROP TRIGGER knowledge_articles_fts_ins;
DROP TABLE knowledge_articles_fts;
DROP TRIGGER forum_posts_fts_upd;
DROP TRIGGER forum_posts_fts_del;
DROP TRIGGER forum_posts_fts_ins;
DROP TABLE forum_posts_fts;
DROP TABLE site_requests;
DROP INDEX forum_posts_pending;
DROP INDEX forum_topics_public;
ALTER TABLE forum_posts DROP COLUMN staff_id;
ALTER TABLE forum_posts DROP COLUMN status;
ALTER TABLE forum_topics DROP COLUMN answered_post_id;
ALTER TABLE forum_topics DROP COLUMN status;
DROP TABLE site_settings;
