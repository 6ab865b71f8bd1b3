-- +goose Up
-- The identifier index: a keyed hash (HMAC-SHA256 with the organisation's
-- secret key, organisations.audit_key) of every e-mail address, phone number
-- and personnummer found in stored text, with the row it occurs in. Never
-- the clear value. Filled when text is written (internal/store/identifiers.go),
-- for rows written before this migration by a backfill that walks each table
-- up to the highest id it had here (identifier_backfill). Export, erasure and
-- the person search find mentions with one indexed lookup instead of reading
-- every body.
CREATE TABLE identifiers (
    org_id      BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    hash        TEXT   NOT NULL,
    entity      TEXT   NOT NULL,
    row_id      BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    parent_id   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX identifiers_lookup ON identifiers(org_id, kind, hash, entity, row_id);
CREATE INDEX identifiers_row ON identifiers(entity, row_id);

-- Rows to index that were written before the index existed: each entity's
-- table is walked by id from done_id to max_id.
CREATE TABLE identifier_backfill (
    entity   TEXT   PRIMARY KEY,
    done_id  BIGINT NOT NULL,
    max_id   BIGINT NOT NULL
);
INSERT INTO identifier_backfill (entity, done_id, max_id) SELECT 'forum_post', 0, COALESCE(MAX(id), 0) FROM forum_posts;
INSERT INTO identifier_backfill (entity, done_id, max_id) SELECT 'mail_message', 0, COALESCE(MAX(id), 0) FROM mail_messages;
INSERT INTO identifier_backfill (entity, done_id, max_id) SELECT 'chat_message', 0, COALESCE(MAX(id), 0) FROM chat_messages;
INSERT INTO identifier_backfill (entity, done_id, max_id) SELECT 'social_item', 0, COALESCE(MAX(id), 0) FROM social_items;
INSERT INTO identifier_backfill (entity, done_id, max_id) SELECT 'knowledge_article', 0, COALESCE(MAX(id), 0) FROM knowledge_articles;

-- Whatever deletes a row or changes its text (purge, erasure, removal,
-- anonymization, redaction, edits, organisation deletion, cascades) drops
-- its index entries in the same transaction; code that writes new text
-- indexes it again.
-- +goose StatementBegin
CREATE TRIGGER forum_posts_identifiers_del AFTER DELETE ON forum_posts BEGIN
    DELETE FROM identifiers WHERE entity = 'forum_post' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER forum_posts_identifiers_upd AFTER UPDATE OF body ON forum_posts WHEN OLD.body IS NOT NEW.body BEGIN
    DELETE FROM identifiers WHERE entity = 'forum_post' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER mail_messages_identifiers_del AFTER DELETE ON mail_messages BEGIN
    DELETE FROM identifiers WHERE entity = 'mail_message' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER mail_messages_identifiers_upd AFTER UPDATE OF body ON mail_messages WHEN OLD.body IS NOT NEW.body BEGIN
    DELETE FROM identifiers WHERE entity = 'mail_message' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chat_messages_identifiers_del AFTER DELETE ON chat_messages BEGIN
    DELETE FROM identifiers WHERE entity = 'chat_message' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chat_messages_identifiers_upd AFTER UPDATE OF body ON chat_messages WHEN OLD.body IS NOT NEW.body BEGIN
    DELETE FROM identifiers WHERE entity = 'chat_message' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER social_items_identifiers_del AFTER DELETE ON social_items BEGIN
    DELETE FROM identifiers WHERE entity = 'social_item' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER social_items_identifiers_upd AFTER UPDATE OF body ON social_items WHEN OLD.body IS NOT NEW.body BEGIN
    DELETE FROM identifiers WHERE entity = 'social_item' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER knowledge_articles_identifiers_del AFTER DELETE ON knowledge_articles BEGIN
    DELETE FROM identifiers WHERE entity = 'knowledge_article' AND row_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER knowledge_articles_identifiers_upd AFTER UPDATE OF title, body ON knowledge_articles WHEN OLD.body IS NOT NEW.body OR OLD.title IS NOT NEW.title BEGIN
    DELETE FROM identifiers WHERE entity = 'knowledge_article' AND row_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER knowledge_articles_identifiers_upd;
DROP TRIGGER knowledge_articles_identifiers_del;
DROP TRIGGER social_items_identifiers_upd;
DROP TRIGGER social_items_identifiers_del;
DROP TRIGGER chat_messages_identifiers_upd;
DROP TRIGGER chat_messages_identifiers_del;
DROP TRIGGER mail_messages_identifiers_upd;
DROP TRIGGER mail_messages_identifiers_del;
DROP TRIGGER forum_posts_identifiers_upd;
DROP TRIGGER forum_posts_identifiers_del;
DROP TABLE identifier_backfill;
DROP TABLE identifiers;
