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
-- indexes it again. Deletes are handled once per statement (a purge deletes
-- thousands of rows in one), changes of text once per changed row.
-- +goose StatementBegin
CREATE FUNCTION gallra_identifiers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM identifiers i USING gone g WHERE i.entity = TG_ARGV[0] AND i.row_id = g.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION gallra_identifiers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM identifiers WHERE entity = TG_ARGV[0] AND row_id = OLD.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER forum_posts_identifiers_del AFTER DELETE ON forum_posts REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION gallra_identifiers_deleted('forum_post');
CREATE TRIGGER forum_posts_identifiers_upd AFTER UPDATE OF body ON forum_posts FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION gallra_identifiers_changed('forum_post');
CREATE TRIGGER mail_messages_identifiers_del AFTER DELETE ON mail_messages REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION gallra_identifiers_deleted('mail_message');
CREATE TRIGGER mail_messages_identifiers_upd AFTER UPDATE OF body ON mail_messages FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION gallra_identifiers_changed('mail_message');
CREATE TRIGGER chat_messages_identifiers_del AFTER DELETE ON chat_messages REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION gallra_identifiers_deleted('chat_message');
CREATE TRIGGER chat_messages_identifiers_upd AFTER UPDATE OF body ON chat_messages FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION gallra_identifiers_changed('chat_message');
CREATE TRIGGER social_items_identifiers_del AFTER DELETE ON social_items REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION gallra_identifiers_deleted('social_item');
CREATE TRIGGER social_items_identifiers_upd AFTER UPDATE OF body ON social_items FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION gallra_identifiers_changed('social_item');
CREATE TRIGGER knowledge_articles_identifiers_del AFTER DELETE ON knowledge_articles REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION gallra_identifiers_deleted('knowledge_article');
CREATE TRIGGER knowledge_articles_identifiers_upd AFTER UPDATE OF title, body ON knowledge_articles FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION gallra_identifiers_changed('knowledge_article');

-- +goose Down
DROP TRIGGER knowledge_articles_identifiers_upd ON knowledge_articles;
DROP TRIGGER knowledge_articles_identifiers_del ON knowledge_articles;
DROP TRIGGER social_items_identifiers_upd ON social_items;
DROP TRIGGER social_items_identifiers_del ON social_items;
DROP TRIGGER chat_messages_identifiers_upd ON chat_messages;
DROP TRIGGER chat_messages_identifiers_del ON chat_messages;
DROP TRIGGER mail_messages_identifiers_upd ON mail_messages;
DROP TRIGGER mail_messages_identifiers_del ON mail_messages;
DROP TRIGGER forum_posts_identifiers_upd ON forum_posts;
DROP TRIGGER forum_posts_identifiers_del ON forum_posts;
DROP FUNCTION gallra_identifiers_changed();
DROP FUNCTION gallra_identifiers_deleted();
DROP TABLE identifier_backfill;
DROP TABLE identifiers;
