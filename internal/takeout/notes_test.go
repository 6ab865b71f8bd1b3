package takeout_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The staff's internal notes on a conversation the person took part in are
// about them: the export has them (text and time, not who wrote them), in
// data.json (valid against the schema) and in index.html.
func TestExportHasConversationNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		mail := f.Channels[gallra.ModuleMail]
		m, err := db.IngestMail(ctx, f.Org.ID, mail.ID, gallra.InboundMail{From: subjectEmail, FromName: "Eva", To: []string{mail.Address}, Subject: "Bygglov", Body: "Hej", MessageID: "n1@example.se"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddConversationNote(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Editor.ID}, f.Org.ID, gallra.SubjectMailConversation, m.ConversationID, f.Editor, "Eva ringde om ritningen"); err != nil {
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
			Mail []struct {
				Notes []struct {
					Body string `json:"body"`
				} `json:"notes"`
			} `json:"mail_conversations"`
		}
		if err := json.Unmarshal([]byte(files["data.json"]), &data); err != nil {
			t.Fatal(err)
		}
		if len(data.Mail) != 1 || len(data.Mail[0].Notes) != 1 || data.Mail[0].Notes[0].Body != "Eva ringde om ritningen" {
			t.Errorf("notes in data.json: %+v", data.Mail)
		}
		if !strings.Contains(files["index.html"], "Eva ringde om ritningen") {
			t.Error("index.html lacks the note")
		}
		if strings.Contains(files["data.json"], f.Editor.Name) {
			t.Error("the export names the staff member who wrote the note")
		}
	})
}
