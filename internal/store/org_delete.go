package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gallra/gallra"
)

// Deleting an organisation (docs/operators.md). BeginOrganisationDeletion
// marks a disabled organisation "deleting"; from then on
// DeleteOrganisationBatch, called until it reports done, erases its rows
// table by table in dependency order, one short transaction per batch.
// Every batch deletes "up to limit of what is left", so a batch killed
// before its commit is simply done again, by the same process or another
// one (the deletion job, or the CLI run again): the deletion resumes from
// the status and whatever rows remain. What each batch removed is added to
// organisations.deletion_counts in the batch's own transaction, and the
// last transaction deletes the organisation row and writes the operator
// audit entry with those counts: it exists exactly when nothing is left.

// OrgDeletionProgress is the outcome of one DeleteOrganisationBatch.
type OrgDeletionProgress struct {
	// Table is what the batch removed rows from ("" when it removed none).
	Table   string
	Deleted int64
	// Done: nothing of the organisation is left, its row included.
	Done bool
	// Counts are the rows removed per table by the whole deletion so far
	// (on Done, the final record).
	Counts map[string]int64
}

// BeginOrganisationDeletion marks a disabled organisation "deleting" and
// records it in the operator audit log with its counts (idempotent: an
// organisation already being deleted is left as it is, and reported with
// started false). An active organisation is ECONFLICT (disable it first);
// one with legal holds is ECONFLICT unless overrideHolds.
func (db *DB) BeginOrganisationDeletion(ctx context.Context, id int64, overrideHolds bool) (started bool, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		cur, err := tx.organisationSummary(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == gallra.OrgDeleting:
			return nil
		case cur.Status != gallra.OrgDisabled:
			return gallra.Errorf(gallra.ECONFLICT, "organisation %d is %s: disable it before deleting it", id, cur.Status)
		case cur.Holds > 0 && !overrideHolds:
			return gallra.Errorf(gallra.ECONFLICT, "organisation %d has %d legal holds: the controller must release them, or instruct the deletion regardless (override the holds)", id, cur.Holds)
		}
		if _, err := tx.exec(ctx, `UPDATE organisations SET status = 'deleting', status_at = ?, deletion_counts = '{}' WHERE id = ?`, ms(tx.Now), id); err != nil {
			return fmt.Errorf("mark organisation deleting: %w", err)
		}
		started = true
		return tx.operatorAudit(ctx, "organisation.deletion_started", id, cur.Name, map[string]any{
			"channels": cur.Channels, "staff": cur.Staff, "legal_holds": cur.Holds, "holds_overridden": cur.Holds > 0,
		})
	})
	return started, err
}

// DeletingOrganisations lists the organisations being deleted, by id.
func (db *DB) DeletingOrganisations(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		ids, err = queryIDs(ctx, tx, `SELECT id FROM organisations WHERE status = 'deleting' ORDER BY id`)
		return err
	})
	return ids, err
}

// orgDeleteStep removes up to limit rows of one kind of the organisation
// being deleted; it returns how many rows it removed from each table.
type orgDeleteStep func(ctx context.Context, tx *Tx, org, channel int64, limit int) (map[string]int64, error)

// channelSteps run for each channel of the organisation, in this order
// (children before the rows they reference).
var channelSteps = []orgDeleteStep{
	// The identifier index first: the content's triggers would drop these
	// entries too, but counted here they appear in the deletion's record.
	deleteWhere("identifiers", `org_id = ? AND channel_id = ?`, orgChan),
	selfRefStep("forum_posts", `SELECT id FROM forum_posts WHERE channel_id = ? AND +org_id = ? LIMIT ?`),
	deleteWhere("forum_topics", `org_id = ? AND channel_id = ?`, orgChan),
	deleteWhere("mail_message_claims", `channel_id = ? AND +org_id = ?`, chanOrg),
	deleteMail,
	deleteChats,
	selfRefStep("social_items", `SELECT id FROM social_items WHERE channel_id = ? AND +org_id = ? LIMIT ?`),
	deleteWhere("knowledge_articles", `org_id = ? AND channel_id = ?`, orgChan),
	deleteWhere("social_deletion_outbox", `channel_id = ? AND +org_id = ?`, chanOrg),
	deleteWhere("channel_members", `channel_id = ? AND +org_id = ?`, chanOrg),
	deleteWhere("retention_policies", `channel_id = ? AND +org_id = ?`, chanOrg),
}

