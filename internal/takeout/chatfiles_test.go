package takeout_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A file the person sent in a chat is in their export: described in
// data.json (valid against the schema) and itself under chat-files/; an
// erasure deletes it with the chat.
func TestExportAndEraseChatFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		c, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: "Eva", Email: subjectEmail, Message: "Här är ritningen"})
		if err != nil {
			t.Fatal(err)
		}
		content := []byte("Ritning: altan 3 x 4 meter.\n")
		if _, err := db.AddChatFile(ctx, f.Org.ID, c.ID, nil, gallra.ChatFile{Filename: "ritning.txt", ContentType: "text/plain", Size: int64(len(content)), SHA256: "x", Content: content}); err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil || r.Artefact == nil {
			t.Fatalf("export: %+v %v", r, err)
		}
		zr, err := zip.OpenReader(svc.ArtefactFile(r))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[zf.Name] = string(b)
		}
		validateData(t, []byte(files["data.json"]))
		var data struct {
			Chats []struct {
				Messages []struct {
					Body string `json:"body"`
					File *struct {
						Path string `json:"path"`
					} `json:"file"`
				} `json:"messages"`
			} `json:"chat_conversations"`
		}
		if err := json.Unmarshal([]byte(files["data.json"]), &data); err != nil {
			t.Fatal(err)
		}
		if len(data.Chats) != 1 || len(data.Chats[0].Messages) != 2 || data.Chats[0].Messages[1].File == nil {
			t.Fatalf("chat in data.json: %+v", data.Chats)
		}
		if got := files[data.Chats[0].Messages[1].File.Path]; got != string(content) {
			t.Errorf("file %s in the ZIP = %q", data.Chats[0].Messages[1].File.Path, got)
		}

		if _, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM chat_attachments`).Scan(&n)
		}); err != nil || n != 0 {
			t.Errorf("chat files after erasure: %d (%v)", n, err)
		}
	})
}
