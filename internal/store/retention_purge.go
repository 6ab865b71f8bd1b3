package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// PurgeTarget is one channel's purge: which rows are due is decided by the
// channel's module, the action and the cutoff. Selection (SelectDue) and the
// apply functions take the same target, so a preview and the purge that
// follows it pick the same rows.
type PurgeTarget struct {
	OrgID     int64
	ChannelID int64
	Module    gallra.Module
	// Delete selects forum posts to delete (all live posts); false selects
	// posts not yet anonymized. Mail and chat always delete.
	Delete bool
	// Cutoff: an item whose clock (forum: post creation; mail: last message;
	// chat: close) is strictly before Cutoff is due.
	Cutoff time.Time
	// DeferPersons queues the persons a batch may leave without content in
	// purge_person_queue (same transaction) instead of checking them in the
	// batch; DrainPersonQueue checks them later, set-based. The purge run
	// does this; PersonsDeleted is then 0 in the batch's counts.
	DeferPersons bool
	// Queued reports persons that committed batches of the same run queued
	// already: they are not queued again (a person with many posts is
	// otherwise written once per batch). Nil: none. PurgeDue only reads it
	// (batch transactions running side by side call it concurrently); the
	// caller adds PurgeCounts.Queued once the batch has committed.
	Queued func(personID int64) bool
	// Hook, when set (tests), is called inside each forum purge
	// transaction after the due posts were read and before the holds are
	// checked (the hold counter locked, or the topics locked and re-read),
	// also when every post of the batch is held, and (PostgreSQL) inside a
	// transaction of the batch's person step that deleted custom fields on
	// persons, before it deletes those persons.
	Hook TxHook
}

// PurgeCursor is a keyset position in a channel's due items, in clock order.
type PurgeCursor struct {
	At int64 // clock, Unix ms
	ID int64
}

// Compare orders positions: -1 if c is earlier than d, 0 if the same, +1.
func (c PurgeCursor) Compare(d PurgeCursor) int {
	if r := cmp.Compare(c.At, d.At); r != 0 {
		return r
	}
	return cmp.Compare(c.ID, d.ID)
}

// Before reports whether c is an earlier position than d.
func (c PurgeCursor) Before(d PurgeCursor) bool { return c.Compare(d) < 0 }

// StartCursor returns the position before every item.
func StartCursor() PurgeCursor { return PurgeCursor{At: -1 << 62, ID: 0} }

// DueItem is an item whose retention period has passed. Held items are
// reported (for counts and previews) but must not be purged.
type DueItem struct {
	ID   int64     `json:"id"`
	At   time.Time `json:"at"`
	Held bool      `json:"held,omitempty"`
}

// Cursor returns the keyset position just after it.
func (it DueItem) Cursor() PurgeCursor { return PurgeCursor{At: ms(it.At), ID: it.ID} }

// dueSQL is the shape of a target's due selection: the rows (from), the
// predicate (where, with arguments channel, organisation, cutoff), the
// item id and clock columns and the hold column. SelectDue, CountDue and
// PurgeDue all build on it, so a preview counts and lists exactly the rows
// a purge would pick.
type dueSQL struct {
	from, holdJoin, where, id, clock, held string
}

// rows is the FROM clause: the rows and, for forum posts, their topics.
func (s dueSQL) rows() string { return s.from + s.holdJoin }

func (tx *Tx) dueSQL(t PurgeTarget) (dueSQL, error) {
	switch {
	case t.Module == gallra.ModuleForum && !t.Delete:
		// SQLite's planner may otherwise pick (channel_id, created_at) indexes
		// that still hold done rows, making each batch rescan them.
		return dueSQL{from: `forum_posts p ` + tx.indexedBy("forum_posts_due_anonymize"), holdJoin: ` JOIN forum_topics t ON t.id = p.topic_id`,
			where: `p.channel_id = ? AND p.org_id = ? AND p.anonymized_at IS NULL AND p.removed = 0 AND p.created_at < ?`,
			id:    "p.id", clock: "p.created_at", held: "t.held_at"}, nil
	case t.Module == gallra.ModuleForum:
		return dueSQL{from: `forum_posts p ` + tx.indexedBy("forum_posts_due_delete"), holdJoin: ` JOIN forum_topics t ON t.id = p.topic_id`,
			where: `p.channel_id = ? AND p.org_id = ? AND p.removed = 0 AND p.created_at < ?`,
			id:    "p.id", clock: "p.created_at", held: "t.held_at"}, nil
	case t.Module == gallra.ModuleMail:
		return dueSQL{from: `mail_conversations`, where: `channel_id = ? AND org_id = ? AND last_message_at < ?`,
			id: "id", clock: "last_message_at", held: "held_at"}, nil
	case t.Module == gallra.ModuleChat:
		return dueSQL{from: `chat_conversations`, where: `channel_id = ? AND org_id = ? AND closed_at IS NOT NULL AND closed_at < ?`,
			id: "id", clock: "closed_at", held: "held_at"}, nil
	}
	return dueSQL{}, gallra.Errorf(gallra.EUNPROCESS, "%s channels are never purged", t.Module)
}

// HoldFilter narrows a due selection by legal hold.
type HoldFilter int

// gallra.Hold filters.
const (
	AnyHold  HoldFilter = iota // held and unheld items (held ones flagged)
	Unheld                     // only items not on hold
	HeldOnly                   // only items on hold
)

func (f HoldFilter) sql(held string) string {
	switch f {
	case Unheld:
		return ` AND ` + held + ` IS NULL`
	case HeldOnly:
		return ` AND ` + held + ` IS NOT NULL`
	}
	return ""
}

// SelectDue returns up to limit due items of the target after cursor, in
// clock order. Forum items are posts and comments; mail and chat items are
// whole conversations. Every query is backed by an index of 00002.
func (tx *Tx) SelectDue(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int) ([]DueItem, error) {
	return tx.SelectDueFiltered(ctx, t, after, limit, AnyHold)
}

