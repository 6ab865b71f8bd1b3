package takeout_test

import (
	"archive/zip"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestIndexHTMLForPeople: index.html in the organisation's language (here
// English) throughout, times in its time zone, the Art. 15(1) section from
// the request settings (empty fields left out), no section without items
// and no attachments folder when there are no attachments.
func TestIndexHTMLForPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Index")
		o := *f.Org
		o.Language = "en"
		if err := db.UpdateOrganisation(ctx, gallra.Actor{Type: gallra.ActorSystem}, &o); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Snow", Body: "When is the road cleared?",
			Author: gallra.Author{Name: "Eva", Email: subjectEmail}}); err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		if _, err := svc.SaveSettings(ctx, f.Editor, gallra.RequestSettings{TimeZone: "Europe/Helsinki"}); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("an editor changed the settings: %v", err)
		}
		if _, err := svc.SaveSettings(ctx, f.Admin, gallra.RequestSettings{TimeZone: "Mars/Olympus"}); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Fatalf("unknown time zone: %v", err)
		}
		if _, err := svc.SaveSettings(ctx, f.Admin, gallra.RequestSettings{TimeZone: "Europe/Helsinki",
			Info: gallra.PrivacyInfo{DPOContact: "dpo@index.example", Complaint: "IMY, imy.se"}}); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("export: %+v %v", r, err)
		}
		zr, err := zip.OpenReader(svc.ArtefactFile(r))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var html string
		for _, zf := range zr.File {
			if zf.Name == "index.html" {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				html = string(b)
			}
		}
		// 09:00 UTC on 15 January is 11:00 in Helsinki.
		for _, want := range []string{`lang="en"`, "Data export", "15 January 2026, 11:00", "About the processing of your data", "Data-protection officer",
			"dpo@index.example", "Forum", "Snow", r.Reference} {
			if !strings.Contains(html, want) {
				t.Errorf("index.html lacks %q", want)
			}
		}
		for _, not := range []string{"Registerutdrag", "E-post", "<h2>E-mail</h2>", "<h2>Chat</h2>", "attachments/", "Recipients", " UTC"} {
			if strings.Contains(html, not) {
				t.Errorf("index.html has %q", not)
			}
		}
	})
}
