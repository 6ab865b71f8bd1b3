-- +goose Up
-- An inbox address routes inbound mail, so it may belong to one inbox of the
-- whole installation. Where two inboxes already claimed the same address, the
-- oldest keeps it (inbound mail already went there) and the later ones give
-- it up: it moves to address_conflict, where the serve command's start-up
-- check and the channel's API answer show it, until an administrator
-- chooses another address.
ALTER TABLE channels ADD COLUMN address_conflict TEXT NOT NULL DEFAULT '';
UPDATE channels SET address_conflict = address, address = ''
 WHERE address <> ''
   AND EXISTS (SELECT 1 FROM channels older
                WHERE older.address = channels.address AND older.id < channels.id);
DROP INDEX channels_address;
CREATE UNIQUE INDEX channels_address ON channels(address) WHERE address <> '';

-- +goose Down
DROP INDEX channels_address;
CREATE INDEX channels_address ON channels(address) WHERE address <> '';
UPDATE channels SET address = address_conflict WHERE address_conflict <> '' AND address = '';
ALTER TABLE channels DROP COLUMN address_conflict;
