package takeout_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Downloading an export's ZIP is a read of the person's data: it is in the
// access log (export, the request id, download), also in the person's.
func TestArtefactDownloadIsInTheAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		seed(t, db, f)
		p, err := db.FindPerson(ctx, f.Org.ID, subjectEmail)
		if err != nil {
			t.Fatal(err)
		}
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		fh, _, err := svc.OpenArtefact(ctx, f.Admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		fh.Close()
		hash, err := db.PersonEmailHash(ctx, f.Org.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []store.AccessLogQuery{{OrgID: f.Org.ID}, {OrgID: f.Org.ID, PersonID: p.ID, EmailHash: hash}} {
			page, err := db.ListAccessLog(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 {
				t.Fatalf("access log (person %d): %+v, want the download", q.PersonID, page.Items)
			}
			if e := page.Items[0]; e.SubjectType != gallra.SubjectExport || e.SubjectID != r.ID || e.Action != gallra.AccessDownload || e.StaffID != f.Admin.ID {
				t.Errorf("entry %+v", e)
			}
		}
	})
}
