package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gallra/gallra"
)

// IMAPAccountRow is an inbox's IMAP account with what the fetcher needs
// and the API never shows: the sealed password and the checkpoint.
type IMAPAccountRow struct {
	gallra.IMAPAccount
	OrgID       int64
	Secret      []byte // sealed password
	UIDValidity uint32
	LastUID     uint32
}

const imapCols = `channel_id, org_id, host, port, security, username, secret, folder, after_import, move_to, enabled,
	uid_validity, last_uid, imported, refused, last_run_at, last_error, updated_at`

func scanIMAP(sc interface{ Scan(...any) error }) (*IMAPAccountRow, error) {
	var a IMAPAccountRow
	var sec, after string
	var enabled int
	var validity, last int64
	var lastRun sql.NullInt64
	var updated int64
	if err := sc.Scan(&a.ChannelID, &a.OrgID, &a.Host, &a.Port, &sec, &a.Username, &a.Secret, &a.Folder, &after, &a.MoveTo, &enabled,
		&validity, &last, &a.Imported, &a.Refused, &lastRun, &a.LastError, &updated); err != nil {
		return nil, err
	}
	a.Security, a.AfterImport, a.Enabled = gallra.IMAPSecurity(sec), gallra.IMAPAfterImport(after), enabled == 1
	a.UIDValidity, a.LastUID, a.UpdatedAt = uint32(validity), uint32(last), fromMS(updated)
	if lastRun.Valid {
		t := fromMS(lastRun.Int64)
		a.LastRunAt = &t
	}
	return &a, nil
}

// GetIMAPAccount returns the IMAP account of an inbox of the organisation
// (ENOTFOUND when it has none).
func (db *DB) GetIMAPAccount(ctx context.Context, orgID, channelID int64) (*IMAPAccountRow, error) {
	var a *IMAPAccountRow
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		a, err = scanIMAP(tx.queryRow(ctx, `SELECT `+imapCols+` FROM imap_accounts WHERE channel_id = ? AND org_id = ?`, channelID, orgID))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "inbox %d has no IMAP account", channelID)
	} else if err != nil {
		return nil, fmt.Errorf("get IMAP account of channel %d: %w", channelID, err)
	}
	return a, nil
}

// SetIMAPAccount creates or replaces an inbox's IMAP account. secret nil
// keeps the stored password. A changed server, user or folder starts the
// checkpoint afresh. Audited with the channel id and the after-import
// action only.
func (db *DB) SetIMAPAccount(ctx context.Context, actor gallra.Actor, orgID, channelID int64, in gallra.IMAPSettings, secret []byte) error {
	return db.Update(ctx, func(tx *Tx) error {
		c, err := tx.getChannel(ctx, orgID, channelID)
		if err != nil {
			return err
		}
		if c.Module != gallra.ModuleMail {
			return gallra.Errorf(gallra.EINVALID, "IMAP fetch is only for mail channels")
		}
		enabled := 0
		if in.Enabled != nil && *in.Enabled {
			enabled = 1
		}
		cur, err := scanIMAP(tx.queryRow(ctx, `SELECT `+imapCols+` FROM imap_accounts WHERE channel_id = ? AND org_id = ?`, channelID, orgID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if secret == nil {
				return gallra.Errorf(gallra.EINVALID, "password is required")
			}
			if _, err := tx.exec(ctx, `INSERT INTO imap_accounts (channel_id, org_id, host, port, security, username, secret, folder, after_import, move_to, enabled, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, channelID, orgID, in.Host, in.Port, string(in.Security), in.Username, secret, in.Folder,
				string(in.AfterImport), in.MoveTo, enabled, ms(tx.Now), ms(tx.Now)); err != nil {
				return fmt.Errorf("insert IMAP account: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read IMAP account: %w", err)
		default:
			if secret == nil {
				secret = cur.Secret
			}
			validity, last := int64(cur.UIDValidity), int64(cur.LastUID)
			if cur.Host != in.Host || cur.Port != in.Port || cur.Username != in.Username || cur.Folder != in.Folder {
				validity, last = 0, 0
			}
			if _, err := tx.exec(ctx, `UPDATE imap_accounts SET host = ?, port = ?, security = ?, username = ?, secret = ?, folder = ?, after_import = ?, move_to = ?,
				enabled = ?, uid_validity = ?, last_uid = ?, last_error = '', updated_at = ? WHERE channel_id = ? AND org_id = ?`,
				in.Host, in.Port, string(in.Security), in.Username, secret, in.Folder, string(in.AfterImport), in.MoveTo, enabled, validity, last, ms(tx.Now),
				channelID, orgID); err != nil {
				return fmt.Errorf("update IMAP account: %w", err)
			}
		}
		return tx.Audit(ctx, orgID, actor, "imap.configured", "channel", channelID, map[string]any{"after_import": string(in.AfterImport), "enabled": enabled == 1})
	})
}

// DeleteIMAPAccount removes an inbox's IMAP account and its sealed
// password. Audited.
func (db *DB) DeleteIMAPAccount(ctx context.Context, actor gallra.Actor, orgID, channelID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM imap_accounts WHERE channel_id = ? AND org_id = ?`, channelID, orgID)
		if err != nil {
			return fmt.Errorf("delete IMAP account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gallra.Errorf(gallra.ENOTFOUND, "inbox %d has no IMAP account", channelID)
		}
		return tx.Audit(ctx, orgID, actor, "imap.removed", "channel", channelID, nil)
	})
}

// EnabledIMAPAccounts returns every enabled IMAP account of the
// installation, least recently run first.
func (db *DB) EnabledIMAPAccounts(ctx context.Context) ([]IMAPAccountRow, error) {
	var out []IMAPAccountRow
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+imapCols+` FROM imap_accounts WHERE enabled = 1 ORDER BY COALESCE(last_run_at, 0), channel_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanIMAP(rows)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list IMAP accounts: %w", err)
	}
	return out, nil
}

// IMAPCheckpoint records that every message up to lastUID of the mailbox
// with uidValidity is in Gallra, and adds the counts. Only moves forward
// within one UIDVALIDITY.
func (db *DB) IMAPCheckpoint(ctx context.Context, channelID int64, uidValidity, lastUID uint32, imported, refused int) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE imap_accounts SET
			last_uid = CASE WHEN uid_validity = ? AND last_uid > ? THEN last_uid ELSE ? END,
			uid_validity = ?, imported = imported + ?, refused = refused + ? WHERE channel_id = ?`,
			int64(uidValidity), int64(lastUID), int64(lastUID), int64(uidValidity), imported, refused, channelID)
		if err != nil {
			return fmt.Errorf("IMAP checkpoint of channel %d: %w", channelID, err)
		}
		return nil
	})
}

// IMAPRunDone records when a fetch ran and its error text ("" for none;
// never personal data).
func (db *DB) IMAPRunDone(ctx context.Context, channelID int64, at time.Time, errText string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE imap_accounts SET last_run_at = ?, last_error = ? WHERE channel_id = ?`, ms(at), errText, channelID)
		if err != nil {
			return fmt.Errorf("record IMAP run of channel %d: %w", channelID, err)
		}
		return nil
	})
}