// SelectDueFiltered is SelectDue with only the items f lets through.
func (tx *Tx) SelectDueFiltered(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int, f HoldFilter) ([]DueItem, error) {
	q, err := tx.dueQuery(t, "", f)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, q, t.ChannelID, t.OrgID, ms(t.Cutoff), after.At, after.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("select due items of channel %d: %w", t.ChannelID, err)
	}
	defer rows.Close()
	out := make([]DueItem, 0, min(limit, 1024))
	for rows.Next() {
		var it DueItem
		var at int64
		var held int
		if err := rows.Scan(&it.ID, &at, &held); err != nil {
			return nil, err
		}
		it.At, it.Held = fromMS(at), held == 1
		out = append(out, it)
	}
	return out, rows.Err()
}

// CountDue counts the target's due items whose clock is at or after from
// (the zero time: all), split into those not on hold and those on hold. It
// uses SelectDue's predicate in one COUNT, so it reads the index instead of
// walking the items.
func (tx *Tx) CountDue(ctx context.Context, t PurgeTarget, from time.Time) (unheld, held int64, err error) {
	s, err := tx.dueSQL(t)
	if err != nil {
		return 0, 0, err
	}
	fromMS := StartCursor().At
	if !from.IsZero() {
		fromMS = ms(from)
	}
	var all int64
	err = tx.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+s.held+` IS NULL THEN 0 ELSE 1 END), 0) FROM `+s.rows()+`
		WHERE `+s.where+` AND `+s.clock+` >= ?`, t.ChannelID, t.OrgID, ms(t.Cutoff), fromMS).Scan(&all, &held)
	if err != nil {
		return 0, 0, fmt.Errorf("count due items of channel %d: %w", t.ChannelID, err)
	}
	return all - held, held, nil
}

// CursorAt returns the keyset position just before every item whose clock is
// at or after at.
func CursorAt(at time.Time) PurgeCursor { return PurgeCursor{At: ms(at) - 1, ID: 1<<63 - 1} }

// dueQuery is SelectDue's query, with more columns (of forum_posts p) after
// the id, clock and held flag. Its arguments: channel, organisation,
// cutoff, cursor clock, cursor id, limit.
func (tx *Tx) dueQuery(t PurgeTarget, cols string, f HoldFilter) (string, error) {
	s, err := tx.dueSQL(t)
	if err != nil {
		return "", err
	}
	return dueQueryOf(s, t, cols, f)
}

// withoutHolds is a forum selection without the join to the topics, which
// is there only for their hold flag: for an organisation with no topic on
// hold. Every item reads as not held.
func (s dueSQL) withoutHolds() dueSQL {
	s.holdJoin, s.held = "", `NULL`
	return s
}

func dueQueryOf(s dueSQL, t PurgeTarget, cols string, f HoldFilter) (string, error) {
	if cols != "" && t.Module != gallra.ModuleForum {
		return "", gallra.Errorf(gallra.EUNPROCESS, "%s items have no post columns", t.Module)
	}
	return `SELECT ` + s.id + `, ` + s.clock + `, CASE WHEN ` + s.held + ` IS NULL THEN 0 ELSE 1 END` + cols + ` FROM ` + s.rows() + `
		WHERE ` + s.where + ` AND (` + s.clock + `, ` + s.id + `) > (?, ?)` + f.sql(s.held) + `
		ORDER BY ` + s.clock + `, ` + s.id + ` LIMIT ?`, nil
}

// PurgeBatch is what one PurgeDue call covered and did.
type PurgeBatch struct {
	PurgeCounts
	// Items is how many due items the batch covered: purged, or skipped
	// because they are on legal hold (Held of them).
	Items, Held int
	// Next is the position after the batch, to start the next one from.
	// More reports that the batch was full, so more due items may follow;
	// when it is false, Next may lie past every due item.
	Next PurgeCursor
	More bool
}

// PurgeDue purges, inside tx, the next due items of the target after
// cursor, up to limit of them in clock order (those on legal hold are
// skipped and counted), as SelectDue would list them and Apply would purge
// them. Forum anonymization is one UPDATE per batch on SQLite
// (anonymizeRange); on PostgreSQL it reads the posts' topic, person and
// body in the selecting query itself (anonymizeSelected).
func (tx *Tx) PurgeDue(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int, redact func(string) string) (PurgeBatch, error) {
	redact = orKeep(redact)
	if t.Module == gallra.ModuleForum && !t.Delete && tx.Dialect() == SQLite {
		return tx.anonymizeRange(ctx, t, after, limit, redact)
	}
	var b PurgeBatch
	if t.Module != gallra.ModuleForum || t.Delete {
		items, err := tx.SelectDue(ctx, t, after, limit)
		if err != nil || len(items) == 0 {
			return b, err
		}
		ids := make([]int64, 0, len(items))
		for _, it := range items {
			if !it.Held {
				ids = append(ids, it.ID)
			}
		}
		c, err := tx.Apply(ctx, t, ids, redact)
		markHeld(items, c.held)
		return batchOf(items, limit, c), err
	}
	sel, err := tx.selectForumDue(ctx, t, after, limit, redact)
	if err != nil {
		return b, err
	}
	return tx.purgeSelection(ctx, t, sel, redact)
}

// ForumSelection is the next batch of due forum posts of an anonymizing
// target, read with their topics, persons and bodies, and the bodies
// redacted: the reading half of PurgeDue on PostgreSQL. DB.ReadAhead makes
// one outside the batch's transaction, so a purge can read the next batch
// while it writes this one; Tx.PurgeSelection writes it.
type ForumSelection struct {
	channelID, cutoff int64
	limit             int
	holdEpoch         int64 // the organisation's topic hold counter when the hold flags were read
	lockTopics        bool  // write with the topics locked (the hold counter changed)
	items             []DueItem
	posts             []purgePost
}

// Len is the number of items selected (held ones included).
func (s *ForumSelection) Len() int { return len(s.items) }

// Through returns the selection without its items after end; one cut
// short is the last of its range (Next reports no more after it).
func (s *ForumSelection) Through(end PurgeCursor) *ForumSelection {
	n := len(s.items)
	for n > 0 && end.Before(s.items[n-1].Cursor()) {
		n--
	}
	if n == len(s.items) {
		return s
	}
	// posts are the unheld items, in the items' order.
	unheld := 0
	for _, it := range s.items[:n] {
		if !it.Held {
			unheld++
		}
	}
	c := *s
	c.items, c.posts, c.limit = s.items[:n], s.posts[:unheld], n+1
	return &c
}

