package store_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Characters whose lower-case form has another UTF-8 length (Ⱥ 2→3 bytes,
// İ 2→3, K Kelvin sign 3→1, ẞ 3→2) must not break a channel's search: the
// snippet is cut from the original text, around the match, on rune
// boundaries.
func TestSearchChannelSnippetWithLengthChangingCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Sök")
		forum := f.Channels[gallra.ModuleForum].ID
		tests := []struct {
			name, body, q string
			want          string // must appear in the snippet
		}{
			{"grows before match", strings.Repeat("Ⱥ", 40) + " needle", "needle", "needle"},
			{"dotted capital I before match", strings.Repeat("İ", 100) + " nål i höstacken", "höstacken", "höstacken"},
			{"shrinks before match", strings.Repeat("K", 90) + " ankare", "ankare", "ankare"},
			{"sharp s before match", strings.Repeat("ẞ", 70) + " gäddan", "gäddan", "gäddan"},
			{"match far into long text", strings.Repeat("Ⱥx", 300) + " pilgrim " + strings.Repeat("İ", 300), "pilgrim", "pilgrim"},
			{"upper-case match in original", strings.Repeat("Ⱥ", 80) + " NEEDLE finns", "needle", "NEEDLE"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tp, err := db.CreateTopic(ctx, f.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "t", Body: tt.body,
					Author: gallra.Author{Name: "Anonym", Email: "anon@example.se"}})
				if err != nil {
					t.Fatal(err)
				}
				hits, err := db.SearchChannel(ctx, f.Org.ID, forum, tt.q, 10)
				if err != nil {
					t.Fatalf("search %q: %v", tt.q, err)
				}
				var got *gallra.SearchHit
				for j := range hits {
					if hits[j].ID == tp.Posts[0].ID {
						got = &hits[j]
					}
				}
				if got == nil {
					t.Fatalf("search %q: post not found in %d hits", tt.q, len(hits))
				}
				if !strings.Contains(got.Snippet, tt.want) {
					t.Errorf("snippet %q does not contain %q", got.Snippet, tt.want)
				}
				core := strings.TrimSuffix(strings.TrimPrefix(got.Snippet, "…"), "…")
				if !strings.Contains(tt.body, core) {
					t.Errorf("snippet %q is not cut from the post", got.Snippet)
				}
				// A one-letter query hits every post so far, each with a
				// length-changing prefix: none may break the search.
				if _, err := db.SearchChannel(ctx, f.Org.ID, forum, "e", 200); err != nil {
					t.Fatalf("search %q after %d posts: %v", "e", i+1, err)
				}
			})
		}
	})
}

// FuzzSearchChannel posts a fuzzed body to a forum and searches it with a
// fuzzed query on SQLite: the search must not fail, and every snippet must be
// a piece of a post, valid UTF-8 when the posts are.
func FuzzSearchChannel(f *testing.F) {
	f.Add(strings.Repeat("Ⱥ", 40)+" needle", "e")
	f.Add(strings.Repeat("İ", 100)+" nål", "NÅL")
	f.Add(strings.Repeat("K", 90)+" ankare", "k")
	f.Add("100% _rabatt_ \\ idag", "%")
	ctx := context.Background()
	db := storetest.Open(f, store.SQLite, storetest.NewClock(storetest.Start()))
	fx := storetest.MustFixture(f, db, "Fuzz")
	forum := fx.Channels[gallra.ModuleForum].ID
	f.Fuzz(func(t *testing.T, body, q string) {
		if !utf8.ValidString(body) || !utf8.ValidString(q) {
			t.Skip("the API accepts only UTF-8 JSON")
		}
		if _, err := db.CreateTopic(ctx, fx.Org.ID, gallra.NewTopic{ChannelID: forum, Title: "t", Body: body,
			Author: gallra.Author{Name: "Anonym", Email: "anon@example.se"}}); err != nil {
			t.Fatal(err)
		}
		hits, err := db.SearchChannel(ctx, fx.Org.ID, forum, q, 200)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		for _, h := range hits {
			if !utf8.ValidString(h.Snippet) {
				t.Fatalf("search %q: snippet %q is not valid UTF-8", q, h.Snippet)
			}
		}
	})
}
