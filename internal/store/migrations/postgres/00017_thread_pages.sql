-- +goose Up
-- Threads are read a page at a time in id order (oldest first, keyset on
-- id): these indexes serve WHERE topic_id/conversation_id = ? AND id > ?
-- ORDER BY id LIMIT n without reading the rest of the thread.
CREATE INDEX forum_posts_topic_id ON forum_posts(topic_id, id);
CREATE INDEX mail_messages_conversation_id ON mail_messages(conversation_id, id);
CREATE INDEX chat_messages_conversation_id ON chat_messages(conversation_id, id);

-- +goose Down
DROP INDEX chat_messages_conversation_id;
DROP INDEX mail_messages_conversation_id;
DROP INDEX forum_posts_topic_id;
