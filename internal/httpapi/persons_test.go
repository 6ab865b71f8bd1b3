package httpapi

import (
	"context"
	"strconv"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

func TestPersonEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		post := must(db.CreatePost(context.Background(), e.a.Org.ID, gallra.NewPost{TopicID: e.ids["topic"], Body: "Kundens nummer är " + testPnr,
			Author: gallra.Author{Name: "Granne", Email: "granne@example.se"}}))
		postID := `"id":` + strconv.FormatInt(post.ID, 10)
		e.run([]scenario{
			{name: "personnummer in someone else's post", method: "POST", path: "/api/v1/persons/search", who: "admin",
				body: map[string]any{"q": testPnr}, status: 200, want: []string{`"kind":"personnummer"`, `"entity":"forum_post"`, postID, `"complete":true`}},
			{name: "editor, own channel", method: "POST", path: "/api/v1/persons/search", who: "editor",
				body: map[string]any{"q": testPnr}, status: 200, want: []string{postID}},
			{name: "other organisation", method: "POST", path: "/api/v1/persons/search", who: "other",
				body: map[string]any{"q": testPnr}, status: 200, want: []string{`"mentions":[]`}, notWant: []string{postID}},
			{name: "by e-mail", method: "POST", path: "/api/v1/persons/search", who: "admin",
				body: map[string]any{"q": custEmail}, status: 200, want: []string{`"id":{person}`}},
			{name: "bad value", method: "POST", path: "/api/v1/persons/search", who: "admin", body: map[string]any{"q": "12"}, status: 400},
			{name: "needs a token", method: "POST", path: "/api/v1/persons/search", who: "none", body: map[string]any{"q": "x"}, status: 401},
			{name: "person page", method: "GET", path: "/api/v1/persons/{person}", who: "admin", status: 200,
				want: []string{`"module":"forum"`, `"module":"mail"`, `"module":"chat"`, `"requests":[]`}},
			{name: "person page of another organisation", method: "GET", path: "/api/v1/persons/{person}", who: "other", status: 404},
		})
	})
}
