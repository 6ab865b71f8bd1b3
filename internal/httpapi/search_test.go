package httpapi

import (
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// An anonymous post whose letters change UTF-8 length when lower-cased
// (issue 15, item 4) must not break staff search of its channel.
func TestSearchSurvivesLengthChangingCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, generous)
		body := strings.Repeat("Ⱥ", 40) + " needle " + strings.Repeat("İ", 200)
		e.run([]scenario{
			{name: "anonymous post", method: "POST", path: "/api/v1/public/topics/{topic}/posts",
				body: `{"body":"` + body + `","author_name":"Anonym","author_email":"anon@example.se"}`, status: 201},
			{name: "search one letter", method: "GET", path: "/api/v1/channels/{forum}/search?q=e", who: "editor", status: 200,
				want: []string{strings.Repeat("Ⱥ", 40) + " needle " + strings.Repeat("İ", 112) + "…"}},
			{name: "search the word", method: "GET", path: "/api/v1/channels/{forum}/search?q=NEEDLE", who: "editor", status: 200,
				want: []string{`"type":"forum_post"`, "needle"}},
		})
	})
}
