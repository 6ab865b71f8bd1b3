package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/pii"
)

// maxPersonMatches bounds the persons a person search returns.
const maxPersonMatches = 50

// PersonSearch is a person search in the store: Kind is pii.IdentEmail,
// pii.IdentPhone, pii.IdentPersonnummer (Value normalised by
// pii.NormalizeIdentifier) or "name" (Value matched against person names
// and social account ids and handles).
type PersonSearch struct {
	OrgID int64
	Kind  string
	Value string
	// Limit bounds the mentions returned (default 1000).
	Limit int
}

// PersonSearchAnswer is what SearchPersons found, with the keyed hash of
// the searched value (for the audit entry; never the value).
type PersonSearchAnswer struct {
	gallra.PersonSearchResult
	Hash string
}

// SearchPersons finds the organisation's persons by e-mail (normalised
// key), name or social account, and the rows whose text names the
// identifier (the identifier index).
func (db *DB) SearchPersons(ctx context.Context, q PersonSearch) (*PersonSearchAnswer, error) {
	out := &PersonSearchAnswer{PersonSearchResult: gallra.PersonSearchResult{Kind: q.Kind, Persons: []gallra.Person{}, Mentions: []gallra.PersonMention{}}}
	err := db.View(ctx, func(tx *Tx) error {
		key, err := tx.OrgAuditKey(ctx, q.OrgID)
		if err != nil {
			return err
		}
		var rows *sql.Rows
		switch q.Kind {
		case pii.IdentEmail:
			out.Hash = IdentifierHash(key, q.Kind, q.Value)
			rows, err = tx.query(ctx, `SELECT id, org_id, email, name, created_at FROM persons WHERE org_id = ? AND email_key = ? ORDER BY id LIMIT ?`,
				q.OrgID, gallra.NormalizeEmail(q.Value), maxPersonMatches)
		case pii.IdentPhone, pii.IdentPersonnummer:
			out.Hash = IdentifierHash(key, q.Kind, q.Value)
		case "name":
			out.Hash = audit.KeyedHash(key, "name:"+strings.ToLower(q.Value))
			like := "%" + escapeLike(strings.ToLower(q.Value)) + "%"
			rows, err = tx.query(ctx, `SELECT id, org_id, email, name, created_at FROM persons p WHERE p.org_id = ? AND (
				LOWER(p.name) LIKE ? ESCAPE '\'
				OR EXISTS (SELECT 1 FROM social_items s WHERE s.org_id = p.org_id AND s.person_id = p.id
					AND (s.external_author_id = ? OR LOWER(s.external_author_name) LIKE ? ESCAPE '\')))
				ORDER BY p.id LIMIT ?`, q.OrgID, like, q.Value, like, maxPersonMatches)
		default:
			return gallra.Errorf(gallra.EINVALID, "unknown search kind")
		}
		if err != nil {
			return fmt.Errorf("search persons: %w", err)
		}
		if rows != nil {
			for rows.Next() {
				var p gallra.Person
				var created int64
				if err := rows.Scan(&p.ID, &p.OrgID, &p.Email, &p.Name, &created); err != nil {
					rows.Close()
					return fmt.Errorf("search persons: %w", err)
				}
				p.CreatedAt = fromMS(created)
				out.Persons = append(out.Persons, p)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("search persons: %w", err)
			}
		}
		if q.Kind == "name" {
			out.Complete = true
			return nil
		}
		if out.Complete, err = tx.IdentifierIndexComplete(ctx); err != nil {
			return err
		}
		refs, err := tx.LookupIdentifiers(ctx, IdentifierQuery{OrgID: q.OrgID, Hashes: map[string][]string{q.Kind: {out.Hash}}, Limit: q.Limit})
		if err != nil {
			return err
		}
		for _, r := range refs {
			out.Mentions = append(out.Mentions, gallra.PersonMention{Entity: r.Entity, ID: r.ID, ChannelID: r.ChannelID, ParentID: r.ParentID, Kind: r.Kind})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PersonOverview returns what the organisation holds of a person, per
// channel (forum posts, mail and chat conversations, social items), the
// requests made for their e-mail address (keyed hash) and the legal holds
// on topics and conversations they take part in; ENOTFOUND for an unknown
// person.
func (db *DB) PersonOverview(ctx context.Context, orgID, personID int64) (*gallra.PersonOverview, error) {
	out := &gallra.PersonOverview{Channels: []gallra.PersonChannelCount{}, Requests: []gallra.SubjectRequest{}, Holds: []gallra.Hold{}}
	err := db.View(ctx, func(tx *Tx) error {
		var created int64
		p := &out.Person
		err := tx.queryRow(ctx, `SELECT id, org_id, email, name, created_at FROM persons WHERE org_id = ? AND id = ?`, orgID, personID).
			Scan(&p.ID, &p.OrgID, &p.Email, &p.Name, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("person", personID)
		} else if err != nil {
			return fmt.Errorf("get person: %w", err)
		}
		p.CreatedAt = fromMS(created)
		counts := []struct {
			m gallra.Module
			q string
		}{
			{gallra.ModuleForum, `SELECT channel_id, COUNT(*) FROM forum_posts WHERE org_id = ? AND person_id = ? GROUP BY channel_id ORDER BY channel_id`},
			{gallra.ModuleMail, `SELECT c.channel_id, COUNT(*) FROM mail_participants mp JOIN mail_conversations c ON c.id = mp.conversation_id WHERE mp.org_id = ? AND mp.person_id = ? GROUP BY c.channel_id ORDER BY c.channel_id`},
			{gallra.ModuleChat, `SELECT channel_id, COUNT(*) FROM chat_conversations WHERE org_id = ? AND person_id = ? GROUP BY channel_id ORDER BY channel_id`},
			{gallra.ModuleSocial, `SELECT channel_id, COUNT(*) FROM social_items WHERE org_id = ? AND person_id = ? GROUP BY channel_id ORDER BY channel_id`},
		}
		for _, c := range counts {
			rows, err := tx.query(ctx, c.q, orgID, personID)
			if err != nil {
				return fmt.Errorf("count person's %s: %w", c.m, err)
			}
			for rows.Next() {
				pc := gallra.PersonChannelCount{Module: c.m}
				if err := rows.Scan(&pc.ChannelID, &pc.Items); err != nil {
					rows.Close()
					return fmt.Errorf("count person's %s: %w", c.m, err)
				}
				out.Channels = append(out.Channels, pc)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("count person's %s: %w", c.m, err)
			}
		}
		if p.Email != "" {
			key, err := tx.OrgAuditKey(ctx, orgID)
			if err != nil {
				return err
			}
			rows, err := tx.query(ctx, `SELECT `+requestCols+` FROM subject_requests WHERE org_id = ? AND email_hash = ? ORDER BY id DESC LIMIT 200`,
				orgID, audit.KeyedHash(key, gallra.NormalizeEmail(p.Email)))
			if err != nil {
				return fmt.Errorf("list person's requests: %w", err)
			}
			for rows.Next() {
				r, err := scanRequest(rows, tx.Now)
				if err != nil {
					rows.Close()
					return err
				}
				out.Requests = append(out.Requests, *r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("list person's requests: %w", err)
			}
		}
		holds := []struct {
			st gallra.SubjectType
			q  string
		}{
			{gallra.SubjectForumTopic, `SELECT id, channel_id, hold_reason, held_at, held_by FROM forum_topics WHERE org_id = ? AND held_at IS NOT NULL AND id IN (SELECT topic_id FROM forum_posts WHERE person_id = ?) ORDER BY id LIMIT 200`},
			{gallra.SubjectMailConversation, `SELECT id, channel_id, hold_reason, held_at, held_by FROM mail_conversations WHERE org_id = ? AND held_at IS NOT NULL AND id IN (SELECT conversation_id FROM mail_participants WHERE person_id = ?) ORDER BY id LIMIT 200`},
			{gallra.SubjectChatConversation, `SELECT id, channel_id, hold_reason, held_at, held_by FROM chat_conversations WHERE org_id = ? AND held_at IS NOT NULL AND person_id = ? ORDER BY id LIMIT 200`},
		}
		for _, h := range holds {
			rows, err := tx.query(ctx, h.q, orgID, personID)
			if err != nil {
				return fmt.Errorf("list person's holds: %w", err)
			}
			for rows.Next() {
				hd := gallra.Hold{SubjectType: h.st}
				var reason sql.NullString
				var at, by sql.NullInt64
				if err := rows.Scan(&hd.SubjectID, &hd.ChannelID, &reason, &at, &by); err != nil {
					rows.Close()
					return fmt.Errorf("list person's holds: %w", err)
				}
				hd.LegalHold = *holdFrom(reason, at, by)
				out.Holds = append(out.Holds, hd)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("list person's holds: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AuditPersonAccess records a person search ("person.searched", details:
// the kind, the keyed hash of the value, the counts found) or the reading
// of a person page ("person.viewed", subject the person's id) in the
// organisation's audit log: ids, counts and keyed hashes only.
func (db *DB) AuditPersonAccess(ctx context.Context, actor gallra.Actor, orgID int64, action string, personID int64, details map[string]any) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.Audit(ctx, orgID, actor, action, "person", personID, details)
	})
}
