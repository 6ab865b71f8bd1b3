-- +goose Up
-- Staff off-boarding (docs/roles.md, docs/privacy-register.md):
-- staff.deactivated_at  when the user was last deactivated (NULL: active);
--                       backfilled for inactive users from their newest
--                       staff.updated/staff.deleted audit entry, else the
--                       time of this migration, so the off-boarding period
--                       never starts earlier than it really did;
-- staff.pseudonym       the stable code ("7F3A") of "Former staff member 7F3A",
--                       given when off-boarding starts;
-- staff.offboarded_at   when the purge removed the user's name, e-mail and
--                       avatar (NULL: not yet);
-- organisations.staff_offboard_days  days a user stays deactivated before
--                       the purge off-boards them (default 90).
ALTER TABLE staff ADD COLUMN deactivated_at BIGINT;
ALTER TABLE staff ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN offboarded_at BIGINT;
ALTER TABLE organisations ADD COLUMN staff_offboard_days INTEGER NOT NULL DEFAULT 90;
UPDATE staff SET deactivated_at = COALESCE(
    (SELECT MAX(a.at) FROM audit_log a WHERE a.org_id = staff.org_id AND a.subject_type = 'staff' AND a.subject_id = staff.id
        AND a.action IN ('staff.updated', 'staff.deleted')),
    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
WHERE active = 0;
CREATE INDEX staff_offboard_due ON staff(org_id, deactivated_at) WHERE active = 0 AND offboarded_at IS NULL;
-- What an off-boarded user wrote is found by author for the pseudonym.
CREATE INDEX forum_posts_staff ON forum_posts(staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX mail_messages_staff ON mail_messages(staff_id) WHERE staff_id IS NOT NULL;

-- +goose Down
DROP INDEX mail_messages_staff;
DROP INDEX forum_posts_staff;
DROP INDEX staff_offboard_due;
ALTER TABLE organisations DROP COLUMN staff_offboard_days;
ALTER TABLE staff DROP COLUMN offboarded_at;
ALTER TABLE staff DROP COLUMN pseudonym;
ALTER TABLE staff DROP COLUMN deactivated_at;
