package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/gallra/gallra"
)

// The privacy register's storage (issue 21): the settings of each
// organisation, the versions of the channels' notices and the operator's
// sub-processors. The rules (defaults, validation, who may change what)
// live in internal/privacy.

// registerSettings is the JSON of privacy_registers.settings.
type registerSettings struct {
	Controller gallra.PrivacyController   `json:"controller"`
	Security   gallra.BiText              `json:"security"`
	Modules    []gallra.PrivacyProcessing `json:"modules"`
	Channels   []gallra.PrivacyProcessing `json:"channels"`
}

// PrivacyRegister returns the organisation's stored register, or nil when
// none was stored (an organisation made before the register, or by a
// path that does not make one).
func (db *DB) PrivacyRegister(ctx context.Context, orgID int64) (*gallra.PrivacyRegister, error) {
	var r *gallra.PrivacyRegister
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		r, err = tx.privacyRegister(ctx, orgID)
		return err
	})
	return r, err
}

func (tx *Tx) privacyRegister(ctx context.Context, orgID int64) (*gallra.PrivacyRegister, error) {
	var kind, raw string
	var version int64
	var updated, seen sql.NullInt64
	err := tx.queryRow(ctx, `SELECT kind, settings, version, updated_at, subprocessors_seen_at FROM privacy_registers WHERE org_id = ?`, orgID).
		Scan(&kind, &raw, &version, &updated, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read privacy register: %w", err)
	}
	var s registerSettings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, fmt.Errorf("decode privacy register of org %d: %w", orgID, err)
	}
	return &gallra.PrivacyRegister{OrgID: orgID, Kind: kind, Controller: s.Controller, Security: s.Security,
		Modules: s.Modules, Channels: s.Channels, Version: version, UpdatedAt: fromNullMS(updated), SubProcessorsSeenAt: fromNullMS(seen)}, nil
}

// CreatePrivacyRegister stores the register of a new organisation with its
// kind and no other setting (everything default).
func (tx *Tx) CreatePrivacyRegister(ctx context.Context, orgID int64, kind string) error {
	if _, err := tx.exec(ctx, `INSERT INTO privacy_registers (org_id, kind) VALUES (?, ?)`, orgID, kind); err != nil {
		return fmt.Errorf("create privacy register: %w", err)
	}
	return nil
}

// SavePrivacyRegister stores r's settings and kind, bumps the version and
// writes the audit entry (details: the changed field names) in one
// transaction; it returns the stored register.
func (db *DB) SavePrivacyRegister(ctx context.Context, actor gallra.Actor, r *gallra.PrivacyRegister, changed []string) (*gallra.PrivacyRegister, error) {
	raw, err := json.Marshal(registerSettings{Controller: r.Controller, Security: r.Security, Modules: r.Modules, Channels: r.Channels})
	if err != nil {
		return nil, fmt.Errorf("encode privacy register: %w", err)
	}
	var out *gallra.PrivacyRegister
	err = db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE privacy_registers SET kind = ?, settings = ?, version = version + 1, updated_at = ? WHERE org_id = ?`,
			r.Kind, string(raw), ms(tx.Now), r.OrgID)
		if err != nil {
			return fmt.Errorf("save privacy register: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO privacy_registers (org_id, kind, settings, version, updated_at) VALUES (?, ?, ?, 1, ?)`,
				r.OrgID, r.Kind, string(raw), ms(tx.Now)); err != nil {
				return fmt.Errorf("save privacy register: %w", err)
			}
		}
		if err := tx.Audit(ctx, r.OrgID, actor, "privacy.register_updated", "organisation", r.OrgID, map[string]any{"fields": changed}); err != nil {
			return err
		}
		out, err = tx.privacyRegister(ctx, r.OrgID)
		return err
	})
	return out, err
}

// AcknowledgeSubProcessors records that the organisation has seen the
// sub-processor list as of now; audited.
func (db *DB) AcknowledgeSubProcessors(ctx context.Context, actor gallra.Actor, orgID int64, kind string) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE privacy_registers SET subprocessors_seen_at = ? WHERE org_id = ?`, ms(tx.Now), orgID)
		if err != nil {
			return fmt.Errorf("acknowledge sub-processors: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO privacy_registers (org_id, kind, subprocessors_seen_at) VALUES (?, ?, ?)`, orgID, kind, ms(tx.Now)); err != nil {
				return fmt.Errorf("acknowledge sub-processors: %w", err)
			}
		}
		return tx.Audit(ctx, orgID, actor, "privacy.subprocessors_acknowledged", "organisation", orgID, nil)
	})
}

