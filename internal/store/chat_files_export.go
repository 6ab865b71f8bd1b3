package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gallra/gallra"
)

// ChatThreadFiles returns the files of a chat by the id of the message
// that carries each (metadata only; ChatFileContent reads one's content),
// for the data-subject export.
func (tx *Tx) ChatThreadFiles(ctx context.Context, orgID, convID int64) (map[int64]gallra.ChatFile, error) {
	rows, err := tx.query(ctx, `SELECT a.message_id, a.id, a.filename, a.content_type, a.size, a.sha256 FROM chat_attachments a JOIN chat_messages m ON m.id = a.message_id
		WHERE m.conversation_id = ? AND a.org_id = ? ORDER BY a.id`, convID, orgID)
	if err != nil {
		return nil, fmt.Errorf("list files of chat %d: %w", convID, err)
	}
	defer rows.Close()
	out := map[int64]gallra.ChatFile{}
	for rows.Next() {
		var msg int64
		var f gallra.ChatFile
		if err := rows.Scan(&msg, &f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256); err != nil {
			return nil, err
		}
		out[msg] = f
	}
	return out, rows.Err()
}

// ChatFileContent returns the content of a chat file of the organisation.
func (tx *Tx) ChatFileContent(ctx context.Context, orgID, id int64) ([]byte, error) {
	var b []byte
	err := tx.queryRow(ctx, `SELECT content FROM chat_attachments WHERE id = ? AND org_id = ?`, id, orgID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("file", id)
	}
	return b, err
}
