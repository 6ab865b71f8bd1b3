package takeout_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The export bundle is pinned byte for byte (every file of the ZIP, and the
// counts, mentions and Find result of the request) on both engines: a
// change to how its rows are read must not change what the person gets.
// GALLRA_UPDATE_GOLDEN=1 rewrites testdata/export after a deliberate change.
func TestExportGolden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Golden")
		seed(t, db, f)
		social(t, db, f, "fb-3", "fb-1", subjectEmail) // Eva's reply under her post
		social(t, db, f, "fb-4", "fb-3", otherEmail)   // Olle's reply under it
		chats, err := db.ListChats(ctx, f.Org.ID, f.Channels[gallra.ModuleChat].ID, "", gallra.Page{})
		mustDo(t, err)
		_, err = db.CloseChat(ctx, gallra.Actor{Type: gallra.ActorSystem}, f.Org.ID, chats[len(chats)-1].ID) // Eva's
		mustDo(t, err)
		svc := newService(t, db)
		found, err := svc.Find(ctx, f.Org.ID, subjectEmail, nil)
		mustDo(t, err)
		for _, c := range []struct {
			name    string
			modules []gallra.Module
		}{{"all", nil}, {"mail", []gallra.Module{gallra.ModuleMail}}} {
			t.Run(c.name, func(t *testing.T) {
				r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport, c.modules...))
				mustDo(t, err)
				if r, err = svc.Process(ctx, f.Org.ID, r.ID); err != nil {
					t.Fatal(err)
				}
				got := map[string][]byte{}
				zr, err := zip.OpenReader(svc.ArtefactFile(r))
				mustDo(t, err)
				defer zr.Close()
				for _, zf := range zr.File {
					rc, err := zf.Open()
					mustDo(t, err)
					b, err := io.ReadAll(rc)
					rc.Close()
					mustDo(t, err)
					got[zf.Name] = b
				}
				meta, err := json.MarshalIndent(map[string]any{"counts": r.Counts, "mentions": r.Mentions, "mentions_status": r.MentionsStatus,
					"found": found, "artefact_size": r.Artefact.Size, "artefact_sha256": r.Artefact.SHA256}, "", "  ")
				mustDo(t, err)
				got["request.json"] = append(meta, '\n')
				dir := filepath.Join("testdata", "export", c.name)
				if os.Getenv("GALLRA_UPDATE_GOLDEN") == "1" {
					mustDo(t, os.RemoveAll(dir))
					for name, b := range got {
						p := filepath.Join(dir, filepath.FromSlash(name))
						mustDo(t, os.MkdirAll(filepath.Dir(p), 0o755))
						mustDo(t, os.WriteFile(p, b, 0o644))
					}
				}
				var want []string
				mustDo(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					rel, _ := filepath.Rel(dir, p)
					want = append(want, filepath.ToSlash(rel))
					return nil
				}))
				var names []string
				for name := range got {
					names = append(names, name)
				}
				slices.Sort(names)
				slices.Sort(want)
				if !slices.Equal(names, want) {
					t.Fatalf("files %q, want %q", names, want)
				}
				for _, name := range want {
					b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
					mustDo(t, err)
					if !bytes.Equal(got[name], b) {
						t.Errorf("%s differs from testdata/export/%s/%s:\n%s", name, c.name, name, got[name])
					}
				}
			})
		}
	})
}