// Next returns the position after the selection and whether it was full
// (more due items may follow), as the PurgeBatch that writes it will.
func (s *ForumSelection) Next() (PurgeCursor, bool) {
	b := batchOf(s.items, s.limit, PurgeCounts{})
	return b.Next, b.More
}

// CanReadAhead reports whether the target's batches can be read ahead with
// ReadAhead: forum anonymization on PostgreSQL. (On SQLite, whose one
// writer rewrites a batch in a single UPDATE without reading it into Go,
// there is nothing to read ahead.)
func (db *DB) CanReadAhead(t PurgeTarget) bool {
	return db.dialect == Postgres && t.Module == gallra.ModuleForum && !t.Delete
}

// ReadAhead reads, in a read-only transaction of its own, the batch
// PurgeDue(t, after, limit) would select, its bodies redacted by redact.
// Nothing is locked: PurgeSelection checks every row again as it writes.
func (db *DB) ReadAhead(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int, redact func(string) string) (*ForumSelection, error) {
	if !db.CanReadAhead(t) {
		return nil, fmt.Errorf("read ahead: channel %d: only forum anonymization on PostgreSQL is read ahead", t.ChannelID)
	}
	var sel *ForumSelection
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		sel, err = tx.selectForumDue(ctx, t, after, limit, redact)
		return err
	})
	return sel, err
}

// selectForumDue reads the next due posts of t after cursor (PostgreSQL).
func (tx *Tx) selectForumDue(ctx context.Context, t PurgeTarget, after PurgeCursor, limit int, redact func(string) string) (*ForumSelection, error) {
	redact = orKeep(redact)
	s, err := tx.dueSQL(t)
	if err != nil {
		return nil, err
	}
	// Bodies of held posts are not read: they are not changed. When no
	// topic of the organisation is on hold, the topics are not joined. The
	// hold counter read with that answer tells PurgeSelection whether a
	// hold changed since.
	epoch, anyHeld, err := tx.topicHolds(ctx, t.OrgID)
	if err != nil {
		return nil, err
	}
	cols := ", p.topic_id, p.person_id, CASE WHEN t.held_at IS NULL THEN p.body ELSE '' END, p.xmin::text"
	if !anyHeld {
		s, cols = s.withoutHolds(), ", p.topic_id, p.person_id, p.body, p.xmin::text"
	}
	q, err := dueQueryOf(s, t, cols, AnyHold)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, q, t.ChannelID, t.OrgID, ms(t.Cutoff), after.At, after.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("select due items of channel %d: %w", t.ChannelID, err)
	}
	defer rows.Close()
	sel := &ForumSelection{channelID: t.ChannelID, cutoff: ms(t.Cutoff), limit: limit, holdEpoch: epoch,
		items: make([]DueItem, 0, limit), posts: make([]purgePost, 0, limit)}
	for rows.Next() {
		var it DueItem
		var at int64
		var held int
		var p purgePost
		var person sql.NullInt64
		if err := rows.Scan(&it.ID, &at, &held, &p.topicID, &person, &p.body, &p.version); err != nil {
			return nil, err
		}
		it.At, it.Held = fromMS(at), held == 1
		sel.items = append(sel.items, it)
		if !it.Held {
			p.id, p.personID = it.ID, fromNullID(person)
			p.redacted = redact(p.body)
			sel.posts = append(sel.posts, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select due items of channel %d: %w", t.ChannelID, err)
	}
	return sel, nil
}

// PurgeSelection anonymizes, inside tx, the posts of a selection ReadAhead
// made for the same target (channel and cutoff), as PurgeDue would have:
// a row anonymized, removed or edited since it was read is checked again
// as it is written, and posts whose topic was put on hold since are
// skipped and counted as held. A selection made for another target is
// refused: a changed cutoff means another set of due posts.
func (tx *Tx) PurgeSelection(ctx context.Context, t PurgeTarget, sel *ForumSelection, redact func(string) string) (PurgeBatch, error) {
	if sel == nil || sel.channelID != t.ChannelID || sel.cutoff != ms(t.Cutoff) || t.Module != gallra.ModuleForum || t.Delete {
		return PurgeBatch{}, fmt.Errorf("purge selection: channel %d: the selection was made for another target", t.ChannelID)
	}
	redact = orKeep(redact)
	return tx.purgeSelection(ctx, t, sel, redact)
}

func (tx *Tx) purgeSelection(ctx context.Context, t PurgeTarget, sel *ForumSelection, redact func(string) string) (PurgeBatch, error) {
	if len(sel.items) == 0 {
		return PurgeBatch{}, nil
	}
	items := slices.Clone(sel.items)
	t.Hook.call(tx)
	// The selection read the hold flags without a lock. Last of all the
	// batch locks the organisation's topic hold counter (FOR SHARE, until
	// it commits; setting or releasing a topic hold updates the counter
	// first): if it is the one read with the flags, no hold changed in
	// between and the flags stand. If it changed, or a hold is being set
	// at that moment (NOWAIT: the batch never waits for a hold while it
	// holds its rows, nor keeps one waiting for longer than its commit),
	// the batch gives up (ErrHoldsChanged) and is tried again with its
	// topics locked, taking out posts whose topic was put on hold since
	// (they count as held). An organisation without a counter is always
	// purged with its topics locked.
	posts, heldNow := sel.posts, map[int64]bool(nil)
	locked := sel.lockTopics || sel.holdEpoch == noEpoch
	if locked {
		var err error
		if posts, heldNow, err = tx.keepUnheld(ctx, sel.posts); err != nil {
			return PurgeBatch{}, err
		}
	}
	markHeld(items, heldNow)
	c, err := tx.anonymizeSelected(ctx, t, posts, redact)
	if err != nil || locked {
		return batchOf(items, sel.limit, c), err
	}
	same, err := tx.topicHoldsUnchanged(ctx, t.OrgID, sel.holdEpoch)
	if err != nil {
		return PurgeBatch{}, err
	}
	if !same {
		return PurgeBatch{}, ErrHoldsChanged
	}
	return batchOf(items, sel.limit, c), nil
}

// anonymizeSelected anonymizes the live, unheld, due posts of a selection
// by the forum removal rule (anonymizePostsPG) and deletes or queues the
// persons it leaves without content.
func (tx *Tx) anonymizeSelected(ctx context.Context, t PurgeTarget, posts []purgePost, redact func(string) string) (PurgeCounts, error) {
	r, err := tx.anonymizePostsPG(ctx, forumRule{orgID: t.OrgID}, posts, redact)
	c := PurgeCounts{Anonymized: r.Anonymized}
	if err != nil || len(r.persons) == 0 {
		return c, err
	}
	c.PersonsDeleted, c.Queued, err = tx.dropPersons(ctx, t, keys(r.persons))
	return c, err
}

// ErrHoldsChanged is returned by PurgeSelection and PurgeDue when a topic
// hold of the organisation was set or released while the batch was being
// written; the transaction must be rolled back and the batch tried again
// (with the selection's WithTopicLocks).
var ErrHoldsChanged = errors.New("purge batch: a topic hold changed while the batch was written")

// WithTopicLocks returns the selection to be written with its topics
// locked against holds (after ErrHoldsChanged).
func (s *ForumSelection) WithTopicLocks() *ForumSelection {
	c := *s
	c.lockTopics = true
	return &c
}

// batchOf sums up a batch of selected items.
func batchOf(items []DueItem, limit int, c PurgeCounts) PurgeBatch {
	b := PurgeBatch{PurgeCounts: c, Items: len(items), More: len(items) == limit}
	for _, it := range items {
		if it.Held {
			b.Held++
		}
	}
	if len(items) > 0 {
		b.Next = items[len(items)-1].Cursor()
	}
	return b
}

// markHeld flags the items found on hold when their topic was locked.
func markHeld(items []DueItem, held map[int64]bool) {
	if len(held) == 0 {
		return
	}
	for i := range items {
		if held[items[i].ID] {
			items[i].Held = true
		}
	}
}

// TxHook observes, or injects a fault into, a purge transaction at a
// fixed point (tests; PurgeTarget.Hook, DrainPersonQueue). It must not
// keep tx after it returns.
type TxHook func(tx *Tx)

// call calls the hook, if any.
func (h TxHook) call(tx *Tx) {
	if h != nil {
		h(tx)
	}
}

// keepUnheld locks the topics of the posts and returns the posts whose topic
// is not on legal hold, and the ids of those whose topic is (posts whose
// topic is gone are in neither). On PostgreSQL
// the topic rows are locked FOR SHARE: a hold being set on one of them
// (SetHold updates the row, which conflicts) is waited for and then seen
// (READ COMMITTED re-checks the row), and a hold set after the lock waits
// until the batch commits, so the decision and the change cannot interleave
// with a hold. SQLite has a single writer: nothing interleaves.
func (tx *Tx) keepUnheld(ctx context.Context, posts []purgePost) ([]purgePost, map[int64]bool, error) {
	if len(posts) == 0 {
		return posts, nil, nil
	}
	topics := map[int64]bool{}
	for _, p := range posts {
		topics[p.topicID] = true
	}
	ids := keys(topics)
	slices.Sort(ids) // one lock order: no deadlock between lockers
	in, arg := tx.idIn("id", ids)
	// Every topic is locked, held or not, so the flag read is the one the
	// batch acts on. A topic not found was deleted since the posts were
	// read (with its posts): they are neither purged nor counted as held.
	q := `SELECT id, CASE WHEN held_at IS NULL THEN 0 ELSE 1 END FROM forum_topics ` + tx.byID() + ` WHERE ` + in + ` ORDER BY id`
	if tx.Dialect() == Postgres {
		q += ` FOR SHARE`
	}
	rows, err := tx.query(ctx, q, arg)
	if err != nil {
		return nil, nil, fmt.Errorf("lock topics: %w", err)
	}
	onHold := make(map[int64]bool, len(ids))
	for rows.Next() {
		var id int64
		var h int
		if err := rows.Scan(&id, &h); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("lock topics: %w", err)
		}
		onHold[id] = h == 1
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("lock topics: %w", err)
	}
	held := map[int64]bool{}
	kept := posts[:0:0]
	for _, p := range posts {
		h, found := onHold[p.topicID]
		switch {
		case !found: // gone with its topic
		case h:
			held[p.id] = true
		default:
			kept = append(kept, p)
		}
	}
	return kept, held, nil
}

