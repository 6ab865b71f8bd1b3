package httpapi

import (
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// tenantCase is a request by organisation B's admin aimed at organisation A's
// object (ids of A expanded from {placeholders}).
type tenantCase struct {
	path string
	body string
}

// tenantCases lists, per route pattern, requests that name another
// organisation's objects. EVERY staff route with an id in its path must be
// here (TestTenantIsolation fails otherwise), as must routes taking ids in the
// body or query.
var tenantCases = map[string][]tenantCase{
	"GET /api/v1/persons/{id}":                               {{path: "/api/v1/persons/{person}"}},
	"GET /api/v1/channels/{id}":                              {{path: "/api/v1/channels/{forum}"}},
	"PATCH /api/v1/channels/{id}":                            {{path: "/api/v1/channels/{forum}", body: `{"name":"hijacked"}`}},
	"DELETE /api/v1/channels/{id}":                           {{path: "/api/v1/channels/{empty}"}},
	"PUT /api/v1/channels/{id}/members/{staffID}":            {{path: "/api/v1/channels/{forum}/members/{editor}"}, {path: "/api/v1/channels/{bforum}/members/{editor}"}},
	"DELETE /api/v1/channels/{id}/members/{staffID}":         {{path: "/api/v1/channels/{forum}/members/{editor}"}},
	"GET /api/v1/staff/{id}":                                 {{path: "/api/v1/staff/{editor}"}},
	"PATCH /api/v1/staff/{id}":                               {{path: "/api/v1/staff/{editor}", body: `{"name":"hijacked"}`}},
	"DELETE /api/v1/staff/{id}":                              {{path: "/api/v1/staff/{editor}"}},
	"DELETE /api/v1/tokens/{id}":                             {{path: "/api/v1/tokens/{token}"}},
	"POST /api/v1/tokens":                                    {{path: "/api/v1/tokens", body: `{"name":"x","staff_id":{admin}}`}},
	"GET /api/v1/channels/{id}/topics":                       {{path: "/api/v1/channels/{forum}/topics"}},
	"GET /api/v1/topics/{id}":                                {{path: "/api/v1/topics/{topic}"}},
	"PATCH /api/v1/posts/{id}":                               {{path: "/api/v1/posts/{post}", body: `{"body":"hijacked"}`}},
	"GET /api/v1/channels/{id}/conversations":                {{path: "/api/v1/channels/{mail}/conversations"}},
	"GET /api/v1/channels/{id}/imap":                         {{path: "/api/v1/channels/{mail}/imap"}},
	"PUT /api/v1/channels/{id}/imap":                         {{path: "/api/v1/channels/{mail}/imap", body: `{"host":"127.0.0.1","security":"none","username":"u","password":"p"}`}},
	"DELETE /api/v1/channels/{id}/imap":                      {{path: "/api/v1/channels/{mail}/imap"}},
	"POST /api/v1/channels/{id}/imap/fetch":                  {{path: "/api/v1/channels/{mail}/imap/fetch"}},
	"GET /api/v1/conversations/{id}":                         {{path: "/api/v1/conversations/{conv}"}},
	"POST /api/v1/conversations/{id}/replies":                {{path: "/api/v1/conversations/{conv}/replies", body: `{"body":"hijacked"}`}},
	"GET /api/v1/attachments/{id}":                           {{path: "/api/v1/attachments/{att}"}},
	"POST /api/v1/channels/{id}/messages":                    {{path: "/api/v1/channels/{mail}/messages", body: `{"from":"x@example.se","body":"hijacked"}`}},
	"GET /api/v1/channels/{id}/chats":                        {{path: "/api/v1/channels/{chat}/chats"}},
	"GET /api/v1/channels/{id}/chat-log":                     {{path: "/api/v1/channels/{chat}/chat-log?from=2020-01-01&to=2030-01-01"}},
	"POST /api/v1/chats/{id}/accept":                         {{path: "/api/v1/chats/{chatid}/accept"}},
	"GET /api/v1/chats/{id}":                                 {{path: "/api/v1/chats/{chatid}"}},
	"POST /api/v1/chats/{id}/messages":                       {{path: "/api/v1/chats/{chatid}/messages", body: `{"body":"hijacked"}`}},
	"POST /api/v1/chats/{id}/close":                          {{path: "/api/v1/chats/{chatid}/close"}},
	"GET /api/v1/channels/{id}/social-items":                 {{path: "/api/v1/channels/{social}/social-items"}},
	"POST /api/v1/channels/{id}/social-items":                {{path: "/api/v1/channels/{social}/social-items", body: `{"external_id":"p1","author_id":"u1","body":"hijacked"}`}},
	"DELETE /api/v1/channels/{id}/social-items/{externalID}": {{path: "/api/v1/channels/{social}/social-items/p1"}, {path: "/api/v1/channels/{social}/social-items/u1?by=author"}},
	"GET /api/v1/channels/{id}/articles":                     {{path: "/api/v1/channels/{knowledge}/articles"}},
	"POST /api/v1/channels/{id}/articles":                    {{path: "/api/v1/channels/{knowledge}/articles", body: `{"title":"x","body":"hijacked"}`}},
	"GET /api/v1/articles/{id}":                              {{path: "/api/v1/articles/{article}"}},
	"PUT /api/v1/articles/{id}":                              {{path: "/api/v1/articles/{article}", body: `{"title":"x","body":"hijacked"}`}},
	"DELETE /api/v1/articles/{id}":                           {{path: "/api/v1/articles/{article}"}},
	"GET /api/v1/custom-fields": {
		{path: "/api/v1/custom-fields?subject_type=forum_topic&subject_id={topic}"},
		{path: "/api/v1/custom-fields?subject_type=person&subject_id={person}"},
		{path: "/api/v1/custom-fields?subject_type=mail_conversation&subject_id={conv}"},
		{path: "/api/v1/custom-fields?subject_type=chat_conversation&subject_id={chatid}"},
	},
	"PUT /api/v1/custom-fields": {
		{path: "/api/v1/custom-fields", body: `{"subject_type":"forum_topic","subject_id":{topic},"key":"customer_no","value":"hijacked"}`},
		{path: "/api/v1/custom-fields", body: `{"subject_type":"person","subject_id":{person},"key":"k","value":"hijacked"}`},
	},
	"GET /api/v1/channels/{id}/search": {{path: "/api/v1/channels/{forum}/search?q=hello"}},
	// The workspace.
	"GET /api/v1/workspace/conversations":      {{path: "/api/v1/workspace/conversations?channel_id={mail}"}},
	"GET /api/v1/workspace/conversations/{id}": {{path: "/api/v1/workspace/conversations/{conv}"}},
	"PUT /api/v1/conversations/{id}/status":    {{path: "/api/v1/conversations/{conv}/status", body: `{"status":"closed"}`}},
	"PUT /api/v1/conversations/{id}/assignee":  {{path: "/api/v1/conversations/{conv}/assignee", body: `{"assignee_id":null}`}},
	"GET /api/v1/conversations/{id}/assignees": {{path: "/api/v1/conversations/{conv}/assignees"}},
	"GET /api/v1/conversations/{id}/notes":     {{path: "/api/v1/conversations/{conv}/notes"}},
	"POST /api/v1/conversations/{id}/notes":    {{path: "/api/v1/conversations/{conv}/notes", body: `{"body":"hijacked"}`}},
	// Social connectors (issue 20).
	"GET /api/v1/channels/{id}/social-account":                  {{path: "/api/v1/channels/{social}/social-account"}},
	"PUT /api/v1/channels/{id}/social-account":                  {{path: "/api/v1/channels/{social}/social-account", body: `{"page_id":"123","access_token":"t"}`}},
	"DELETE /api/v1/channels/{id}/social-account":               {{path: "/api/v1/channels/{social}/social-account"}},
	"POST /api/v1/channels/{id}/social-items/{item}/replies":    {{path: "/api/v1/channels/{social}/social-items/{item}/replies", body: `{"body":"hijacked"}`}},
	"DELETE /api/v1/channels/{id}/social-items/{item}/platform": {{path: "/api/v1/channels/{social}/social-items/{item}/platform"}},
	"GET /api/v1/channels/{id}/social-deletions":                {{path: "/api/v1/channels/{social}/social-deletions"}},
}

// bodyIDRoutes are staff routes without an id in the path that take one in
// the body or query; they must have tenant cases too.
var bodyIDRoutes = []string{"POST /api/v1/tokens", "GET /api/v1/custom-fields", "PUT /api/v1/custom-fields", "GET /api/v1/workspace/conversations"}

// fingerprint reads everything of organisation A the cases could touch.
func (e *env) fingerprint() string {
	var b strings.Builder
	for _, p := range []string{
		"/api/v1/channels", "/api/v1/staff", "/api/v1/tokens", "/api/v1/organisation",
		"/api/v1/topics/{topic}", "/api/v1/conversations/{conv}", "/api/v1/chats/{chatid}", "/api/v1/attachments/{att}",
		"/api/v1/channels/{social}/social-items", "/api/v1/channels/{knowledge}/articles", "/api/v1/channels/{mail}/conversations",
		"/api/v1/custom-fields?subject_type=forum_topic&subject_id={topic}", "/api/v1/custom-fields?subject_type=person&subject_id={person}",
		"/api/v1/audit/verify",
	} {
		res := e.do("GET", p, "admin", nil, nil)
		if res.Status != 200 {
			e.t.Fatalf("fingerprint %s: %d %s", p, res.Status, res.Body)
		}
		b.WriteString(p + "\n" + string(res.Body) + "\n")
	}
	return b.String()
}

// TestTenantIsolation proves that for every staff route naming an object, a
// token of organisation B gets 404 (not 403) for organisation A's object and
// that nothing of A changed.
func TestTenantIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		for _, rt := range e.srv.Routes() {
			pattern := rt.Method + " " + rt.Path
			// Operator routes act across organisations by design
			// (operator_test.go checks who may call them).
			needs := rt.Auth != AuthPublic && rt.Auth != AuthOperator && (strings.Contains(rt.Path, "{") || contains(bodyIDRoutes, pattern))
			if needs && len(tenantCases[pattern]) == 0 {
				t.Errorf("route %q has no tenant-isolation case: add one to tenantCases", pattern)
			}
		}
		registered := map[string]bool{}
		for _, rt := range e.srv.Routes() {
			registered[rt.Method+" "+rt.Path] = true
		}
		e.fingerprint() // first use stamps tokens' last_used_at
		before := e.fingerprint()
		for pattern, cases := range tenantCases {
			if !registered[pattern] {
				t.Errorf("tenantCases names %q, which is not a registered route", pattern)
				continue
			}
			method, _, _ := strings.Cut(pattern, " ")
			for _, c := range cases {
				var body any
				if c.body != "" {
					body = c.body
				}
				res := e.do(method, c.path, "other", body, nil)
				if res.Status != 404 {
					t.Errorf("%s %s by organisation B: status %d, want 404: %s", method, e.expand(c.path), res.Status, res.Body)
				}
				if strings.Contains(string(res.Body), "Alfa") || strings.Contains(string(res.Body), custEmail) {
					t.Errorf("%s %s leaks organisation A's data: %s", method, e.expand(c.path), res.Body)
				}
			}
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("organisation A changed under organisation B's requests:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}