// orgSteps run once the channels' content is gone. knownTables (below) must
// name every table these and channelSteps delete from; any other table
// with an org_id column is emptied by the catch-all step between them.
var orgSteps = []orgDeleteStep{
	deleteWhere("conversation_notes", `org_id = ?`, orgOnly),
	deleteAccessLog,
	deleteWhere("access_log_settings", `org_id = ?`, orgOnly),
	deleteWhere("mail_outbox", `org_id = ?`, orgOnly),
	deleteWhere("site_notify_outbox", `org_id = ?`, orgOnly),
	deleteWhere("imap_accounts", `org_id = ?`, orgOnly),
	deleteWhere("channel_daily_stats", `org_id = ?`, orgOnly),
	deleteWhere("purge_run_channels", `org_id = ?`, orgOnly),
	deleteWhere("purge_runs", `org_id = ?`, orgOnly),
	deleteWhere("purge_person_queue", `org_id = ?`, orgOnly),
	deleteWhere("subject_request_channels", `org_id = ?`, orgOnly),
	deleteWhere("subject_requests", `org_id = ?`, orgOnly),
	deleteWhere("custom_fields", `org_id = ?`, orgOnly),
	deleteWhere("persons", `org_id = ?`, orgOnly),
	deleteWhere("web_sessions", `org_id = ?`, orgOnly),
	deleteWhere("login_links", `org_id = ?`, orgOnly),
	deleteWhere("api_tokens", `org_id = ?`, orgOnly),
	deleteWhere("channels", `org_id = ?`, orgOnly),
	deleteWhere("staff", `org_id = ?`, orgOnly),
	deleteWhere("pii_patterns", `org_id = ?`, orgOnly),
	deleteWhere("retention_defaults", `org_id = ?`, orgOnly),
	deleteWhere("jobs", `org_id = ?`, orgOnly),
	deleteWhere("audit_log", `org_id = ?`, orgOnly),
	deleteWhere("audit_heads", `org_id = ?`, orgOnly),
	deleteWhere("topic_hold_epochs", `org_id = ?`, orgOnly),
}

// knownTables are the tables the steps above empty, and operator_audit,
// which keeps its record of the organisation by design.
var knownTables = []string{
	"forum_posts", "forum_topics", "mail_attachments", "mail_messages", "mail_participants", "mail_conversations",
	"chat_messages", "chat_conversations", "social_items", "knowledge_articles", "social_deletion_outbox",
	"channel_members", "retention_policies", "channel_daily_stats", "purge_run_channels", "purge_runs",
	"purge_person_queue", "subject_request_channels", "subject_requests", "custom_fields", "persons",
	"web_sessions", "login_links", "api_tokens", "channels", "staff", "pii_patterns", "retention_defaults",
	"jobs", "audit_log", "audit_heads", "topic_hold_epochs", "operator_audit",
	"conversation_notes", "access_log", "mail_outbox", "imap_accounts", "mail_message_claims",
	"chat_events", "chat_attachments", "identifiers",
	"access_log_settings",
	"site_notify_outbox",
}

func orgOnly(org, _ int64) []any  { return []any{org} }
func orgChan(org, ch int64) []any { return []any{org, ch} }
func chanOrg(org, ch int64) []any { return []any{ch, org} }

// deleteWhere deletes up to limit rows of table matching where (bound by
// args), picked by their physical row id (rowid on SQLite, ctid on
// PostgreSQL) so that tables without an id column are batched too.
func deleteWhere(table, where string, args func(org, ch int64) []any) orgDeleteStep {
	return func(ctx context.Context, tx *Tx, org, ch int64, limit int) (map[string]int64, error) {
		n, err := tx.deleteBatch(ctx, table, where, limit, args(org, ch)...)
		if err != nil {
			return nil, err
		}
		return map[string]int64{table: n}, nil
	}
}