// indexedBy pins an index on SQLite (PostgreSQL plans by statistics).
func (tx *Tx) indexedBy(index string) string {
	if tx.Dialect() == SQLite {
		return "INDEXED BY " + index
	}
	return ""
}

// byID makes SQLite look rows up by their primary key: a statement that
// picks rows by "id IN (…)" plus a channel or organisation filter would
// otherwise be planned, for long id lists, as a range scan of the channel's
// (or organisation's) index, whose cost grows with the table.
func (tx *Tx) byID() string {
	if tx.Dialect() == SQLite {
		return "NOT INDEXED"
	}
	return ""
}

// AsyncCommit lets a purge batch commit without waiting for its WAL flush
// on PostgreSQL (SQLite in WAL mode with synchronous=NORMAL already does not
// sync on commit). A crash may then lose the last batches committed just
// before it, whole and with their run counts, which is the same as the run
// having been interrupted before them: the next run purges those items. The
// run's final record is committed synchronously, which flushes every batch
// before it, so a run recorded as done is durable.
func (tx *Tx) AsyncCommit(ctx context.Context) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SET LOCAL synchronous_commit = off`)
	return err
}

// PurgeCounts is what one apply call did.
type PurgeCounts struct {
	Anonymized     int64
	Deleted        int64
	PersonsDeleted int64
	// Queued lists the persons queued (PurgeTarget.DeferPersons) that
	// PurgeTarget.Queued did not hold; the run adds them to it once the
	// transaction commits.
	Queued []int64
	held   map[int64]bool // forum posts found on hold under the topic lock
}

// Apply purges the given due, unheld items of the target inside tx: forum
// posts deleted, mail and chat conversations deleted whole (forum
// anonymization is done by PurgeDue, which selects the rows itself).
// Items that are no longer due (held meanwhile, already done, new activity)
// are left alone, so applying twice is harmless. redact rewrites free text
// when anonymizing (nil keeps it).
func (tx *Tx) Apply(ctx context.Context, t PurgeTarget, ids []int64, redact func(string) string) (PurgeCounts, error) {
	if len(ids) == 0 {
		return PurgeCounts{}, nil
	}
	redact = orKeep(redact)
	switch {
	case t.Module == gallra.ModuleForum && !t.Delete:
		return PurgeCounts{}, gallra.Errorf(gallra.EUNPROCESS, "forum anonymization is done by PurgeDue")
	case t.Module == gallra.ModuleForum:
		return tx.deletePosts(ctx, t, ids)
	case t.Module == gallra.ModuleMail:
		return tx.deleteConversations(ctx, t, ids, mailPurge)
	case t.Module == gallra.ModuleChat:
		return tx.deleteConversations(ctx, t, ids, chatPurge)
	}
	return PurgeCounts{}, gallra.Errorf(gallra.EUNPROCESS, "%s channels are never purged", t.Module)
}

// inList returns "?, ?, …" for n values and the values as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// idIn returns "col IN <the ids>" with the ids as one argument (a JSON array
// on SQLite, a bigint[] on PostgreSQL): the statement text stays the same
// whatever the number of ids, so it is cheap to prepare and bind.
func (tx *Tx) idIn(col string, ids []int64) (string, any) {
	if tx.Dialect() == Postgres {
		return col + ` = ANY(CAST(? AS bigint[]))`, ids
	}
	b := make([]byte, 0, 2+9*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return col + ` IN (SELECT value FROM json_each(?))`, string(append(b, ']'))
}

// idRows returns a subquery of the ids as rows of one column, id, and its
// one argument.
func (tx *Tx) idRows(ids []int64) (string, any) {
	if tx.Dialect() == Postgres {
		return `(SELECT unnest(CAST(? AS bigint[])) AS id)`, ids
	}
	_, arg := tx.idIn("", ids)
	return `(SELECT value AS id FROM json_each(?))`, arg
}

func queryIDs(ctx context.Context, tx *Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

type purgePost struct {
	id, topicID int64
	parentID    *int64
	personID    *int64
	kind        string
	body        string
	redacted    string // body as the redactor leaves it (forum anonymization on PostgreSQL)
	version     string // the row version read (PostgreSQL xmin)
}

// livePosts loads the posts among ids that are still live and due and
// whose topic is not on hold (its topic locked: keepUnheld).
func (tx *Tx) livePosts(ctx context.Context, t PurgeTarget, ids []int64) ([]purgePost, map[int64]bool, error) {
	in, arg := tx.idIn("p.id", ids)
	q := `SELECT p.id, p.topic_id, p.parent_id, p.person_id, p.kind, p.body FROM forum_posts p ` + tx.byID() + `
		WHERE ` + in + ` AND p.org_id = ? AND p.channel_id = ? AND p.removed = 0 AND p.created_at < ?`
	rows, err := tx.query(ctx, q+` ORDER BY p.id`, arg, t.OrgID, t.ChannelID, ms(t.Cutoff))
	if err != nil {
		return nil, nil, fmt.Errorf("load posts to purge: %w", err)
	}
	defer rows.Close()
	var out []purgePost
	for rows.Next() {
		var p purgePost
		var parent, person sql.NullInt64
		if err := rows.Scan(&p.id, &p.topicID, &parent, &person, &p.kind, &p.body); err != nil {
			return nil, nil, err
		}
		p.parentID, p.personID = fromNullID(parent), fromNullID(person)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	t.Hook.call(tx)
	return tx.keepUnheld(ctx, out)
}

// topicFirstPosts returns, for each topic, its title, person and the id of
// its first post (the question).
type topicHead struct {
	title     string
	personID  *int64
	firstPost int64
}

func (tx *Tx) topicHeads(ctx context.Context, topicIDs []int64) (map[int64]topicHead, error) {
	in, arg := tx.idIn("t.id", topicIDs)
	rows, err := tx.query(ctx, `SELECT t.id, t.title, t.person_id,
		COALESCE((SELECT p.id FROM forum_posts p WHERE p.topic_id = t.id ORDER BY p.created_at, p.id LIMIT 1), 0)
		FROM forum_topics t `+tx.byID()+` WHERE `+in, arg)
	if err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	defer rows.Close()
	out := map[int64]topicHead{}
	for rows.Next() {
		var id int64
		var h topicHead
		var person sql.NullInt64
		if err := rows.Scan(&id, &h.title, &person, &h.firstPost); err != nil {
			return nil, err
		}
		h.personID = fromNullID(person)
		out[id] = h
	}
	return out, rows.Err()
}

// setTexts sets one text column of many rows in one statement.
func (tx *Tx) setTexts(ctx context.Context, table, col string, vals map[int64]string) error {
	if len(vals) == 0 {
		return nil
	}
	if tx.Dialect() == Postgres {
		// Two array parameters: constant text, joined by id (a CASE over
		// hundreds of parameters is planned anew and evaluated per row).
		ids := make([]int64, 0, len(vals))
		texts := make([]string, 0, len(vals))
		for id, v := range vals {
			ids = append(ids, id)
			texts = append(texts, v)
		}
		_, err := tx.exec(ctx, `UPDATE `+table+` SET `+col+` = v.val
			FROM (SELECT unnest(CAST(? AS bigint[])) AS id, unnest(CAST(? AS text[])) AS val) v WHERE `+table+`.id = v.id`, ids, texts)
		return err
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(vals))
	b.WriteString(`UPDATE ` + table + ` SET ` + col + ` = CASE id`)
	ids := make([]any, 0, len(vals))
	for id, v := range vals {
		b.WriteString(` WHEN ? THEN ?`)
		args = append(args, id, v)
		ids = append(ids, id)
	}
	b.WriteString(` END WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `)`)
	_, err := tx.exec(ctx, b.String(), append(args, ids...)...)
	return err
}

