package takeout

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
)

// subject is the data subject of a request as found in the database, with
// the request's channels grouped by module.
type subject struct {
	personID int64 // 0 when no person has the address
	person   *gallra.Person
	channels []gallra.Channel
	byModule map[gallra.Module][]int64
}

// in returns "(?, ?, …)" for n values and the values as arguments.
func in(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// loadSubject finds the person by the request's normalised e-mail (through
// the persons_org_email index) and the request's channels.
func loadSubject(ctx context.Context, tx *store.Tx, r *store.SubjectRequest) (*subject, error) {
	sub := &subject{byModule: map[gallra.Module][]int64{}}
	if len(r.ChannelIDs) > 0 {
		list, args := in(r.ChannelIDs)
		rows, err := tx.Query(ctx, `SELECT id, module, name FROM channels WHERE org_id = ? AND id IN `+list+` ORDER BY id`, append([]any{r.OrgID}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c gallra.Channel
			var m string
			if err := rows.Scan(&c.ID, &m, &c.Name); err != nil {
				rows.Close()
				return nil, err
			}
			c.OrgID, c.Module = r.OrgID, gallra.Module(m)
			sub.channels = append(sub.channels, c)
			sub.byModule[c.Module] = append(sub.byModule[c.Module], c.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if r.Email == "" {
		return sub, nil // reduced to the hash: the person can no longer be looked up
	}
	p, err := tx.FindPerson(ctx, r.OrgID, r.Email)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return sub, nil
	} else if err != nil {
		return nil, err
	}
	sub.person, sub.personID = p, p.ID
	return sub, nil
}

// Found is what a person has in a request's scope, counted through the
// person_id indexes.
type Found struct {
	PersonID       int64 `json:"person_id,omitempty"`
	ForumPosts     int64 `json:"forum_posts"`
	MailMessages   int64 `json:"mail_messages"`
	ChatChats      int64 `json:"chat_conversations"`
	SocialItems    int64 `json:"social_items"`
	CustomFields   int64 `json:"custom_fields"`
	MailThreadsIn  int64 `json:"mail_conversations"`
	ChatMessagesIn int64 `json:"chat_messages"`
}

// Total is the number of items found.
func (f Found) Total() int64 {
	return f.ForumPosts + f.MailMessages + f.ChatMessagesIn + f.SocialItems + f.CustomFields
}

func (s *Service) find(ctx context.Context, r *store.SubjectRequest) (Found, error) {
	var f Found
	err := s.db.View(ctx, func(tx *store.Tx) error {
		sub, err := loadSubject(ctx, tx, r)
		if err != nil {
			return err
		}
		f, err = countSubject(ctx, tx, r.OrgID, sub)
		return err
	})
	return f, err
}

// Find counts what the person with email has in the given channels (all
// channels of the organisation's request modules when channelIDs is empty).
// It is the lookup step of every request, exposed for the benchmark and for
// previews.
func (s *Service) Find(ctx context.Context, orgID int64, email string, channelIDs []int64) (Found, error) {
	r := &store.SubjectRequest{OrgID: orgID, Email: gallra.NormalizeEmail(email), ChannelIDs: channelIDs}
	if len(channelIDs) == 0 {
		err := s.db.View(ctx, func(tx *store.Tx) error {
			for _, m := range RequestModules() {
				cs, err := tx.ListChannels(ctx, orgID, m)
				if err != nil {
					return err
				}
				for _, c := range cs {
					r.ChannelIDs = append(r.ChannelIDs, c.ID)
				}
			}
			return nil
		})
		if err != nil {
			return Found{}, err
		}
	}
	return s.find(ctx, r)
}

func countSubject(ctx context.Context, tx *store.Tx, orgID int64, sub *subject) (Found, error) {
	f := Found{PersonID: sub.personID}
	if sub.personID == 0 {
		return f, nil
	}
	pid := sub.personID
	count := func(dst *int64, q string, ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		list, args := in(ids)
		return tx.QueryRow(ctx, strings.ReplaceAll(q, "(…)", list), append([]any{pid, orgID}, args...)...).Scan(dst)
	}
	checks := []struct {
		dst *int64
		q   string
		ids []int64
	}{
		{&f.ForumPosts, `SELECT COUNT(*) FROM forum_posts WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`, sub.byModule[gallra.ModuleForum]},
		{&f.MailMessages, `SELECT COUNT(*) FROM mail_messages WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`, sub.byModule[gallra.ModuleMail]},
		{&f.MailThreadsIn, `SELECT COUNT(*) FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id
			WHERE mp.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…)`, sub.byModule[gallra.ModuleMail]},
		{&f.ChatChats, `SELECT COUNT(*) FROM chat_conversations WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`, sub.byModule[gallra.ModuleChat]},
		{&f.ChatMessagesIn, `SELECT COUNT(*) FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
			WHERE c.person_id = ? AND +c.org_id = ? AND +c.channel_id IN (…)`, sub.byModule[gallra.ModuleChat]},
		{&f.SocialItems, `SELECT COUNT(*) FROM social_items WHERE person_id = ? AND +org_id = ? AND +channel_id IN (…)`, sub.byModule[gallra.ModuleSocial]},
	}
	for _, c := range checks {
		if err := count(c.dst, c.q, c.ids); err != nil {
			return f, err
		}
	}
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM custom_fields WHERE person_id = ? AND +org_id = ?`, pid, orgID).Scan(&f.CustomFields)
	return f, err
}

// mentionKeySet is what the mention search needs, recorded when processing
// starts (before an erasure removes the person): the person id (to skip the
// person's own items) and keyed hashes (audit.KeyedHash with the
// organisation's key) of the E.164 phone numbers in the person's custom
// fields. The address itself is matched through the request's email_hash,
// so the search works after the clear address has been dropped.
type mentionKeySet struct {
	PersonID int64    `json:"person_id,omitempty"`
	Phones   []string `json:"phones,omitempty"`
}

func phoneKey(key []byte, e164 string) string { return audit.KeyedHash(key, "phone:"+e164) }

// mentionKeys returns the encoded mentionKeySet of r (an indexed lookup of
// the person's custom fields; no scan).
func mentionKeys(ctx context.Context, tx *store.Tx, r *store.SubjectRequest) (string, error) {
	sub, err := loadSubject(ctx, tx, r)
	if err != nil || sub.personID == 0 {
		return "", err
	}
	key, err := tx.OrgAuditKey(ctx, r.OrgID)
	if err != nil {
		return "", err
	}
	ks := mentionKeySet{PersonID: sub.personID}
	rows, err := tx.Query(ctx, `SELECT value FROM custom_fields WHERE person_id = ? AND org_id = ?`, sub.personID, r.OrgID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		if p, err := pii.NormalizePhone(v); err == nil && !slices.Contains(ks.Phones, phoneKey(key, p)) {
			ks.Phones = append(ks.Phones, phoneKey(key, p))
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(ks)
	return string(b), err
}

// findMentions searches the request's channels for items by others that
// contain the person's e-mail address or one of their phone numbers, saves
// them in the request and clears the recorded keys. It runs in the
// requests.process job, never inside an API call: no index can serve a
// substring search, so it reads the items in scope, bounded by
// Config.MentionTimeout and Config.MentionScanLimit rows; when a bound is
// hit the result is saved as partial.
//
// Matching is done in Go on both engines: the pii detector finds addresses
// and phone numbers in a body, each is normalised (gallra.NormalizeEmail:
// Unicode lower case; pii.NormalizePhone: E.164) and compared by keyed
// hash. SQL only preselects bodies containing "@" when no phone number is
// known, which behaves the same on SQLite and PostgreSQL (no LOWER(), whose
// SQLite form folds ASCII only).
func (s *Service) findMentions(ctx context.Context, r *store.SubjectRequest) (*store.SubjectRequest, error) {
	var ks mentionKeySet
	if r.MentionKeys != "" {
		if err := json.Unmarshal([]byte(r.MentionKeys), &ks); err != nil {
			return nil, fmt.Errorf("decode mention keys of request %d: %w", r.ID, err)
		}
	}
	mctx, cancel := context.WithTimeout(ctx, s.cfg.MentionTimeout)
	defer cancel()
	out, complete, err := s.scanMentions(mctx, r, ks)
	if err != nil && ctx.Err() != nil {
		return nil, err // the job itself was stopped: search again next time
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	status := store.MentionsComplete
	if !complete || err != nil {
		status = store.MentionsPartial
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		if cur.MentionsStatus != store.MentionsPending {
			r = cur
			return nil
		}
		cur.Mentions, cur.MentionsStatus, cur.MentionKeys = out, status, ""
		if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
			return err
		}
		r = cur
		return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.mentions_found", "subject_request", r.ID,
			map[string]any{"mentions": len(out), "status": status})
	})
	return r, err
}

// scanMentions reads the items in scope (at most MentionScanLimit rows)
// and reports the mentions and whether the scan covered everything.
func (s *Service) scanMentions(ctx context.Context, r *store.SubjectRequest, ks mentionKeySet) ([]store.Mention, bool, error) {
	out := []store.Mention{}
	complete := true
	phones := map[string]bool{}
	for _, p := range ks.Phones {
		phones[p] = true
	}
	err := s.db.View(ctx, func(tx *store.Tx) error {
		key, err := tx.OrgAuditKey(ctx, r.OrgID)
		if err != nil {
			return err
		}
		sub, err := loadSubject(ctx, tx, &store.SubjectRequest{OrgID: r.OrgID, ChannelIDs: r.ChannelIDs})
		if err != nil {
			return err
		}
		pid := ks.PersonID
		type source struct {
			typ string
			ids []int64
			q   string
		}
		// Each query returns id, channel, parent, body of items not by the person.
		srcs := []source{
			{"forum_post", sub.byModule[gallra.ModuleForum], `SELECT id, channel_id, topic_id, body FROM forum_posts b
				WHERE org_id = ? AND channel_id IN (…) AND (person_id IS NULL OR person_id <> ?)`},
			{"mail_message", sub.byModule[gallra.ModuleMail], `SELECT b.id, b.channel_id, b.conversation_id, b.body FROM mail_messages b
				WHERE b.org_id = ? AND b.channel_id IN (…) AND NOT EXISTS (SELECT 1 FROM mail_participants mp WHERE mp.conversation_id = b.conversation_id AND mp.person_id = ?)`},
			{"chat_message", sub.byModule[gallra.ModuleChat], `SELECT b.id, c.channel_id, c.id, b.body FROM chat_messages b JOIN chat_conversations c ON c.id = b.conversation_id
				WHERE c.org_id = ? AND c.channel_id IN (…) AND (c.person_id IS NULL OR c.person_id <> ?)`},
			{"social_item", sub.byModule[gallra.ModuleSocial], `SELECT id, channel_id, 0, body FROM social_items b
				WHERE org_id = ? AND channel_id IN (…) AND (person_id IS NULL OR person_id <> ?)`},
		}
		budget := s.cfg.MentionScanLimit
		for _, src := range srcs {
			if len(src.ids) == 0 {
				continue
			}
			if budget <= 0 {
				complete = false
				break
			}
			list, args := in(src.ids)
			q := strings.Replace(src.q, "(…)", list, 1)
			qargs := append(append([]any{r.OrgID}, args...), pid)
			if len(phones) == 0 {
				q += ` AND b.body LIKE '%@%'`
			}
			rows, err := tx.Query(ctx, q+` ORDER BY 1 LIMIT ?`, append(qargs, budget+1)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				if budget == 0 {
					complete = false
					break
				}
				budget--
				if err := ctx.Err(); err != nil {
					rows.Close()
					return err
				}
				var m store.Mention
				var body string
				var parent sql.NullInt64
				if err := rows.Scan(&m.ID, &m.ChannelID, &parent, &body); err != nil {
					rows.Close()
					return err
				}
				m.Type, m.ParentID = src.typ, parent.Int64
				if match := s.mentionIn(body, key, r.EmailHash, phones); match != "" && len(out) < maxMentions {
					m.Match = match
					out = append(out, m)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, complete, err
}

// mentionIn reports "email" or "phone" when the detector finds in body an
// address whose keyed hash is emailHash or a phone number whose keyed hash
// is one of phones.
func (s *Service) mentionIn(body string, key []byte, emailHash string, phones map[string]bool) string {
	for _, f := range s.detector.Detect(body) {
		switch f.Kind {
		case pii.Email:
			if audit.KeyedHash(key, gallra.NormalizeEmail(f.Text)) == emailHash {
				return "email"
			}
		case pii.Phone:
			if p, err := pii.NormalizePhone(f.Text); err == nil && phones[phoneKey(key, p)] {
				return "phone"
			}
		}
	}
	return ""
}

// Note on the SQL of this package: in queries driven by person_id, the
// org_id and channel_id terms are written +org_id / +channel_id. The unary
// plus (a no-op on both engines) keeps the planner from scanning a whole
// channel through the (org_id, channel_id, …) indexes instead of using the
// person_id index, so finding a person's data costs the same at any
// database size.

// rowsFault, when set (by tests only), is called after each row eachRow
// reads, with the loop's name; an error ends the loop as a read error
// (rows.Err) would.
var rowsFault func(loop string) error

// eachRow calls fn for each row of rows, closes them, and returns the first
// error of fn or of the reading itself (rows.Err): a loop that ends early
// because reading failed must never pass for one that read everything.
func eachRow(rows *sql.Rows, loop string, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
		if rowsFault != nil {
			if err := rowsFault(loop); err != nil {
				return fmt.Errorf("read %s: %w", loop, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", loop, err)
	}
	return nil
}