// PrivacyFacts are what an organisation's data shows per channel, for the
// register's categories: the kinds of sensitive identifiers seen and the
// subject types that carry custom fields.
type PrivacyFacts struct {
	// Sensitive maps a channel id to the sorted kinds seen in it.
	Sensitive map[int64][]string
	// CustomFields lists the modules whose conversations or topics carry
	// custom fields (and "person" when persons do).
	CustomFields map[string]bool
}

// PrivacyFacts reads the facts of one organisation.
func (db *DB) PrivacyFacts(ctx context.Context, orgID int64) (*PrivacyFacts, error) {
	f := &PrivacyFacts{Sensitive: map[int64][]string{}, CustomFields: map[string]bool{}}
	err := db.View(ctx, func(tx *Tx) error {
		seen := map[int64]map[string]bool{}
		for _, table := range []string{"forum_topics", "mail_conversations", "chat_conversations"} {
			rows, err := tx.query(ctx, `SELECT channel_id, sensitive_kinds FROM `+table+` WHERE org_id = ? AND sensitive_kinds <> '' GROUP BY channel_id, sensitive_kinds`, orgID)
			if err != nil {
				return fmt.Errorf("read sensitive kinds: %w", err)
			}
			for rows.Next() {
				var ch int64
				var kinds string
				if err := rows.Scan(&ch, &kinds); err != nil {
					rows.Close()
					return err
				}
				if seen[ch] == nil {
					seen[ch] = map[string]bool{}
				}
				for _, k := range splitKinds(kinds) {
					seen[ch][k] = true
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		for ch, ks := range seen {
			list := make([]string, 0, len(ks))
			for k := range ks {
				list = append(list, k)
			}
			sort.Strings(list)
			f.Sensitive[ch] = list
		}
		rows, err := tx.query(ctx, `SELECT DISTINCT subject_type FROM custom_fields WHERE org_id = ?`, orgID)
		if err != nil {
			return fmt.Errorf("read custom field subjects: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			if err := rows.Scan(&st); err != nil {
				return err
			}
			f.CustomFields[st] = true
		}
		return rows.Err()
	})
	return f, err
}

// RecordNotice makes text the current version of the channel's notice in
// lang: when the current version differs it is closed (valid_to now) and
// text becomes current from now; the same text changes nothing. Safe to
// call concurrently: one current version per channel and language (a
// unique index), a lost race keeps the winner's.
func (db *DB) RecordNotice(ctx context.Context, orgID, channelID int64, lang, hash, text string) error {
	// The cheap read first: nearly every call finds its text current.
	var cur string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT hash FROM privacy_notice_versions WHERE org_id = ? AND channel_id = ? AND lang = ? AND valid_to IS NULL`,
			orgID, channelID, lang).Scan(&cur)
	})
	if err == nil && cur == hash {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read current notice: %w", err)
	}
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE privacy_notice_versions SET valid_to = ? WHERE org_id = ? AND channel_id = ? AND lang = ? AND valid_to IS NULL AND hash <> ?`,
			ms(tx.Now), orgID, channelID, lang, hash); err != nil {
			return fmt.Errorf("close notice version: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO privacy_notice_versions (org_id, channel_id, lang, hash, text, valid_from) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			orgID, channelID, lang, hash, text, ms(tx.Now)); err != nil {
			return fmt.Errorf("record notice version: %w", err)
		}
		return nil
	})
}

// NoticeVersions returns the versions of a channel's notice, newest first
// (at most limit).
func (db *DB) NoticeVersions(ctx context.Context, orgID, channelID int64, limit int) ([]gallra.NoticeVersion, error) {
	out := []gallra.NoticeVersion{}
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, channel_id, lang, text, valid_from, valid_to FROM privacy_notice_versions
			WHERE org_id = ? AND channel_id = ? ORDER BY valid_from DESC, id DESC LIMIT ?`, orgID, channelID, limit)
		if err != nil {
			return fmt.Errorf("list notice versions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v gallra.NoticeVersion
			var from int64
			var to sql.NullInt64
			if err := rows.Scan(&v.ID, &v.ChannelID, &v.Lang, &v.Text, &from, &to); err != nil {
				return err
			}
			v.ValidFrom, v.ValidTo = fromMS(from), fromNullMS(to)
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

const subprocessorCols = `id, name, service, country, mechanism, added_at, updated_at, removed_at`

func scanSubProcessor(row interface{ Scan(...any) error }) (*gallra.SubProcessor, error) {
	var s gallra.SubProcessor
	var added, updated int64
	var removed sql.NullInt64
	if err := row.Scan(&s.ID, &s.Name, &s.Service, &s.Country, &s.Mechanism, &added, &updated, &removed); err != nil {
		return nil, err
	}
	s.AddedAt, s.UpdatedAt, s.RemovedAt = fromMS(added), fromMS(updated), fromNullMS(removed)
	return &s, nil
}

// SubProcessors returns the sub-processors by id, the removed ones too
// when all is set, and when the list last changed (nil: never).
func (db *DB) SubProcessors(ctx context.Context, all bool) ([]gallra.SubProcessor, *time.Time, error) {
	out := []gallra.SubProcessor{}
	var changed sql.NullInt64
	err := db.View(ctx, func(tx *Tx) error {
		q := `SELECT ` + subprocessorCols + ` FROM subprocessors`
		if !all {
			q += ` WHERE removed_at IS NULL`
		}
		rows, err := tx.query(ctx, q+` ORDER BY id`)
		if err != nil {
			return fmt.Errorf("list sub-processors: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanSubProcessor(rows)
			if err != nil {
				return err
			}
			out = append(out, *s)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return tx.queryRow(ctx, `SELECT MAX(CASE WHEN removed_at IS NOT NULL AND removed_at > updated_at THEN removed_at ELSE updated_at END) FROM subprocessors`).Scan(&changed)
	})
	return out, fromNullMS(changed), err
}

// SaveSubProcessor adds (id 0) or changes a sub-processor and records the
// change in the operator audit log and in every organisation's audit log
// (its id, name, country and mechanism: the operator's data, no personal
// data), in one transaction. remove marks it removed instead.
func (db *DB) SaveSubProcessor(ctx context.Context, id int64, in gallra.NewSubProcessor, remove bool) (*gallra.SubProcessor, error) {
	var out *gallra.SubProcessor
	err := db.Update(ctx, func(tx *Tx) error {
		action := "subprocessor.added"
		switch {
		case id == 0:
			nid, err := tx.insert(ctx, `INSERT INTO subprocessors (name, service, country, mechanism, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				in.Name, in.Service, in.Country, in.Mechanism, ms(tx.Now), ms(tx.Now))
			if err != nil {
				return fmt.Errorf("add sub-processor: %w", err)
			}
			id = nid
		case remove:
			action = "subprocessor.removed"
			res, err := tx.exec(ctx, `UPDATE subprocessors SET removed_at = ? WHERE id = ? AND removed_at IS NULL`, ms(tx.Now), id)
			if err != nil {
				return fmt.Errorf("remove sub-processor: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("sub-processor", id)
			}
		default:
			action = "subprocessor.changed"
			res, err := tx.exec(ctx, `UPDATE subprocessors SET name = ?, service = ?, country = ?, mechanism = ?, updated_at = ? WHERE id = ? AND removed_at IS NULL`,
				in.Name, in.Service, in.Country, in.Mechanism, ms(tx.Now), id)
			if err != nil {
				return fmt.Errorf("change sub-processor: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("sub-processor", id)
			}
		}
		s, err := scanSubProcessor(tx.queryRow(ctx, `SELECT `+subprocessorCols+` FROM subprocessors WHERE id = ?`, id))
		if err != nil {
			return fmt.Errorf("read sub-processor: %w", err)
		}
		out = s
		details := map[string]any{"subprocessor_id": s.ID, "name": s.Name, "country": s.Country, "mechanism": s.Mechanism, "date": tx.Now.Format("2006-01-02")}
		if err := tx.operatorAudit(ctx, action, 0, "", details); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT id FROM organisations WHERE status <> ? ORDER BY id`, gallra.OrgDeleting)
		if err != nil {
			return fmt.Errorf("list organisations to notify: %w", err)
		}
		var orgs []int64
		for rows.Next() {
			var o int64
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return err
			}
			orgs = append(orgs, o)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, o := range orgs {
			if err := tx.Audit(ctx, o, gallra.Actor{Type: gallra.ActorSystem}, action, "subprocessor", s.ID, details); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
