-- +goose Up
-- A staff reply finds the message it answers (the last inbound one) and
-- its sender by walking this index backwards from the thread's end: a few
-- rows, however many replies follow the customer's last mail (issue 17).
CREATE INDEX mail_messages_conversation_direction ON mail_messages(conversation_id, direction, created_at, id);
-- The References of a reply take the thread's first and last ids in thread
-- order (created_at, id) without sorting the thread; this index replaces
-- (conversation_id, created_at), which it covers.
CREATE INDEX mail_messages_conversation_order ON mail_messages(conversation_id, created_at, id);
DROP INDEX mail_messages_conversation;

-- +goose Down
CREATE INDEX mail_messages_conversation ON mail_messages(conversation_id, created_at);
DROP INDEX mail_messages_conversation_order;
DROP INDEX mail_messages_conversation_direction;