func keys2(m map[int64]topicHead) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// deletePosts deletes the due posts among ids by the forum removal rule
// (deleteForumPosts), after checking each is still live, due and not on
// hold, and deletes or queues the persons it leaves without content.
func (tx *Tx) deletePosts(ctx context.Context, t PurgeTarget, ids []int64) (PurgeCounts, error) {
	posts, held, err := tx.livePosts(ctx, t, ids)
	c := PurgeCounts{held: held}
	if err != nil || len(posts) == 0 {
		return c, err
	}
	r, err := tx.deleteForumPosts(ctx, forumRule{orgID: t.OrgID}, posts)
	if err != nil {
		return c, err
	}
	// Placeholders count as deleted: their content is.
	c.Deleted = r.Deleted + r.Placeholders
	c.PersonsDeleted, c.Queued, err = tx.dropPersons(ctx, t, keys(r.persons))
	return c, err
}

// convPurge holds the per-module SQL of deleting whole conversations.
type convPurge struct {
	table, subject, clock string
	// foldConvs folds the conversations (and chat seconds) by day.
	foldConvs string
	// foldMsgs folds their messages by day.
	foldMsgs string
	// persons lists the persons linked to the conversations.
	persons string
	// deletes run in order, each with the id list.
	deletes []string
}

var mailPurge = convPurge{
	table: "mail_conversations", subject: "mail_conversation", clock: "last_message_at",
	foldConvs: `INSERT INTO channel_daily_stats (org_id, channel_id, day, conversations)
		SELECT org_id, channel_id, created_at - created_at % 86400000, COUNT(*) FROM mail_conversations WHERE id IN ({ids}) GROUP BY org_id, channel_id, created_at - created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET conversations = channel_daily_stats.conversations + excluded.conversations`,
	foldMsgs: `INSERT INTO channel_daily_stats (org_id, channel_id, day, messages)
		SELECT org_id, channel_id, created_at - created_at % 86400000, COUNT(*) FROM mail_messages WHERE conversation_id IN ({ids}) GROUP BY org_id, channel_id, created_at - created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET messages = channel_daily_stats.messages + excluded.messages`,
	persons: `SELECT person_id FROM mail_participants WHERE conversation_id IN ({ids})
		UNION SELECT person_id FROM mail_messages WHERE conversation_id IN ({ids}) AND person_id IS NOT NULL`,
	deletes: []string{
		`DELETE FROM mail_outbox WHERE conversation_id IN ({ids})`,
		`DELETE FROM mail_attachments WHERE message_id IN (SELECT id FROM mail_messages WHERE conversation_id IN ({ids}))`,
		`DELETE FROM mail_messages WHERE conversation_id IN ({ids})`,
		`DELETE FROM mail_participants WHERE conversation_id IN ({ids})`,
		`DELETE FROM conversation_notes WHERE subject_type = 'mail_conversation' AND subject_id IN ({ids})`,
		`DELETE FROM mail_conversations WHERE id IN ({ids})`,
	},
}