func (tx *Tx) deleteBatch(ctx context.Context, table, where string, limit int, args ...any) (int64, error) {
	q := `DELETE FROM ` + table + ` WHERE rowid IN (SELECT rowid FROM ` + table + ` WHERE ` + where + ` LIMIT ?)`
	if tx.Dialect() == Postgres {
		q = `DELETE FROM ` + table + ` WHERE ctid = ANY(ARRAY(SELECT ctid FROM ` + table + ` WHERE ` + where + ` LIMIT ?))`
	}
	n, err := countChanged(tx.exec(ctx, q, append(args, limit)...))
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	return n, nil
}

// selfRefStep deletes up to limit rows of a table whose rows may reference
// each other through parent_id (forum comments, social replies): the
// references to the picked rows are cleared first, so that any subset can
// go in any order.
func selfRefStep(table, pick string) orgDeleteStep {
	return func(ctx context.Context, tx *Tx, org, ch int64, limit int) (map[string]int64, error) {
		ids, err := queryIDs(ctx, tx, pick, ch, org, limit)
		if err != nil || len(ids) == 0 {
			return nil, annotate("find "+table+" to delete", err)
		}
		in, arg := tx.idIn("parent_id", ids)
		if _, err := tx.exec(ctx, `UPDATE `+table+` SET parent_id = NULL WHERE `+in, arg); err != nil {
			return nil, fmt.Errorf("detach replies in %s: %w", table, err)
		}
		in, arg = tx.idIn("id", ids)
		n, err := countChanged(tx.exec(ctx, `DELETE FROM `+table+` WHERE `+in, arg))
		if err != nil {
			return nil, fmt.Errorf("delete from %s: %w", table, err)
		}
		return map[string]int64{table: n}, nil
	}
}

// deleteMail deletes whole mail conversations of the channel, limit/5 at a
// time (at least 1; about limit messages when conversations hold five):
// attachments, messages, participants, then the conversations.
func deleteMail(ctx context.Context, tx *Tx, org, ch int64, limit int) (map[string]int64, error) {
	ids, err := queryIDs(ctx, tx, `SELECT id FROM mail_conversations WHERE org_id = ? AND channel_id = ? LIMIT ?`, org, ch, max(1, limit/5))
	if err != nil || len(ids) == 0 {
		return nil, annotate("find mail to delete", err)
	}
	out := map[string]int64{}
	in, arg := tx.idIn("conversation_id", ids)
	steps := []struct{ table, q string }{
		{"mail_attachments", `DELETE FROM mail_attachments WHERE message_id IN (SELECT id FROM mail_messages WHERE ` + in + `)`},
		{"mail_messages", `DELETE FROM mail_messages WHERE ` + in},
		{"mail_participants", `DELETE FROM mail_participants WHERE ` + in},
	}
	for _, s := range steps {
		if out[s.table], err = countChanged(tx.exec(ctx, s.q, arg)); err != nil {
			return nil, fmt.Errorf("delete from %s: %w", s.table, err)
		}
	}
	in, arg = tx.idIn("id", ids)
	if out["mail_conversations"], err = countChanged(tx.exec(ctx, `DELETE FROM mail_conversations WHERE `+in, arg)); err != nil {
		return nil, fmt.Errorf("delete from mail_conversations: %w", err)
	}
	return out, nil
}

