package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// AuditActions returns the distinct actions in an organisation's audit log,
// sorted. The (org_id, action, seq) index serves it.
func (db *DB) AuditActions(ctx context.Context, orgID int64) ([]string, error) {
	var out []string
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT DISTINCT action FROM audit_log WHERE org_id = ? ORDER BY action`, orgID)
		if err != nil {
			return fmt.Errorf("list audit actions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return fmt.Errorf("scan audit action: %w", err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// auditNameTables says where the display name of a subject type lives: the
// table and the column (all tables have id and org_id).
var auditNameTables = map[string][2]string{
	"subject_request": {"subject_requests", "reference"},
	"channel":         {"channels", "name"},
}

// AuditSubjectNames returns the current display names of the audit
// subjects among want that have one (a request's reference, a channel's
// name), in the organisation only. Subjects of other types, and those
// deleted since, are absent from the map.
func (db *DB) AuditSubjectNames(ctx context.Context, orgID int64, want []gallra.AuditSubject) (map[gallra.AuditSubject]string, error) {
	byType := map[string][]any{}
	seen := map[gallra.AuditSubject]bool{}
	for _, s := range want {
		if _, ok := auditNameTables[s.Type]; !ok || s.ID <= 0 || seen[s] {
			continue
		}
		seen[s] = true
		byType[s.Type] = append(byType[s.Type], s.ID)
	}
	out := map[gallra.AuditSubject]string{}
	err := db.View(ctx, func(tx *Tx) error {
		for typ, ids := range byType {
			tc := auditNameTables[typ]
			for len(ids) > 0 {
				n := min(len(ids), 500)
				chunk := ids[:n]
				ids = ids[n:]
				q := `SELECT id, ` + tc[1] + ` FROM ` + tc[0] + ` WHERE org_id = ? AND id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
				rows, err := tx.query(ctx, q, append([]any{orgID}, chunk...)...)
				if err != nil {
					return fmt.Errorf("look up %s names: %w", typ, err)
				}
				for rows.Next() {
					var id int64
					var name string
					if err := rows.Scan(&id, &name); err != nil {
						rows.Close()
						return fmt.Errorf("scan %s name: %w", typ, err)
					}
					if name != "" {
						out[gallra.AuditSubject{Type: typ, ID: id}] = name
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}
