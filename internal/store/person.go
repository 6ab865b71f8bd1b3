package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// UpsertPerson returns the id of the organisation's person with this e-mail
// address, creating the person when new. An empty email creates an anonymous
// person (each anonymous participant is their own data subject). A non-empty
// name fills in a person who had none.
func (tx *Tx) UpsertPerson(ctx context.Context, orgID int64, email, name string) (int64, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		id, err := tx.insert(ctx, `INSERT INTO persons (org_id, email, email_key, name, created_at) VALUES (?, '', NULL, ?, ?)`, orgID, name, ms(tx.Now))
		if err != nil {
			return 0, fmt.Errorf("insert anonymous person: %w", err)
		}
		return id, nil
	}
	key := gallra.NormalizeEmail(email)
	var id int64
	var cur string
	// On PostgreSQL the person found is locked FOR KEY SHARE, as the
	// foreign keys of the rows the caller goes on to insert would lock it:
	// a retention purge deleting this person (left without content)
	// either waits for this transaction and then sees the new content, or
	// has deleted the person first, and then this read waits for it and
	// finds no one, so a new person is created instead of the insert
	// failing on a person deleted in between.
	q := `SELECT id, name FROM persons WHERE org_id = ? AND email_key = ?`
	if tx.Dialect() == Postgres {
		q += ` FOR KEY SHARE`
	}
	err := tx.queryRow(ctx, q, orgID, key).Scan(&id, &cur)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, err = tx.insert(ctx, `INSERT INTO persons (org_id, email, email_key, name, created_at) VALUES (?, ?, ?, ?, ?)`, orgID, email, key, name, ms(tx.Now))
		if err != nil {
			return 0, fmt.Errorf("insert person: %w", err)
		}
		return id, nil
	case err != nil:
		return 0, fmt.Errorf("find person: %w", err)
	}
	if cur == "" && name != "" {
		if _, err := tx.exec(ctx, `UPDATE persons SET name = ? WHERE id = ?`, name, id); err != nil {
			return 0, fmt.Errorf("update person name: %w", err)
		}
	}
	return id, nil
}

// FindPerson returns the organisation's person with this e-mail (matched on
// the normalised key), or ENOTFOUND.
func (db *DB) FindPerson(ctx context.Context, orgID int64, email string) (*gallra.Person, error) {
	var p *gallra.Person
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		p, err = tx.FindPerson(ctx, orgID, email)
		return err
	})
	return p, err
}

// FindPerson is FindPerson inside a transaction.
func (tx *Tx) FindPerson(ctx context.Context, orgID int64, email string) (*gallra.Person, error) {
	var p gallra.Person
	var created int64
	err := tx.queryRow(ctx, `SELECT id, org_id, email, name, created_at FROM persons WHERE org_id = ? AND email_key = ?`, orgID, gallra.NormalizeEmail(email)).
		Scan(&p.ID, &p.OrgID, &p.Email, &p.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no person with that e-mail address")
	} else if err != nil {
		return nil, fmt.Errorf("find person: %w", err)
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// GetPerson returns a person of the organisation by id.
func (db *DB) GetPerson(ctx context.Context, orgID, id int64) (*gallra.Person, error) {
	var p gallra.Person
	var created int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id, org_id, email, name, created_at FROM persons WHERE org_id = ? AND id = ?`, orgID, id).
			Scan(&p.ID, &p.OrgID, &p.Email, &p.Name, &created)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("person", id)
	} else if err != nil {
		return nil, fmt.Errorf("get person: %w", err)
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// personRef is a table whose rows keep the person they refer to (by
// person_id), with extra, when not empty, the condition a row must meet to
// count.
type personRef struct{ table, extra string }

// personRefs are the tables whose rows keep a person: a person none of them
// refers to any more is deleted (DeletePersonIfUnused, and the purge's
// person pass in batches). A custom field keeps its person unless it is a
// field on the person itself. A table that gains a person_id column that
// refers to persons belongs here.
func personRefs() []personRef {
	return []personRef{{"forum_posts", ""}, {"forum_topics", ""}, {"mail_messages", ""}, {"mail_participants", ""},
		{"chat_conversations", ""}, {"social_items", ""}, {"custom_fields", "subject_type <> 'person'"}}
}

// unusedPersonSQL is the condition that no row of personRefs refers to the
// person whose id is idExpr: one NOT EXISTS per table, each sub-query
// ending with suffix.
func unusedPersonSQL(idExpr, suffix string) string {
	var conds []string
	for _, r := range personRefs() {
		where := `person_id = ` + idExpr
		if r.extra != "" {
			where += ` AND ` + r.extra
		}
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM `+r.table+` WHERE `+where+suffix+`)`)
	}
	return strings.Join(conds, "\n\t\tAND ")
}

// DeletePersonIfUnused deletes the person (and custom fields on the person
// itself) when no content, participation or conversation field refers to them
// any more, and reports whether it did.
func (tx *Tx) DeletePersonIfUnused(ctx context.Context, orgID, personID int64) (bool, error) {
	var unused int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE p.id = ? AND p.org_id = ? AND `+unusedPersonSQL("p.id", ""), personID, orgID).Scan(&unused)
	if err != nil {
		return false, fmt.Errorf("check person use: %w", err)
	}
	if unused == 0 {
		return false, nil
	}
	if _, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND person_id = ? AND subject_type = 'person'`, orgID, personID); err != nil {
		return false, fmt.Errorf("delete person fields: %w", err)
	}
	res, err := tx.exec(ctx, `DELETE FROM persons WHERE id = ? AND org_id = ?`, personID, orgID)
	if err != nil {
		return false, fmt.Errorf("delete person: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