// deleteChats deletes whole chats of the channel, limit/10 at a time (at
// least 1; about limit messages when chats hold ten).
func deleteChats(ctx context.Context, tx *Tx, org, ch int64, limit int) (map[string]int64, error) {
	ids, err := queryIDs(ctx, tx, `SELECT id FROM chat_conversations WHERE org_id = ? AND channel_id = ? LIMIT ?`, org, ch, max(1, limit/10))
	if err != nil || len(ids) == 0 {
		return nil, annotate("find chats to delete", err)
	}
	out := map[string]int64{}
	in, arg := tx.idIn("conversation_id", ids)
	if out["chat_attachments"], err = countChanged(tx.exec(ctx, `DELETE FROM chat_attachments WHERE message_id IN (SELECT id FROM chat_messages WHERE `+in+`)`, arg)); err != nil {
		return nil, fmt.Errorf("delete from chat_attachments: %w", err)
	}
	if out["chat_messages"], err = countChanged(tx.exec(ctx, `DELETE FROM chat_messages WHERE `+in, arg)); err != nil {
		return nil, fmt.Errorf("delete from chat_messages: %w", err)
	}
	if out["chat_events"], err = countChanged(tx.exec(ctx, `DELETE FROM chat_events WHERE `+in, arg)); err != nil {
		return nil, fmt.Errorf("delete from chat_events: %w", err)
	}
	in, arg = tx.idIn("id", ids)
	if out["chat_conversations"], err = countChanged(tx.exec(ctx, `DELETE FROM chat_conversations WHERE `+in, arg)); err != nil {
		return nil, fmt.Errorf("delete from chat_conversations: %w", err)
	}
	return out, nil
}

// orgTables lists the tables of the schema with an org_id column, by name.
func (tx *Tx) orgTables(ctx context.Context) ([]string, error) {
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p ON p.name = 'org_id' WHERE m.type = 'table' ORDER BY m.name`
	if tx.Dialect() == Postgres {
		// The catalog, not information_schema: its views check privileges
		// row by row and take a hundred milliseconds or more, in every
		// batch of a deletion.
		q = `SELECT c.relname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
			WHERE a.attname = 'org_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
			AND c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema()) ORDER BY c.relname`
	}
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables with org_id: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// tableCache holds the tables with an org_id column that no deletion step
// names, read from the catalog once per DB handle (the schema changes only
// by migrations, before serving): on PostgreSQL the catalog query costs
// tens of milliseconds, too much for every batch.
type tableCache struct {
	mu     sync.Mutex
	loaded bool
	extra  []string
}

// extraOrgTables returns the tables with an org_id column that no step
// names.
func (tx *Tx) extraOrgTables(ctx context.Context) ([]string, error) {
	c := tx.db.orgTables
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.extra, nil
	}
	tables, err := tx.orgTables(ctx)
	if err != nil {
		return nil, err
	}
	c.extra = nil
	for _, t := range tables {
		if !contains(knownTables, t) {
			c.extra = append(c.extra, t)
		}
	}
	c.loaded = true
	return c.extra, nil
}

// catchAll empties tables with an org_id column that no step names (a table
// added without adding it to the deletion): nothing of the organisation may
// stay behind. It runs after the channels' content and before persons,
// staff and channels, which such a table may reference.
func catchAll(ctx context.Context, tx *Tx, org, _ int64, limit int) (map[string]int64, error) {
	tables, err := tx.extraOrgTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		n, err := tx.deleteBatch(ctx, t, `org_id = ?`, limit, org)
		if err != nil || n > 0 {
			return map[string]int64{t: n}, err
		}
	}
	return nil, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DeleteOrganisationBatch removes the next batch (up to limit rows of one
// table; mail and chats a few conversations with everything in them) of an
// organisation being deleted, in one transaction, and adds the counts to
// the organisation's record. When nothing is left it deletes the
// organisation row and writes "organisation.deleted" with the counts to the
// operator audit log, and reports Done. An organisation that does not exist
// (any more) reports Done with no counts; one not being deleted is
// ECONFLICT. hook, when not nil, runs in the batch's transaction after its
// deletions (tests inject a fault there: an error rolls the batch back).
func (db *DB) DeleteOrganisationBatch(ctx context.Context, id int64, limit int, hook func(table string) error) (*OrgDeletionProgress, error) {
	limit = clampLimit(limit, 500, 10000)
	p := &OrgDeletionProgress{}
	err := db.Update(ctx, func(tx *Tx) error {
		*p = OrgDeletionProgress{}
		var status, countsJSON, name string
		err := tx.queryRow(ctx, `SELECT status, deletion_counts, name FROM organisations WHERE id = ?`, id).Scan(&status, &countsJSON, &name)
		if errors.Is(err, sql.ErrNoRows) {
			p.Done = true
			return nil
		} else if err != nil {
			return fmt.Errorf("read organisation %d: %w", id, err)
		}
		if status != gallra.OrgDeleting {
			return gallra.Errorf(gallra.ECONFLICT, "organisation %d is not being deleted", id)
		}
		if err := json.Unmarshal([]byte(countsJSON), &p.Counts); err != nil {
			return fmt.Errorf("decode deletion counts: %w", err)
		}
		if p.Counts == nil {
			p.Counts = map[string]int64{}
		}
		got, err := tx.nextDeleteBatch(ctx, id, limit)
		if err != nil {
			return err
		}
		for t, n := range got {
			if n > 0 {
				p.Counts[t] += n
				p.Deleted += n
				p.Table = t
			}
		}
		if hook != nil {
			if err := hook(p.Table); err != nil {
				return err
			}
		}
		if p.Deleted > 0 {
			raw, err := json.Marshal(p.Counts)
			if err != nil {
				return err
			}
			_, err = tx.exec(ctx, `UPDATE organisations SET deletion_counts = ? WHERE id = ?`, string(raw), id)
			return annotate("record deletion counts", err)
		}
		// Nothing left: the organisation row goes, with the record.
		if _, err := tx.exec(ctx, `DELETE FROM organisations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete organisation %d: %w", id, err)
		}
		p.Done = true
		details := map[string]any{}
		var total int64
		for t, n := range p.Counts {
			details[t] = n
			total += n
		}
		details["total_rows"] = total
		return tx.operatorAudit(ctx, "organisation.deleted", id, name, details)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// nextDeleteBatch runs the steps in order and stops at the first that
