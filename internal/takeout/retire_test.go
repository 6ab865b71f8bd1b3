package takeout_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestErasureRetiresEarlierExport: after an erasure, the person's earlier
// export is no longer downloadable (file gone, recorded deleted) and the
// earlier request keeps only the keyed hash of the address.
func TestErasureRetiresEarlierExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Retire")
		seed(t, db, f)
		svc := newService(t, db)
		ex, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil || ex.Status != gallra.StatusCompleted {
			t.Fatalf("export: %+v %v", ex, err)
		}
		file := svc.ArtefactFile(ex)
		if _, err := os.Stat(file); err != nil {
			t.Fatal(err)
		}
		er, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil || er.Status != gallra.StatusCompleted {
			t.Fatalf("erase: %+v %v", er, err)
		}
		if er.Counts["earlier_exports_retired"] != 1 || er.Counts["earlier_requests_reduced"] != 1 {
			t.Errorf("erasure counts: %v", er.Counts)
		}
		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("earlier export still on disk: %v", err)
		}
		got, err := svc.Get(ctx, f.Admin, ex.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EmailRetained || got.Artefact == nil || got.Artefact.DeletedAt == nil {
			t.Errorf("earlier request after the erasure: %+v", got)
		}
		if _, _, err := svc.OpenArtefact(ctx, f.Admin, ex.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("download after the erasure: %v", err)
		}
		if a, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "request.earlier_retired"}); len(a) != 1 {
			t.Errorf("audit entries: %d", len(a))
		}
	})
}
