-- +goose Up
-- person_data: whether a data-subject request covers person-level data (the
-- person record and the custom fields on the person), which are in no
-- channel. Only an admin's request does (docs/requests.md); an editor's
-- request reaches the person's items in their channels only. Existing
-- requests cover it when an admin made them.
ALTER TABLE subject_requests ADD COLUMN person_data INTEGER NOT NULL DEFAULT 0;
UPDATE subject_requests SET person_data = 1
WHERE requested_by IN (SELECT id FROM staff WHERE staff.org_id = subject_requests.org_id AND role = 'admin');

-- +goose Down
ALTER TABLE subject_requests DROP COLUMN person_data;
