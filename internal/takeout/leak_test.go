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
	"github.com/gallra/gallra/internal/takeout"
)

// TestExportSharedThreadNoTraceOfOtherCustomer: a mail thread shared by two
// customers, with a staff reply addressed to both that greets both by name:
// the export for one of them holds no trace of the other — not in the
// recipients of the staff reply, not in the text, in no file (Art. 15(4)).
func TestExportSharedThreadNoTraceOfOtherCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		org, mail := f.Org.ID, f.Channels[gallra.ModuleMail]
		admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
		m1, err := db.IngestMail(ctx, org, mail.ID, gallra.InboundMail{From: subjectEmail, FromName: "Eva Svensson", To: []string{mail.Address},
			Subject: "Bygglov", Body: "Hej, hur går det med bygglovet?", MessageID: "leak1@example.se"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.GetMailConversation(ctx, org, m1.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.IngestMail(ctx, org, mail.ID, gallra.InboundMail{From: "Bertil.Grannsson@Example.se", FromName: "Bertil Grannsson", To: []string{mail.Address},
			Subject: "Re: Bygglov", Body: "Jag är grannen och har synpunkter.", MessageID: "leak2@example.se", InReplyTo: "leak1@example.se", ReplyKey: c.ReplyKey}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReplyMail(ctx, admin, org, m1.ConversationID, f.Admin, store.OutboundReply{
			Body:     "Hej Eva Svensson och Bertil Grannsson! Vi skickar svaret till eva.svensson@example.se och bertil.grannsson@example.se.",
			To:       []string{subjectKey},
			Cc:       []string{"bertil.grannsson@example.se"},
			FromAddr: mail.Address,
		}); err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport, gallra.ModuleMail))
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("export: %+v %v", r, err)
		}
		zr, err := zip.OpenReader(svc.ArtefactFile(r))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var mailCSV string
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			low := strings.ToLower(string(b))
			for _, trace := range []string{"bertil", "grannsson"} {
				if strings.Contains(low, trace) {
					t.Errorf("%s holds a trace of the other customer (%q)", zf.Name, trace)
				}
			}
			if zf.Name == "mail.csv" {
				mailCSV = string(b)
			}
		}
		// The person's own address and the staff reply are still there.
		if !strings.Contains(mailCSV, subjectKey) || !strings.Contains(mailCSV, takeout.OtherCustomerLabel) || !strings.Contains(mailCSV, "Vi skickar svaret") {
			t.Errorf("mail.csv lost the person's own data or the label:\n%s", mailCSV)
		}
	})
}
