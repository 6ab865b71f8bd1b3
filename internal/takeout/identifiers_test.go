package takeout_test

import (
	"context"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// Erasure, by deletion or anonymization, leaves the identifier index
// holding exactly what the remaining text holds: nothing of the erased
// items, the mentions in others' items still found.
func TestErasureKeepsIdentifierIndexExact(t *testing.T) {
	for _, action := range []string{takeout.ForumDelete, takeout.ForumAnonymize} {
		t.Run(action, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
				ctx := context.Background()
				f := storetest.MustFixture(t, db, "IdxErase")
				seed(t, db, f)
				eva := gallra.Author{Name: "Eva Svensson", Email: subjectEmail, IP: "192.0.2.10"}
				// Eva's own text with her number and address, in each module.
				tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: f.Channels[gallra.ModuleForum].ID, Title: "Ring mig",
					Body: "Ring 070-174 06 05 eller mejla " + subjectEmail, Author: eva})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Name: eva.Name, Email: eva.Email,
					Message: "mitt nummer 070-174 06 05"}); err != nil {
					t.Fatal(err)
				}
				before, complete, err := db.LookupIdentifier(ctx, f.Org.ID, pii.IdentPhone, "0701740605")
				if err != nil || !complete || len(before) < 2 {
					t.Fatalf("before erasure: %+v %v %v", before, complete, err)
				}
				in := newRequest(gallra.RequestErase)
				in.ForumAction = action
				r, err := newService(t, db).Submit(ctx, f.Admin, in)
				if err != nil || r.Status != gallra.StatusCompleted {
					t.Fatalf("erase: %+v %v", r, err)
				}
				d, err := db.VerifyIdentifierIndex(ctx, f.Org.ID)
				if err != nil || d.Missing != 0 || d.Stale != 0 {
					t.Fatalf("after erasure the index differs from the text: %+v %v", d, err)
				}
				after, _, err := db.LookupIdentifier(ctx, f.Org.ID, pii.IdentPhone, "0701740605")
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range after {
					if ref.ParentID == tp.ID && ref.Entity == store.EntityForumPost {
						t.Errorf("erased post still indexed: %+v", ref)
					}
					if ref.Entity == store.EntityChatMessage {
						t.Errorf("erased chat message still indexed: %+v", ref)
					}
				}
				// Olle's post mentioning Eva's address stays found.
				refs, _, err := db.LookupIdentifier(ctx, f.Org.ID, pii.IdentEmail, subjectEmail)
				if err != nil || len(refs) == 0 {
					t.Errorf("others' mention of the address: %+v %v", refs, err)
				}
			})
		})
	}
}
