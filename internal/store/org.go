package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
)

// CreateOrganisation creates a tenant with its audit chain and a fresh audit
// key. The creation is the first entry of the chain.
func (db *DB) CreateOrganisation(ctx context.Context, name, language string) (*gallra.Organisation, error) {
	var org *gallra.Organisation
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		org, err = tx.CreateOrganisation(ctx, name, language)
		return err
	})
	return org, err
}

// CreateOrganisation is CreateOrganisation inside an existing transaction.
func (tx *Tx) CreateOrganisation(ctx context.Context, name, language string) (*gallra.Organisation, error) {
	name = strings.TrimSpace(name)
	if err := gallra.ValidateText("name", name, true, gallra.MaxNameLen); err != nil {
		return nil, err
	}
	if language == "" {
		language = "sv"
	}
	if language != "sv" && language != "en" {
		return nil, gallra.Errorf(gallra.EINVALID, "language must be sv or en")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate audit key: %w", err)
	}
	org := &gallra.Organisation{Name: name, Language: language, CreatedAt: tx.Now}
	id, err := tx.insert(ctx, `INSERT INTO organisations (name, language, audit_key, created_at) VALUES (?, ?, ?, ?)`,
		name, language, key, ms(tx.Now))
	if err != nil {
		return nil, fmt.Errorf("insert organisation: %w", err)
	}
	org.ID = id
	if _, err := tx.exec(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, ?)`, id, audit.Genesis); err != nil {
		return nil, fmt.Errorf("start audit chain: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO topic_hold_epochs (org_id) VALUES (?)`, id); err != nil {
		return nil, fmt.Errorf("start topic hold counter: %w", err)
	}
	if err := tx.Audit(ctx, id, gallra.Actor{Type: gallra.ActorSystem}, "organisation.created", "organisation", id, nil); err != nil {
		return nil, err
	}
	return org, nil
}

// GetOrganisation returns one organisation.
func (db *DB) GetOrganisation(ctx context.Context, id int64) (*gallra.Organisation, error) {
	var o *gallra.Organisation
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		o, err = tx.GetOrganisation(ctx, id)
		return err
	})
	return o, err
}

// GetOrganisation is GetOrganisation inside a transaction.
func (tx *Tx) GetOrganisation(ctx context.Context, id int64) (*gallra.Organisation, error) {
	var o gallra.Organisation
	var created int64
	err := tx.queryRow(ctx, `SELECT id, name, language, created_at FROM organisations WHERE id = ?`, id).
		Scan(&o.ID, &o.Name, &o.Language, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organisation", id)
	} else if err != nil {
		return nil, fmt.Errorf("get organisation %d: %w", id, err)
	}
	o.CreatedAt = fromMS(created)
	return &o, nil
}

// OrganisationIDs lists every organisation's id in ascending order, inside
// the caller's transaction (the purge plans its run from one snapshot).
// Disabled organisations are listed (their retention goes on); one being
// deleted is not (its deletion removes everything anyway).
func (tx *Tx) OrganisationIDs(ctx context.Context) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT id FROM organisations WHERE status <> 'deleting' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list organisation ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list organisation ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ListOrganisations returns every organisation (operator use: CLI, jobs).
func (db *DB) ListOrganisations(ctx context.Context) ([]gallra.Organisation, error) {
	var out []gallra.Organisation
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, name, language, created_at FROM organisations ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o gallra.Organisation
			var created int64
			if err := rows.Scan(&o.ID, &o.Name, &o.Language, &created); err != nil {
				return err
			}
			o.CreatedAt = fromMS(created)
			out = append(out, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return out, nil
}

// UpdateOrganisation changes an organisation's name and language; audited.
func (db *DB) UpdateOrganisation(ctx context.Context, actor gallra.Actor, o *gallra.Organisation) error {
	if err := gallra.ValidateText("name", o.Name, true, gallra.MaxNameLen); err != nil {
		return err
	}
	if o.Language != "sv" && o.Language != "en" {
		return gallra.Errorf(gallra.EINVALID, "language must be sv or en")
	}
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE organisations SET name = ?, language = ? WHERE id = ?`, o.Name, o.Language, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("organisation", o.ID)
		}
		return tx.Audit(ctx, o.ID, actor, "organisation.updated", "organisation", o.ID, map[string]any{"language": o.Language})
	})
}

// CountOrganisations returns how many organisations exist.
func (db *DB) CountOrganisations(ctx context.Context) (int, error) {
	var n int
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
	})
	return n, err
}

// Bootstrap creates an organisation, its first admin and an API token whose
// secret is the given value (or a random one when secret is ""), all in one
// transaction. It returns the secret.
func (db *DB) Bootstrap(ctx context.Context, orgName, adminName, adminEmail, secret string) (*gallra.Organisation, *gallra.Staff, string, error) {
	var org *gallra.Organisation
	var admin *gallra.Staff
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if org, err = tx.CreateOrganisation(ctx, orgName, "sv"); err != nil {
			return err
		}
		sys := gallra.Actor{Type: gallra.ActorSystem}
		if admin, err = tx.CreateStaff(ctx, sys, &gallra.Staff{OrgID: org.ID, Name: adminName, Email: adminEmail, Role: gallra.RoleAdmin, Active: true}); err != nil {
			return err
		}
		if secret == "" {
			if secret, err = NewSecret(); err != nil {
				return err
			}
		}
		_, err = tx.createToken(ctx, sys, org.ID, admin.ID, "bootstrap", secret)
		return err
	})
	if err != nil {
		return nil, nil, "", err
	}
	return org, admin, secret, nil
}

// NewSecret returns a new random API token secret ("gal_" + 32 random bytes).
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return "gal_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret hashes a token secret for storage and look-up. Secrets are long
// and random, so a fast hash is enough (no password stretching needed).
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
