-- +goose Up
-- Every channel list pages newest first by id (store.pageQuery: WHERE org_id
-- AND channel_id ORDER BY id DESC LIMIT): an index in that order lets a page
-- read only its rows, where the older indexes (by last activity) made SQLite
-- sort every topic of the channel per page. TestListQueryPlans checks the
-- plans on both engines.
CREATE INDEX forum_topics_channel_id ON forum_topics(org_id, channel_id, id);
CREATE INDEX mail_conversations_channel_id ON mail_conversations(org_id, channel_id, id);
CREATE INDEX chat_conversations_channel_id ON chat_conversations(org_id, channel_id, id);
CREATE INDEX social_items_channel_id ON social_items(org_id, channel_id, id);
CREATE INDEX knowledge_articles_channel_id ON knowledge_articles(org_id, channel_id, id);

-- +goose Down
DROP INDEX knowledge_articles_channel_id;
DROP INDEX social_items_channel_id;
DROP INDEX chat_conversations_channel_id;
DROP INDEX mail_conversations_channel_id;
DROP INDEX forum_topics_channel_id;
