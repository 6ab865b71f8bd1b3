package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// TestTakeoutResume completes an erasure interrupted after one batch with
// `gallra takeout resume`, with exact counts, on both databases.
func TestTakeoutResume(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db, err := openDB(ctx, &Env{Getenv: func(string) string { return "" }}, url, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f := storetest.MustFixture(t, db, "Resume")
			forum := f.Channels[gallra.ModuleForum].ID
			for i := range 3 {
				if _, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "Fråga " + strconv.Itoa(i), Body: "text",
					Author: gallra.Author{Name: "Eva", Email: "eva@example.se"}}); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			boom := errors.New("disk on fire")
			svc := takeout.New(db, nil, takeout.Config{ArtefactDir: dir, BatchSize: 1}).WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
				if p.Phase == "erase" {
					return boom
				}
				return nil
			})
			r, err := svc.Create(ctx, f.Admin, takeout.NewRequest{Kind: gallra.RequestErase, Email: "eva@example.se", Modules: []gallra.Module{gallra.ModuleForum},
				Attestation: takeout.Statements()[0], VerificationMethod: takeout.MethodPhoneCall})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Process(ctx, f.Org.ID, r.ID); !errors.Is(err, boom) {
				t.Fatalf("first run: %v", err)
			}
			org, id := strconv.FormatInt(f.Org.ID, 10), strconv.FormatInt(r.ID, 10)
			env, out, errb := testEnv(map[string]string{"GALLRA_DATABASE_URL": url, "GALLRA_ARTEFACT_DIR": dir})
			if code := run(ctx, env, []string{"takeout", "resume", "--org", org, "--id", id}); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, errb)
			}
			if !strings.Contains(out.String(), `"status": "completed"`) || !strings.Contains(out.String(), `"forum_posts_deleted": 3`) ||
				!strings.Contains(out.String(), `"forum_topics_deleted": 3`) || !strings.Contains(out.String(), `"person_deleted": 1`) {
				t.Fatalf("resume output: %s", out)
			}
			env, _, errb = testEnv(map[string]string{"GALLRA_DATABASE_URL": url})
			if code := run(ctx, env, []string{"takeout", "resume", "--org", org}); code == 0 || !strings.Contains(errb.String(), "--id") {
				t.Fatalf("resume without --id: exit %d: %s", code, errb)
			}
		})
	}
}