// removed something.
func (tx *Tx) nextDeleteBatch(ctx context.Context, org int64, limit int) (map[string]int64, error) {
	chans, err := queryIDs(ctx, tx, `SELECT id FROM channels WHERE org_id = ? ORDER BY id`, org)
	if err != nil {
		return nil, fmt.Errorf("list channels of organisation: %w", err)
	}
	some := func(m map[string]int64) bool {
		for _, n := range m {
			if n > 0 {
				return true
			}
		}
		return false
	}
	for _, ch := range chans {
		for _, step := range channelSteps {
			got, err := step(ctx, tx, org, ch, limit)
			if err != nil || some(got) {
				return got, err
			}
		}
	}
	for _, step := range append([]orgDeleteStep{catchAll}, orgSteps...) {
		got, err := step(ctx, tx, org, 0, limit)
		if err != nil || some(got) {
			return got, err
		}
	}
	return nil, nil
}

// OrgRowCounts counts an organisation's rows in every table with an org_id
// column (operator_audit aside), for tests and the operator's checks. A
// table without rows of it is left out.
func (db *DB) OrgRowCounts(ctx context.Context, org int64) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.View(ctx, func(tx *Tx) error {
		tables, err := tx.orgTables(ctx)
		if err != nil {
			return err
		}
		sort.Strings(tables)
		for _, t := range tables {
			if t == "operator_audit" || strings.ContainsAny(t, `"';`) {
				continue
			}
			var n int64
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+t+` WHERE org_id = ?`, org).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			if n > 0 {
				out[t] = n
			}
		}
		return nil
	})
	return out, err
}

// ScrubDeletedOrganisation is ScrubErased after an organisation's deletion:
// on SQLite the same checkpoint (secure_delete has zeroed the rows); on
// PostgreSQL a VACUUM of every table the deletion emptied, not only those a
// purge touches (staff, tokens and the audit log went too).
func (db *DB) ScrubDeletedOrganisation(ctx context.Context) error {
	if db.dialect == SQLite {
		return db.ScrubErased(ctx)
	}
	var tables []string
	for _, t := range knownTables {
		if t != "operator_audit" {
			tables = append(tables, t)
		}
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) organisations, `+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("scrub deleted organisation: vacuum: %w", err)
	}
	return nil
}
