package store

import (
	"context"
	"fmt"
)

// personalTables are the tables whose rows the retention purge and the
// erasure of a data subject delete or overwrite: the ones ScrubErased
// vacuums on PostgreSQL.
const personalTables = "persons, custom_fields, forum_topics, forum_posts, " +
	"mail_conversations, mail_participants, mail_messages, mail_attachments, mail_outbox, mail_message_claims, " +
	"chat_conversations, chat_messages, social_items, subject_requests, conversation_notes, " +
	"site_notify_outbox"

// ScrubErased makes personal data that was deleted or overwritten (by a
// purge run or an erasure) leave the database files as far as the engine
// allows, and is meant to run once at the end of such a run, outside any
// transaction.
//
// On SQLite every connection has secure_delete on, so a deleted row, the
// old image of a rewritten row and a freed page are zeroed in the page that
// held them; but the WAL still holds the earlier images of those pages
// until they are checkpointed. ScrubErased checkpoints in TRUNCATE mode
// (Checkpoint): the newest pages go into the database file and the WAL is
// emptied to zero bytes. It waits for readers to leave the WAL, briefly.
//
// On PostgreSQL a deleted or updated row stays in its page as a dead tuple
// until VACUUM prunes it. ScrubErased runs a plain VACUUM (not FULL: no
// exclusive lock, reads and writes go on) of the tables holding personal
// data, with INDEX_CLEANUP ON: by default VACUUM leaves the index entries
// of a few dead rows (an e-mail address in an index, say) for later. A
// table another vacuum (e.g. autovacuum) holds is skipped: that one does
// the same work. VACUUM cannot run in a transaction, so it is one
// statement on a pool connection. What VACUUM does not remove (the space
// it frees until new rows reuse it, old WAL segments, backups) is
// described in docs/security.md.
func (db *DB) ScrubErased(ctx context.Context) error {
	if db.dialect == SQLite {
		if err := db.Checkpoint(ctx); err != nil {
			return fmt.Errorf("scrub erased data: %w", err)
		}
		return nil
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) `+personalTables); err != nil {
		return fmt.Errorf("scrub erased data: vacuum: %w", err)
	}
	return nil
}
