package httpapi

import (
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// The reads through the API are in the access log, which admins read per
// person and per staff user; nothing in the API changes or removes an
// entry.
func TestAccessLogEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		e.run([]scenario{
			{name: "person page with a reason", method: "GET", path: "/api/v1/persons/{person}?reason=case", who: "admin", status: 200},
			{name: "person page, unknown reason", method: "GET", path: "/api/v1/persons/{person}?reason=curious", who: "admin", status: 400},
			{name: "mail conversation", method: "GET", path: "/api/v1/conversations/{conv}", who: "editor", status: 200},
			{name: "chat", method: "GET", path: "/api/v1/chats/{chatid}", who: "admin", status: 200},
			{name: "topic", method: "GET", path: "/api/v1/topics/{topic}", who: "editor", status: 200},
			{name: "the person's log", method: "GET", path: "/api/v1/access-log?person_id={person}&from=2026-01-15&to=2026-01-15", who: "admin", status: 200,
				want: []string{`"subject_type":"person","subject_id":{person},"action":"view","reason":"case"`, `"subject_type":"mail_conversation","subject_id":{conv}`,
					`"subject_type":"chat_conversation","subject_id":{chatid}`, `"subject_type":"forum_topic","subject_id":{topic}`, `"staff_id":{editor}`}},
			{name: "the editor's log", method: "GET", path: "/api/v1/access-log?staff_id={editor}", who: "admin", status: 200,
				want: []string{`"subject_type":"mail_conversation"`, `"subject_type":"forum_topic"`}, notWant: []string{`"chat_conversation"`, `"staff_id":{admin}`}},
			{name: "a page of one", method: "GET", path: "/api/v1/access-log?limit=1", who: "admin", status: 200, want: []string{`"next":"`}},
			{name: "days before the reads", method: "GET", path: "/api/v1/access-log?to=2026-01-14", who: "admin", status: 200, want: []string{`"items":[]`}},
			{name: "bad day", method: "GET", path: "/api/v1/access-log?from=2026-13-01", who: "admin", status: 400},
			{name: "editors may not read it", method: "GET", path: "/api/v1/access-log", who: "editor", status: 403},
			{name: "another organisation's person", method: "GET", path: "/api/v1/access-log?person_id={person}", who: "other", status: 404},
			{name: "no way to delete", method: "DELETE", path: "/api/v1/access-log", who: "admin", status: 405},
			{name: "no way to edit", method: "PUT", path: "/api/v1/access-log", who: "admin", body: map[string]any{}, status: 405},
			{name: "settings: default", method: "GET", path: "/api/v1/access-log/settings", who: "admin", status: 200, want: []string{`"months":12`, `"default":true`, `"due_now":0`}},
			{name: "settings: out of range", method: "PUT", path: "/api/v1/access-log/settings", who: "admin", body: map[string]any{"months": 61}, status: 400},
			{name: "settings: editor", method: "PUT", path: "/api/v1/access-log/settings", who: "editor", body: map[string]any{"months": 6}, status: 403},
			{name: "settings: six months", method: "PUT", path: "/api/v1/access-log/settings", who: "admin", body: map[string]any{"months": 6}, status: 200,
				want: []string{`"months":6`, `"default":false`}},
		})
	})
}
