package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// One-click unsubscribe through the site service: the token of the
// asker's post turns notifications off; a forged token or another
// site's token is refused with a clear message and changes nothing.
func TestSiteUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		key := []byte("0123456789abcdef0123456789abcdef")
		f := storetest.MustFixture(t, db, "Avreg")
		org, forum := f.Org.ID, f.Channels[gallra.ModuleForum].ID
		w, err := db.CreateSiteWrite(ctx, org, store.SiteWriteRow{SiteWrite: gallra.SiteWrite{ChannelID: forum, Title: "Buller", Body: "Det bullrar på natten.", Author: gallra.Author{Name: "Fia", Email: "fia@example.org"}, Notify: true}})
		if err != nil {
			t.Fatal(err)
		}
		svc := service.NewSite(service.Deps{DB: db, Clock: clock}, nil).WithNotifyKey(key)
		site := &gallra.Site{Org: gallra.Organisation{ID: org}}
		good := service.UnsubscribeToken(key, org, w.PostID)

		refused := []struct {
			name, tok string
			site      *gallra.Site
		}{
			{"forged", service.UnsubscribeToken([]byte("another key, another key, 32 byt"), org, w.PostID), site},
			{"altered", strings.Replace(good, ".", ".1", 1), site},
			{"other site", good, &gallra.Site{Org: gallra.Organisation{ID: org + 1000}}},
		}
		for _, c := range refused {
			err := svc.Unsubscribe(ctx, c.site, c.tok)
			if gallra.ErrorCode(err) != gallra.EINVALID || !strings.Contains(gallra.ErrorMessage(err), "use the link from the e-mail") {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org, w.TopicID); !ok || err != nil {
			t.Fatalf("refused tokens changed the subscription: ok %v err %v", ok, err)
		}
		if err := svc.Unsubscribe(ctx, site, good); err != nil {
			t.Fatalf("unsubscribe: %v", err)
		}
		if _, _, ok, err := db.AnswerNotifyTarget(ctx, org, w.TopicID); ok || err != nil {
			t.Fatalf("still a target after unsubscribe: ok %v err %v", ok, err)
		}
		if err := svc.Unsubscribe(ctx, site, good); err != nil {
			t.Fatalf("second unsubscribe: %v", err)
		}
	})
}