var chatPurge = convPurge{
	table: "chat_conversations", subject: "chat_conversation", clock: "closed_at",
	foldConvs: `INSERT INTO channel_daily_stats (org_id, channel_id, day, conversations, chat_seconds)
		SELECT org_id, channel_id, opened_at - opened_at % 86400000, COUNT(*), COALESCE(SUM((closed_at - opened_at) / 1000), 0) FROM chat_conversations WHERE id IN ({ids})
		GROUP BY org_id, channel_id, opened_at - opened_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET conversations = channel_daily_stats.conversations + excluded.conversations,
			chat_seconds = channel_daily_stats.chat_seconds + excluded.chat_seconds`,
	foldMsgs: `INSERT INTO channel_daily_stats (org_id, channel_id, day, messages)
		SELECT c.org_id, c.channel_id, m.created_at - m.created_at % 86400000, COUNT(*) FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
		WHERE m.conversation_id IN ({ids}) GROUP BY c.org_id, c.channel_id, m.created_at - m.created_at % 86400000
		ON CONFLICT (channel_id, day) DO UPDATE SET messages = channel_daily_stats.messages + excluded.messages`,
	persons: `SELECT person_id FROM chat_conversations WHERE id IN ({ids}) AND person_id IS NOT NULL`,
	deletes: []string{
		`DELETE FROM chat_messages WHERE conversation_id IN ({ids})`,
		`DELETE FROM chat_conversations WHERE id IN ({ids})`,
	},
}

