package httpapi

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestNullBodyRefused sends a JSON null body to every route that reads one:
// none may take it for an empty object (DecodeJSON refuses it with 400
// before any handler acts on it).
func TestNullBodyRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		param := regexp.MustCompile(`\{[^}]+\}`)
		n := 0
		for _, rt := range e.srv.router.routes {
			if rt.Request == nil {
				continue
			}
			// Real ids of org A where the route takes one, so that the
			// handler reaches the body rather than answering 404.
			path := param.ReplaceAllStringFunc(rt.Path, func(p string) string {
				switch {
				case strings.HasPrefix(rt.Path, "/api/v1/channels/") && p == "{id}":
					return "{forum}"
				case p == "{staffID}":
					return "{editor}"
				}
				return "1"
			})
			who := "admin"
			if rt.Auth == AuthPublic {
				who = ""
			}
			res := e.do(rt.Method, path, who, "null", nil)
			if res.Status >= 200 && res.Status < 300 {
				t.Errorf("%s %s accepted a null body: %d %s", rt.Method, rt.Path, res.Status, res.Body)
			}
			if res.Status == 400 && strings.Contains(string(res.Body), "JSON null") {
				n++
			}
		}
		if n < 10 {
			t.Errorf("only %d routes refused the null body as such", n)
		}
	})
}
