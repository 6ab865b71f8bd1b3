package site_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/site"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// BenchmarkTopicPage renders the first page of a 100-post topic through the
// handler (no network), on SQLite.
func BenchmarkTopicPage(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite, storetest.NewClock(storetest.Start()))
	f := storetest.MustFixture(b, db, "Bench")
	forum := f.Channels[gallra.ModuleForum].ID
	if _, err := benchdb.SeedForum(ctx, db, f.Org.ID, forum, 500, 20, nil); err != nil {
		b.Fatal(err)
	}
	big, err := benchdb.SeedForum(ctx, db, f.Org.ID, forum, 1, 100, nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := service.NewSite(service.Deps{DB: db}, nil)
	if _, err := svc.SaveSettings(ctx, f.Admin, gallra.SiteSettings{Slug: "bench", IPStorage: gallra.IPNone}); err != nil {
		b.Fatal(err)
	}
	h, err := site.New(site.Config{Service: svc, Key: []byte(strings.Repeat("b", 32))})
	if err != nil {
		b.Fatal(err)
	}
	hd := h.Wrap(http.NotFoundHandler())
	path := "/p/bench/t/" + strconv.FormatInt(big[0], 10)
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		hd.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkSearch searches a 200,000-post forum for a rare word (about 100
// matches) through the store, on SQLite.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite, storetest.NewClock(storetest.Start()))
	f := storetest.MustFixture(b, db, "Bench")
	if _, err := benchdb.SeedForum(ctx, db, f.Org.ID, f.Channels[gallra.ModuleForum].ID, 10_000, 20, nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		if _, err := db.SearchSite(ctx, f.Org.ID, []string{benchdb.RareWord(i * 7919)}, 20); err != nil {
			b.Fatal(err)
		}
	}
}
