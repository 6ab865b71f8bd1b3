package takeout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

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

// loadSubject finds the person by the request's normalised e-mail (through
// the persons_org_email index) and the request's channels.
func loadSubject(ctx context.Context, tx *store.Tx, r *gallra.SubjectRequest) (*subject, error) {
	sub := &subject{byModule: map[gallra.Module][]int64{}}
	var err error
	if sub.channels, err = tx.ChannelsByID(ctx, r.OrgID, r.ChannelIDs); err != nil {
		return nil, err
	}
	for _, c := range sub.channels {
		sub.byModule[c.Module] = append(sub.byModule[c.Module], c.ID)
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

// scope is what the store reads of the subject in orgID.
func (sub *subject) scope(orgID int64) store.SubjectScope {
	return store.SubjectScope{OrgID: orgID, PersonID: sub.personID, Channels: sub.byModule}
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

func (s *Service) find(ctx context.Context, r *gallra.SubjectRequest) (Found, error) {
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
	r := &gallra.SubjectRequest{OrgID: orgID, Email: gallra.NormalizeEmail(email), ChannelIDs: channelIDs}
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
	c, err := tx.CountSubjectData(ctx, sub.scope(orgID))
	if err != nil {
		return Found{}, err
	}
	return Found{PersonID: sub.personID, ForumPosts: c.ForumPosts, MailMessages: c.MailMessages, ChatChats: c.ChatConversations,
		SocialItems: c.SocialItems, CustomFields: c.CustomFields, MailThreadsIn: c.MailConversations, ChatMessagesIn: c.ChatMessages}, nil
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
func mentionKeys(ctx context.Context, tx *store.Tx, r *gallra.SubjectRequest) (string, error) {
	sub, err := loadSubject(ctx, tx, r)
	if err != nil || sub.personID == 0 {
		return "", err
	}
	key, err := tx.OrgAuditKey(ctx, r.OrgID)
	if err != nil {
		return "", err
	}
	ks := mentionKeySet{PersonID: sub.personID}
	fields, err := tx.PersonCustomFields(ctx, r.OrgID, sub.personID)
	if err != nil {
		return "", err
	}
	for _, f := range fields {
		if p, err := pii.NormalizePhone(f.Value); err == nil && !slices.Contains(ks.Phones, phoneKey(key, p)) {
			ks.Phones = append(ks.Phones, phoneKey(key, p))
		}
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
func (s *Service) findMentions(ctx context.Context, r *gallra.SubjectRequest) (*gallra.SubjectRequest, error) {
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
func (s *Service) scanMentions(ctx context.Context, r *gallra.SubjectRequest, ks mentionKeySet) ([]gallra.Mention, bool, error) {
	out := []gallra.Mention{}
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
		sub, err := loadSubject(ctx, tx, &gallra.SubjectRequest{OrgID: r.OrgID, ChannelIDs: r.ChannelIDs})
		if err != nil {
			return err
		}
		// The identifier index answers once it holds every row; until the
		// rows written before it existed are indexed, the items are read.
		if indexed, err := tx.IdentifierIndexComplete(ctx); err != nil {
			return err
		} else if indexed {
			out, err = indexedMentions(ctx, tx, r, ks, sub)
			return err
		}
		// A row past the budget stops the module's stream: the scan is partial.
		errBudgetUsed := errors.New("mention scan budget used up")
		budget := s.cfg.MentionScanLimit
		for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat, gallra.ModuleSocial} {
			if len(sub.byModule[m]) == 0 {
				continue
			}
			if budget <= 0 {
				complete = false
				break
			}
			src := store.MentionSource{OrgID: r.OrgID, Module: m, ChannelIDs: sub.byModule[m], ExcludePerson: ks.PersonID,
				OnlyWithAt: len(phones) == 0, Limit: budget + 1}
			err := tx.EachMentionCandidate(ctx, src, func(mn gallra.Mention, body string) error {
				if budget == 0 {
					complete = false
					return errBudgetUsed
				}
				budget--
				if err := ctx.Err(); err != nil {
					return err
				}
				if match := s.mentionIn(body, key, r.EmailHash, phones); match != "" && len(out) < maxMentions {
					mn.Match = match
					out = append(out, mn)
				}
				return nil
			})
			if err != nil && !errors.Is(err, errBudgetUsed) {
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

// rowFault calls Config.RowsFault for each of the n rows a loop named
// loop read, as if reading them had failed: an error ends the loop as a
// read error (rows.Err) would, so tests can check that a loop ending early
// never passes for one that read everything.
func (s *Service) rowFault(loop string, n int) error {
	if s.cfg.RowsFault == nil {
		return nil
	}
	for range n {
		if err := s.cfg.RowsFault(loop); err != nil {
			return fmt.Errorf("read %s: %w", loop, err)
		}
	}
	return nil
}