// deleteConversations deletes whole mail or chat conversations with their
// messages, attachments, participant links and custom fields, after folding
// them into the daily statistics (same transaction: exactly once).
func (tx *Tx) deleteConversations(ctx context.Context, t PurgeTarget, ids []int64, p convPurge) (PurgeCounts, error) {
	var c PurgeCounts
	in, args := inList(ids)
	q := `SELECT id FROM ` + p.table + ` ` + tx.byID() + ` WHERE id IN (` + in + `) AND org_id = ? AND channel_id = ? AND held_at IS NULL AND ` + p.clock + ` < ?`
	if tx.Dialect() == Postgres {
		q += ` FOR UPDATE` // a hold or a new message meanwhile waits for us
	}
	live, err := queryIDs(ctx, tx, q, append(args, t.OrgID, t.ChannelID, ms(t.Cutoff))...)
	if err != nil || len(live) == 0 {
		return c, err
	}
	in, args = inList(live)
	persons, err := queryIDs(ctx, tx, withIDs(p.persons, in), repeatArgs(p.persons, args)...)
	if err != nil {
		return c, fmt.Errorf("find persons: %w", err)
	}
	if err := tx.foldConversations(ctx, p, live); err != nil {
		return c, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND subject_type = ? AND subject_id IN (`+in+`)`,
		append([]any{t.OrgID, p.subject}, args...)...); err != nil {
		return c, fmt.Errorf("delete %s fields: %w", p.subject, err)
	}
	for _, d := range p.deletes {
		if _, err := tx.exec(ctx, withIDs(d, in), args...); err != nil {
			return c, fmt.Errorf("delete %s: %w", p.subject, err)
		}
	}
	c.Deleted = int64(len(live))
	c.PersonsDeleted, c.Queued, err = tx.dropPersons(ctx, t, persons)
	return c, err
}

// DeleteUnusedPersons deletes those of the persons that no content,
// participation or conversation field refers to any more (with their own
// custom fields) and returns how many it deleted. It is the batched form of
// DeletePersonIfUnused, with the same rule.
func (tx *Tx) DeleteUnusedPersons(ctx context.Context, orgID int64, ids []int64) (int64, error) {
	gone, err := tx.deleteUnusedPersons(ctx, orgID, ids, nil)
	return int64(len(gone)), err
}

// dropPersons deletes the unused ones of the persons now or, with
// t.DeferPersons, queues those not in t.Queued for DrainPersonQueue and
// returns them.
func (tx *Tx) dropPersons(ctx context.Context, t PurgeTarget, ids []int64) (deleted int64, queued []int64, err error) {
	if !t.DeferPersons {
		gone, err := tx.deleteUnusedPersons(ctx, t.OrgID, ids, t.Hook)
		return int64(len(gone)), nil, err
	}
	for _, id := range ids {
		if t.Queued == nil || !t.Queued(id) {
			queued = append(queued, id)
		}
	}
	if len(queued) == 0 {
		return 0, nil, nil
	}
	// In ascending order: batch transactions running side by side that
	// queue some of the same persons then wait for each other's key in one
	// order, never in a cycle.
	slices.Sort(queued)
	// "WHERE true": SQLite needs it to parse an upsert from a SELECT.
	list, arg := tx.idRows(queued)
	if _, err := tx.exec(ctx, `INSERT INTO purge_person_queue (person_id, org_id, channel_id) SELECT id, ?, ? FROM `+list+` q WHERE true
		ON CONFLICT (person_id) DO NOTHING`, t.OrgID, t.ChannelID, arg); err != nil {
		return 0, nil, fmt.Errorf("queue persons: %w", err)
	}
	return 0, queued, nil
}

// PersonsDrained is what one DrainPersonQueue call deleted for a channel.
type PersonsDrained struct {
	OrgID, ChannelID int64
	Deleted          int64
}

// DrainPersonQueue takes up to limit queued persons off the queue and
// deletes those no content refers to any more (DeleteUnusedPersons' rule),
// inside tx. With skipTaken (PostgreSQL, drains side by side) it passes
// over queue rows other transactions have taken; without, it waits for
// them. It returns how many it took (0: the queue is empty, or all of it
// taken) and the deletions by the channel that queued them. hook, when
// set (tests), is called where PurgeTarget.Hook is in a person step.
func (tx *Tx) DrainPersonQueue(ctx context.Context, limit int, skipTaken bool, hook TxHook) (int, []PersonsDrained, error) {
	q := `DELETE FROM purge_person_queue WHERE person_id IN (SELECT person_id FROM purge_person_queue ORDER BY person_id LIMIT ?)
		RETURNING person_id, org_id, channel_id`
	if tx.Dialect() == Postgres {
		// ANY(ARRAY(…)): the ids are picked once, by the primary key, and
		// the rows deleted by it (an IN would be planned as a hash join
		// over the whole queue once the limit is large).
		lock := ` FOR UPDATE`
		if skipTaken {
			lock += ` SKIP LOCKED`
		}
		q = `DELETE FROM purge_person_queue WHERE person_id = ANY(ARRAY(SELECT person_id FROM purge_person_queue ORDER BY person_id LIMIT ?` + lock + `))
		RETURNING person_id, org_id, channel_id`
	}
	rows, err := tx.query(ctx, q, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("take from person queue: %w", err)
	}
	byOrg := map[int64][]int64{}
	channel := map[int64]int64{}
	n := 0
	for rows.Next() {
		var id, org, ch int64
		if err := rows.Scan(&id, &org, &ch); err != nil {
			rows.Close()
			return 0, nil, err
		}
		byOrg[org] = append(byOrg[org], id)
		channel[id] = ch
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return 0, nil, err
	}
	counts := map[[2]int64]int64{}
	for org, ids := range byOrg {
		gone, err := tx.deleteUnusedPersons(ctx, org, ids, hook)
		if err != nil {
			return 0, nil, err
		}
		for _, id := range gone {
			counts[[2]int64{org, channel[id]}]++
		}
	}
	out := make([]PersonsDrained, 0, len(counts))
	for k, n := range counts {
		out = append(out, PersonsDrained{OrgID: k[0], ChannelID: k[1], Deleted: n})
	}
	slices.SortFunc(out, func(a, b PersonsDrained) int { return cmp.Compare(a.ChannelID, b.ChannelID) })
	return n, out, nil
}

func (tx *Tx) deleteUnusedPersons(ctx context.Context, orgID int64, ids []int64, hook TxHook) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if tx.Dialect() == Postgres {
		return tx.deleteUnusedPersonsPG(ctx, orgID, ids, hook)
	}
	in, arg := tx.idIn("p.id", ids)
	unused, err := queryIDs(ctx, tx, `SELECT p.id FROM persons p `+tx.byID()+` WHERE `+in+` AND p.org_id = ?
		AND `+unusedPersonSQL("p.id", ""), arg, orgID)
	if err != nil {
		return nil, fmt.Errorf("find unused persons: %w", err)
	}
	if len(unused) == 0 {
		return nil, nil
	}
	// The persons' own fields go first (they refer to the person). By
	// person, not the organisation's person-field index, whose range is
	// every person field of the organisation; and only when the
	// organisation has person fields at all.
	fields, err := tx.hasPersonFields(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if fields {
		in, arg = tx.idIn("person_id", unused)
		if _, err := tx.exec(ctx, `DELETE FROM custom_fields `+tx.indexedBy("custom_fields_person")+` WHERE org_id = ? AND subject_type = 'person' AND `+in, orgID, arg); err != nil {
			return nil, fmt.Errorf("delete person fields: %w", err)
		}
	}
	in, arg = tx.idIn("id", unused)
	if _, err := tx.exec(ctx, `DELETE FROM persons WHERE `+in, arg); err != nil {
		return nil, fmt.Errorf("delete persons: %w", err)
	}
	return unused, nil
}

// unusedPersonPG is deleteUnusedPersons' rule for the person row p on
// PostgreSQL. Each NOT EXISTS carries OFFSET 0, which keeps the planner from
// turning it into an anti-join: a join may hash a whole content table, while
// a sub-plan is one index probe per candidate, whatever the number of
// candidates or the table statistics.
func unusedPersonPG() string { return `p.org_id = ? AND ` + unusedPersonSQL("p.id", " OFFSET 0") }

// deleteUnusedPersonsPG is deleteUnusedPersons on PostgreSQL: the rule is
// checked by the DELETE itself, which returns the persons it removed, so
// each candidate's content is probed once rather than once to pick it and
// again to delete it. Custom fields on the person go first, from the same
// rule, when the organisation has such fields at all.
func (tx *Tx) deleteUnusedPersonsPG(ctx context.Context, orgID int64, ids []int64, hook TxHook) ([]int64, error) {
	fields, err := tx.hasPersonFields(ctx, orgID)
	if err != nil {
		return nil, err
	}
	// A person whose fields went is deleted by id, not by the rule again:
	// if content came to refer to them in between (another connection
	// committed it), the foreign key refuses and the transaction rolls
	// back, fields included, rather than keeping the person without them.
	fieldsOf := []int64{}
	if fields {
		fieldsOf, err = queryIDs(ctx, tx, `DELETE FROM custom_fields f USING persons p
			WHERE f.org_id = ? AND f.subject_type = 'person' AND f.person_id = p.id
			AND p.id = ANY(CAST(? AS bigint[])) AND `+unusedPersonPG()+`
			RETURNING f.person_id`, orgID, ids, orgID)
		if err != nil {
			return nil, fmt.Errorf("delete person fields: %w", err)
		}
		if len(fieldsOf) > 0 {
			hook.call(tx)
		}
	}
	gone, err := queryIDs(ctx, tx, `DELETE FROM persons p WHERE p.id = ANY(CAST(? AS bigint[]))
		AND (p.id = ANY(CAST(? AS bigint[])) OR `+unusedPersonPG()+`)
		RETURNING p.id`, ids, fieldsOf, orgID)
	if err != nil {
		return nil, fmt.Errorf("delete unused persons: %w", err)
	}
	return gone, nil
}

// orKeep is redact, or for nil a redactor that keeps the text.
func orKeep(redact func(string) string) func(string) string {
	if redact == nil {
		return func(s string) string { return s }
	}
	return redact
}

// anyTopicHeldSQL is true when a forum topic of the organisation (the
// argument) is on legal hold.
const anyTopicHeldSQL = `EXISTS (SELECT 1 FROM forum_topics WHERE org_id = ? AND held_at IS NOT NULL)`

// anyTopicHeld reports whether a forum topic of the organisation is on
// legal hold (usually none: then a batch need not look per post).
func (tx *Tx) anyTopicHeld(ctx context.Context, orgID int64) (bool, error) {
	var held bool
	if err := tx.queryRow(ctx, `SELECT `+anyTopicHeldSQL, orgID).Scan(&held); err != nil {
		return false, fmt.Errorf("look for held topics: %w", err)
	}
	return held, nil
}

// indexJoinsOnly turns hash and merge joins off in tx until the returned
// function puts back the settings they had (PostgreSQL; SQLite has no such
// settings and is left as it is).
func (tx *Tx) indexJoinsOnly(ctx context.Context) (restore func() error, err error) {
	if tx.Dialect() != Postgres {
		return func() error { return nil }, nil
	}
	var hash, merge string
	err = tx.queryRow(ctx, `WITH prev AS MATERIALIZED (SELECT current_setting('enable_hashjoin') AS h, current_setting('enable_mergejoin') AS m)
		SELECT h, m, set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true) FROM prev`).Scan(&hash, &merge, new(string), new(string))
	if err != nil {
		return nil, fmt.Errorf("turn off hash and merge joins: %w", err)
	}
	return func() error {
		if _, err := tx.exec(ctx, `SELECT set_config('enable_hashjoin', ?, true), set_config('enable_mergejoin', ?, true)`, hash, merge); err != nil {
			return fmt.Errorf("restore hash and merge joins: %w", err)
		}
		return nil
	}, nil
}

// noEpoch is the topic hold counter of an organisation without one: it
// never matches, so its batches lock their topics.
const noEpoch = -1

// topicHolds returns the organisation's topic hold counter (noEpoch if it
// has none) and whether a forum topic of it is on legal hold, read at one
// instant.
func (tx *Tx) topicHolds(ctx context.Context, orgID int64) (epoch int64, anyHeld bool, err error) {
	err = tx.queryRow(ctx, `SELECT COALESCE((SELECT epoch FROM topic_hold_epochs WHERE org_id = ?), ?), `+anyTopicHeldSQL,
		orgID, noEpoch, orgID).Scan(&epoch, &anyHeld)
	if err != nil {
		return 0, false, fmt.Errorf("read topic holds of organisation %d: %w", orgID, err)
	}
	return epoch, anyHeld, nil
}

// topicHoldsUnchanged locks the organisation's topic hold counter until the
// transaction ends (PostgreSQL: FOR SHARE NOWAIT) and reports whether it is
// still epoch. A counter being changed by a hold at that moment (locked),
// or an organisation without a counter, reports false.
func (tx *Tx) topicHoldsUnchanged(ctx context.Context, orgID, epoch int64) (bool, error) {
	q := `SELECT epoch FROM topic_hold_epochs WHERE org_id = ?`
	if tx.Dialect() == Postgres {
		q += ` FOR SHARE NOWAIT`
	}
	var now int64
	switch err := tx.queryRow(ctx, q, orgID).Scan(&now); {
	case errors.Is(err, sql.ErrNoRows), isLockNotAvailable(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("lock topic holds of organisation %d: %w", orgID, err)
	}
	return now == epoch, nil
}

// hasPersonFields reports whether the organisation has custom fields on
// persons at all (usually not: then the person pass need not delete any).
func (tx *Tx) hasPersonFields(ctx context.Context, orgID int64) (bool, error) {
	var fields bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_fields WHERE org_id = ? AND subject_type = 'person')`, orgID).Scan(&fields); err != nil {
		return false, fmt.Errorf("look for person fields: %w", err)
	}
	return fields, nil
}

// withIDs puts an id placeholder list into a query template.
func withIDs(q, in string) string { return strings.ReplaceAll(q, "{ids}", in) }

// repeatArgs repeats the id arguments once per {ids} in the template.
func repeatArgs(q string, args []any) []any {
	var out []any
	for range strings.Count(q, "{ids}") {
		out = append(out, args...)
	}
	return out
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
