-- +goose Up
-- Kept in step with the PostgreSQL migration of the same number, which makes
-- the foreign keys to persons ON DELETE RESTRICT to spare PostgreSQL a second
-- lookup per deleted person. SQLite checks a parent deletion by looking for
-- child rows only, whichever action is declared: nothing to change.
SELECT 1;

-- +goose Down
SELECT 1;
