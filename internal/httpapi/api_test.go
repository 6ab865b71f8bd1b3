package httpapi

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestAPI runs the staff API's scenarios in order (later rows see what earlier
// rows changed) on every database engine.
func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		e.run(systemScenarios())
		// The metrics listener counts the API's requests by route pattern.
		m := e.metrics()
		for _, want := range []string{"gallra_http_requests_total", `route="GET /api/v1/me"`, "gallra_http_request_duration_seconds"} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(m, `route="/api/v1/channels/1"`) {
			t.Errorf("metrics carry a raw path")
		}
		e.run(orgScenarios())
		e.run(channelScenarios())
		e.run(staffScenarios())
		e.run(tokenScenarios())
		e.run(forumMailScenarios())
		e.run(workspaceScenarios())
		e.run(chatSocialScenarios())
		e.run(knowledgeCustomAuditScenarios())
		if strings.Contains(e.logs.String(), custEmail) || strings.Contains(e.logs.String(), custIP) {
			t.Errorf("logs contain personal data: %s", e.logs.String())
		}
	})
}

func systemScenarios() []scenario {
	return []scenario{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, want: []string{`{"status":"ok"}`}},
		{name: "readyz", method: "GET", path: "/readyz", status: 200, want: []string{`"ok"`}},
		{name: "openapi", method: "GET", path: "/api/v1/openapi.json", status: 200, want: []string{`"openapi":"3.1.0"`}},
		{name: "unknown route is JSON 404", method: "GET", path: "/api/v1/nope", who: "admin", status: 404, want: []string{`"code":"not_found"`}},
		{name: "unknown root path is JSON 404", method: "GET", path: "/", status: 404, want: []string{`"not_found"`}},
		{name: "wrong method is JSON 405", method: "DELETE", path: "/api/v1/me", who: "admin", status: 405, want: []string{`"method_not_allowed"`, "GET"}},
		{name: "me without token", method: "GET", path: "/api/v1/me", status: 401, want: []string{`"unauthorized"`}},
		{name: "me with unknown token", method: "GET", path: "/api/v1/me", who: "gal_nope", status: 401, want: []string{"invalid or revoked"}},
		{name: "me with basic auth", method: "GET", path: "/api/v1/me", hdr: map[string]string{"Authorization": "Basic eDp5"}, status: 401},
		{name: "me admin", method: "GET", path: "/api/v1/me", who: "admin", status: 200, want: []string{`"role":"admin"`, "admin@alfa.example"}},
		{name: "me editor", method: "GET", path: "/api/v1/me", who: "editor", status: 200, want: []string{`"role":"editor"`, `"channel_ids":[{forum},{mail}]`}},
		{name: "metrics are not on the public port", method: "GET", path: "/metrics", status: 404, notWant: []string{"gallra_http_requests_total"}},
	}
}

func orgScenarios() []scenario {
	return []scenario{
		{name: "get organisation as editor", method: "GET", path: "/api/v1/organisation", who: "editor", status: 200, want: []string{`"name":"Alfa"`}},
		{name: "patch organisation as editor is forbidden", method: "PATCH", path: "/api/v1/organisation", who: "editor", body: `{"language":"en"}`, status: 403, want: []string{"administrators"}},
		{name: "patch organisation language", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"language":"en"}`, status: 200, want: []string{`"language":"en"`, `"name":"Alfa"`}},
		{name: "patch organisation bad enum", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"language":"de"}`, status: 400, want: []string{"language must be sv or en"}},
		{name: "patch organisation wrong type", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":5}`, status: 400, want: []string{`field \"name\" must be a string`}},
		{name: "patch organisation unknown field", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"nme":"x"}`, status: 400, want: []string{`unknown field \"nme\"`}},
		{name: "patch organisation truncated JSON", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":`, status: 400, want: []string{"malformed JSON"}},
		{name: "patch organisation syntax error offset", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":"x",}`, status: 400, want: []string{"malformed JSON at byte offset 13"}},
		{name: "patch organisation trailing data", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":"x"} {}`, status: 400, want: []string{"single JSON value"}},
		{name: "patch organisation empty body", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: ``, status: 400, want: []string{"body is empty"}},
		{name: "patch organisation array body", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `[1]`, status: 400, want: []string{"must be a JSON"}},
		{name: "patch organisation wrong content type", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":"x"}`, hdr: map[string]string{"Content-Type": "text/plain"}, status: 400, want: []string{"Content-Type"}},
		{name: "patch organisation oversize body", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":"` + strings.Repeat("a", 1<<20+10) + `"}`, status: 413, want: []string{`"too_large"`}},
		{name: "patch organisation name too long", method: "PATCH", path: "/api/v1/organisation", who: "admin", body: `{"name":"` + strings.Repeat("å", 201) + `"}`, status: 400, want: []string{"longer than 200"}},
	}
}

func channelScenarios() []scenario {
	return []scenario{
		{name: "list channels", method: "GET", path: "/api/v1/channels", who: "editor", status: 200, want: []string{`"items":[`, "forum Alfa", "mail Alfa", `"next_before_id":null`}, notWant: []string{"Beta", "chat Alfa", "social Alfa", "knowledge Alfa"}},
		{name: "list channels as admin", method: "GET", path: "/api/v1/channels", who: "admin", status: 200, want: []string{"forum Alfa", "mail Alfa", "chat Alfa", "social Alfa", "knowledge Alfa", "support@alfa.example"}, notWant: []string{"Beta"}},
		{name: "list channels by module, none of the editor's", method: "GET", path: "/api/v1/channels?module=chat", who: "editor", status: 200, want: []string{`"items":[]`}},
		{name: "get channel of which the editor is not a member", method: "GET", path: "/api/v1/channels/{chat}", who: "editor", status: 403, want: []string{"not an editor of channel {chat}"}, notWant: []string{"chat Alfa"}},
		{name: "get another organisation's channel", method: "GET", path: "/api/v1/channels/{bforum}", who: "editor", status: 404},
		{name: "list channels by module", method: "GET", path: "/api/v1/channels?module=chat", who: "admin", status: 200, want: []string{"chat Alfa"}, notWant: []string{"forum Alfa"}},
		{name: "list channels bad module", method: "GET", path: "/api/v1/channels?module=fax", who: "admin", status: 400, want: []string{"module must be one of"}},
		{name: "create channel as editor", method: "POST", path: "/api/v1/channels", who: "editor", body: `{"module":"forum","name":"X"}`, status: 403},
		{name: "create channel", method: "POST", path: "/api/v1/channels", who: "admin", body: `{"module":"chat","name":"Support chat"}`, status: 201, want: []string{`"module":"chat"`}},
		{name: "create channel bad module", method: "POST", path: "/api/v1/channels", who: "admin", body: `{"module":"fax","name":"X"}`, status: 400, want: []string{"module must be one of"}},
		{name: "create channel bad address", method: "POST", path: "/api/v1/channels", who: "admin", body: `{"module":"mail","name":"X","address":"not-an-address"}`, status: 400, want: []string{"address is not a valid e-mail"}},
		{name: "create channel missing name", method: "POST", path: "/api/v1/channels", who: "admin", body: `{"module":"forum"}`, status: 400, want: []string{"name is required"}},
		{name: "get channel", method: "GET", path: "/api/v1/channels/{forum}", who: "editor", status: 200, want: []string{"forum Alfa"}},
		{name: "get channel id abc", method: "GET", path: "/api/v1/channels/abc", who: "admin", status: 400, want: []string{"id must be a positive integer"}},
		{name: "get channel id -1", method: "GET", path: "/api/v1/channels/-1", who: "admin", status: 400},
		{name: "get channel id 0", method: "GET", path: "/api/v1/channels/0", who: "admin", status: 400},
		{name: "get channel id overflow", method: "GET", path: "/api/v1/channels/99999999999999999999", who: "admin", status: 400},
		{name: "get channel absent", method: "GET", path: "/api/v1/channels/999999", who: "admin", status: 404},
		{name: "patch channel as editor", method: "PATCH", path: "/api/v1/channels/{knowledge}", who: "editor", body: `{"name":"Y"}`, status: 403},
		{name: "patch channel", method: "PATCH", path: "/api/v1/channels/{knowledge}", who: "admin", body: `{"name":"Help centre"}`, status: 200, want: []string{"Help centre"}},
		{name: "delete channel with content", method: "DELETE", path: "/api/v1/channels/{forum}", who: "admin", status: 409, want: []string{"still holds"}},
		{name: "delete channel as editor", method: "DELETE", path: "/api/v1/channels/{empty}", who: "editor", status: 403},
		{name: "delete empty channel", method: "DELETE", path: "/api/v1/channels/{empty}", who: "admin", status: 204},
		{name: "delete deleted channel", method: "DELETE", path: "/api/v1/channels/{empty}", who: "admin", status: 404},
		{name: "editor not member of chat", method: "GET", path: "/api/v1/channels/{chat}/chats", who: "editor", status: 403, want: []string{"not an editor of channel {chat}", `"channel_id":{chat}`}},
		{name: "add member as editor", method: "PUT", path: "/api/v1/channels/{chat}/members/{editor}", who: "editor", status: 403},
		{name: "add member", method: "PUT", path: "/api/v1/channels/{chat}/members/{editor}", who: "admin", status: 204},
		{name: "member reads chats", method: "GET", path: "/api/v1/channels/{chat}/chats", who: "editor", status: 200, want: []string{`"items":[`}},
		{name: "add member bad staff id", method: "PUT", path: "/api/v1/channels/{chat}/members/x", who: "admin", status: 400, want: []string{"staffID must be a positive integer"}},
		{name: "remove member", method: "DELETE", path: "/api/v1/channels/{chat}/members/{editor}", who: "admin", status: 204},
		{name: "removed member is refused", method: "GET", path: "/api/v1/channels/{chat}/chats", who: "editor", status: 403},
	}
}

func staffScenarios() []scenario {
	return []scenario{
		{name: "list staff", method: "GET", path: "/api/v1/staff", who: "admin", status: 200, want: []string{"editor@alfa.example"}, notWant: []string{"beta.example"}},
		{name: "list staff as editor", method: "GET", path: "/api/v1/staff", who: "editor", status: 403},
		{name: "create staff", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"New Person","email":"new@alfa.example","role":"editor"}`, status: 201, want: []string{`"active":true`}},
		{name: "create staff duplicate email", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"Dup","email":"NEW@alfa.example","role":"editor"}`, status: 409},
		{name: "create staff bad email", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"x@","role":"editor"}`, status: 400, want: []string{"email is not a valid e-mail"}},
		{name: "create staff bad role", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"x@alfa.example","role":"boss"}`, status: 400, want: []string{"role must be"}},
		{name: "create staff http avatar", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"x@alfa.example","role":"editor","avatar_url":"http://x"}`, status: 400, want: []string{"avatar_url"}},
		{name: "create staff protocol-relative avatar", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"x@alfa.example","role":"editor","avatar_url":"//evil.example/x.png"}`, status: 400, want: []string{"avatar_url must be an absolute https:// URL"}},
		{name: "create staff backslash avatar", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"x@alfa.example","role":"editor","avatar_url":"/\\evil.example/x.png"}`, status: 400, want: []string{"avatar_url"}},
		{name: "create staff with a deleted user's e-mail domain", method: "POST", path: "/api/v1/staff", who: "admin", body: `{"name":"X","email":"deleted-1@staff.invalid","role":"editor"}`, status: 400, want: []string{"staff.invalid"}},
		{name: "patch staff protocol-relative avatar", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"avatar_url":"//evil.example/x.png"}`, status: 400, want: []string{"avatar_url"}},
		{name: "patch staff https avatar", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"avatar_url":"https://cdn.alfa.example/spare.png"}`, status: 200, want: []string{`"avatar_url":"https://cdn.alfa.example/spare.png"`}},
		{name: "get staff", method: "GET", path: "/api/v1/staff/{editor}", who: "admin", status: 200, want: []string{"Editor Alfa"}},
		{name: "get staff bad id", method: "GET", path: "/api/v1/staff/abc", who: "admin", status: 400},
		{name: "patch staff", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"name":"Renamed"}`, status: 200, want: []string{"Renamed"}},
		{name: "patch staff wrong type", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"active":"no"}`, status: 400, want: []string{`field \"active\" must be a boolean`}},
		{name: "patch self deactivate", method: "PATCH", path: "/api/v1/staff/{admin}", who: "admin", body: `{"active":false}`, status: 422},
		{name: "delete self", method: "DELETE", path: "/api/v1/staff/{admin}", who: "admin", status: 422},
		{name: "delete staff as editor", method: "DELETE", path: "/api/v1/staff/{spare}", who: "editor", status: 403},
		{name: "delete staff", method: "DELETE", path: "/api/v1/staff/{spare}", who: "admin", status: 204},
		{name: "deleted staff is a stub", method: "GET", path: "/api/v1/staff/{spare}", who: "admin", status: 200, want: []string{"Former staff", `"role":"editor"`, `"active":false`, `"channel_ids":[]`}, notWant: []string{"spare@alfa.example", "cdn.alfa.example"}},
		{name: "deleted staff cannot be reactivated", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"active":true}`, status: 422, want: []string{"was deleted"}},
		{name: "deleted staff cannot be renamed", method: "PATCH", path: "/api/v1/staff/{spare}", who: "admin", body: `{"name":"Back"}`, status: 422},
		{name: "deleted staff cannot be given a channel", method: "PUT", path: "/api/v1/channels/{forum}/members/{spare}", who: "admin", status: 422, want: []string{"was deleted"}},
		{name: "deleted staff gets no token", method: "POST", path: "/api/v1/tokens", who: "admin", body: `{"name":"x","staff_id":{spare}}`, status: 422},
	}
}

func tokenScenarios() []scenario {
	return []scenario{
		{name: "list tokens", method: "GET", path: "/api/v1/tokens", who: "admin", status: 200, want: []string{"bootstrap", "editor token"}, notWant: []string{"secret"}},
		{name: "editor sees own tokens", method: "GET", path: "/api/v1/tokens", who: "editor", status: 200, want: []string{"editor token"}, notWant: []string{"bootstrap"}},
		{name: "editor creates own token", method: "POST", path: "/api/v1/tokens", who: "editor", body: `{"name":"mine"}`, status: 201, want: []string{`"secret":"gal_`, `"staff_id":{editor}`}},
		{name: "editor creates token for admin", method: "POST", path: "/api/v1/tokens", who: "editor", body: `{"name":"x","staff_id":{admin}}`, status: 403},
		{name: "admin creates token for editor", method: "POST", path: "/api/v1/tokens", who: "admin", body: `{"name":"for ed","staff_id":{editor}}`, status: 201, want: []string{`"staff_id":{editor}`}},
		{name: "token name required", method: "POST", path: "/api/v1/tokens", who: "admin", body: `{}`, status: 400, want: []string{"name is required"}},
		{name: "token staff id wrong type", method: "POST", path: "/api/v1/tokens", who: "admin", body: `{"name":"x","staff_id":"1"}`, status: 400, want: []string{"staff_id"}},
		{name: "token for deleted staff", method: "POST", path: "/api/v1/tokens", who: "admin", body: `{"name":"x","staff_id":{spare}}`, status: 422},
		{name: "editor revokes admin token", method: "DELETE", path: "/api/v1/tokens/{token}", who: "editor", status: 403},
		{name: "revoke token", method: "DELETE", path: "/api/v1/tokens/{token}", who: "admin", status: 204},
		{name: "revoke token again is idempotent", method: "DELETE", path: "/api/v1/tokens/{token}", who: "admin", status: 204},
		{name: "revoke absent token", method: "DELETE", path: "/api/v1/tokens/999999", who: "admin", status: 404},
	}
}

func forumMailScenarios() []scenario {
	att := base64.StdEncoding.EncodeToString([]byte("hello attachment"))
	ingest := `{"from":"kund2@example.se","from_name":"Kund Två","to":["support@alfa.example"],"subject":"Order","body":"My order","message_id":"<m2@example.se>",` +
		`"attachments":[{"filename":"a.txt","content_type":"text/plain","content_base64":"` + att + `"}]}`
	return []scenario{
		{name: "imap settings of an inbox without", method: "GET", path: "/api/v1/channels/{mail}/imap", who: "admin", status: 404, want: []string{"no IMAP account"}},
		{name: "imap settings as editor", method: "GET", path: "/api/v1/channels/{mail}/imap", who: "editor", status: 403},
		{name: "imap set up without a secret key", method: "PUT", path: "/api/v1/channels/{mail}/imap", who: "admin",
			body: `{"host":"imap.example.se","username":"kontakt@alfa.example","password":"hemligt"}`, status: 422, want: []string{"GALLRA_SECRET_KEY"}, notWant: []string{"hemligt"}},
		{name: "imap set up with a bad security", method: "PUT", path: "/api/v1/channels/{mail}/imap", who: "admin",
			body: `{"host":"imap.example.se","security":"ssl3","username":"u","password":"p"}`, status: 400},
		{name: "imap fetch without an account", method: "POST", path: "/api/v1/channels/{mail}/imap/fetch", who: "editor", status: 404},
		{name: "imap on a forum", method: "GET", path: "/api/v1/channels/{forum}/imap", who: "admin", status: 404},
		{name: "list topics", method: "GET", path: "/api/v1/channels/{forum}/topics", who: "editor", status: 200, want: []string{"Hello forum"}},
		{name: "list topics limit 0", method: "GET", path: "/api/v1/channels/{forum}/topics?limit=0", who: "editor", status: 400, want: []string{"limit must be"}},
		{name: "list topics limit 201", method: "GET", path: "/api/v1/channels/{forum}/topics?limit=201", who: "editor", status: 400},
		{name: "list topics limit abc", method: "GET", path: "/api/v1/channels/{forum}/topics?limit=abc", who: "editor", status: 400},
		{name: "list topics before_id -5", method: "GET", path: "/api/v1/channels/{forum}/topics?before_id=-5", who: "editor", status: 400, want: []string{"before_id"}},
		{name: "list topics page of one", method: "GET", path: "/api/v1/channels/{forum}/topics?limit=1", who: "editor", status: 200, want: []string{`"next_before_id":{topic}`}},
		{name: "list topics of a chat channel", method: "GET", path: "/api/v1/channels/{chat}/topics", who: "admin", status: 404, want: []string{"not a forum channel"}},
		{name: "get topic", method: "GET", path: "/api/v1/topics/{topic}", who: "editor", status: 200, want: []string{"hello world question", custEmail}},
		{name: "edit post", method: "PATCH", path: "/api/v1/posts/{post}", who: "editor", body: `{"body":"edited by staff"}`, status: 200, want: []string{"edited by staff"}},
		{name: "edit post empty body", method: "PATCH", path: "/api/v1/posts/{post}", who: "editor", body: `{"body":"  "}`, status: 400, want: []string{"body is required"}},
		{name: "edit post NUL", method: "PATCH", path: "/api/v1/posts/{post}", who: "editor", body: `{"body":"a\u0000b"}`, status: 400, want: []string{"NUL"}},
		{name: "list conversations", method: "GET", path: "/api/v1/channels/{mail}/conversations", who: "editor", status: 200, want: []string{"Invoice"}},
		{name: "get conversation", method: "GET", path: "/api/v1/conversations/{conv}", who: "editor", status: 200, want: []string{"report.pdf", "Where is my invoice?"}},
		{name: "reply", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{"body":"We are on it"}`, status: 201, want: []string{"Re: Invoice", `"direction":"out"`, `"from":"support@alfa.example"`}},
		{name: "reply missing body", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{}`, status: 400},
		{name: "reply to the customer chosen", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{"body":"Chosen","to":["` + custEmail + `"]}`, status: 201,
			want: []string{`"to":["` + custEmail + `"]`, `"delivery":{"status":"pending"`}},
		{name: "reply to a stranger refused", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{"body":"Leak","to":["stranger@example.net"]}`, status: 400,
			want: []string{"to[0] does not take part in the conversation"}},
		{name: "reply cc a stranger refused", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{"body":"Leak","cc":["stranger@example.net"]}`, status: 400,
			want: []string{"cc[0] does not take part"}},
		{name: "reply to a malformed address", method: "POST", path: "/api/v1/conversations/{conv}/replies", who: "editor", body: `{"body":"x","to":["nope"]}`, status: 400, want: []string{"to[0] is not a valid e-mail"}},
		{name: "download attachment", method: "GET", path: "/api/v1/attachments/{att}", who: "editor", status: 200, want: []string{"%PDF-1.4 test"}},
		{name: "ingest mail", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: ingest, status: 201, want: []string{`"message_id":"m2@example.se"`, `"filename":"a.txt"`, `"size":16`}},
		{name: "ingest mail twice is idempotent", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: ingest, status: 201, want: []string{`"message_id":"m2@example.se"`}},
		{name: "ingest an auto-reply: flagged, subject one line", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: `{"from":"a@example.se","subject":"Autosvar: Semester\r\nBcc: x@example.com","body":"Borta","message_id":"oof-1@example.se"}`, status: 201, want: []string{`"kind":"auto_reply"`, `"subject":"Autosvar: Semester Bcc: x@example.com"`}},
		{name: "ingest bad from", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: `{"from":"nope"}`, status: 400, want: []string{"from is not a valid e-mail"}},
		{name: "ingest bad to", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: `{"from":"a@example.se","to":["x"]}`, status: 400, want: []string{"to[0]"}},
		{name: "ingest bad base64", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: `{"from":"a@example.se","attachments":[{"filename":"a","content_base64":"!!!"}]}`, status: 400, want: []string{"invalid base64"}},
		{name: "ingest path in filename", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor", body: `{"from":"a@example.se","attachments":[{"filename":"../x","content_base64":""}]}`, status: 400, want: []string{"must not contain a path"}},
		{name: "ingest into forum", method: "POST", path: "/api/v1/channels/{forum}/messages", who: "admin", body: `{"from":"a@example.se"}`, status: 404},
		{name: "ingest over 1 MiB is allowed", method: "POST", path: "/api/v1/channels/{mail}/messages", who: "editor",
			body: `{"from":"a@example.se","attachments":[{"filename":"big.bin","content_base64":"` + base64.StdEncoding.EncodeToString(make([]byte, 2<<20)) + `"}]}`, status: 201, want: []string{`"size":2097152`}},
		{name: "search forum", method: "GET", path: "/api/v1/channels/{forum}/search?q=edited", who: "editor", status: 200, want: []string{`"type":"forum_post"`}},
		{name: "search without q", method: "GET", path: "/api/v1/channels/{forum}/search", who: "editor", status: 400, want: []string{"q is required"}},
		{name: "search bad limit", method: "GET", path: "/api/v1/channels/{forum}/search?q=a&limit=999", who: "editor", status: 400},
	}
}

func chatSocialScenarios() []scenario {
	return []scenario{
		{name: "list chats", method: "GET", path: "/api/v1/channels/{chat}/chats?status=open", who: "admin", status: 200, want: []string{`"id":{chatid}`}},
		{name: "list chats bad status", method: "GET", path: "/api/v1/channels/{chat}/chats?status=maybe", who: "admin", status: 400, want: []string{"status must be one of open, closed"}},
		{name: "get chat", method: "GET", path: "/api/v1/chats/{chatid}", who: "admin", status: 200, want: []string{"hi there"}},
		{name: "get chat as non-member editor", method: "GET", path: "/api/v1/chats/{chatid}", who: "editor", status: 403, want: []string{"channel {chat}"}},
		{name: "staff chat message", method: "POST", path: "/api/v1/chats/{chatid}/messages", who: "admin", body: `{"body":"How can I help?"}`, status: 201, want: []string{`"sender":"staff"`}},
		{name: "staff chat message as non-member", method: "POST", path: "/api/v1/chats/{chatid}/messages", who: "editor", body: `{"body":"x"}`, status: 403},
		{name: "close chat", method: "POST", path: "/api/v1/chats/{chatid}/close", who: "admin", status: 200, want: []string{`"closed_at"`}},
		{name: "message in closed chat", method: "POST", path: "/api/v1/chats/{chatid}/messages", who: "admin", body: `{"body":"late"}`, status: 422, want: []string{"is closed"}},
		{name: "closed chats", method: "GET", path: "/api/v1/channels/{chat}/chats?status=closed", who: "admin", status: 200, want: []string{`"id":{chatid}`}},
		{name: "list social", method: "GET", path: "/api/v1/channels/{social}/social-items", who: "admin", status: 200, want: []string{"social hello"}},
		{name: "list social as non-member", method: "GET", path: "/api/v1/channels/{social}/social-items", who: "editor", status: 403},
		{name: "upsert social", method: "POST", path: "/api/v1/channels/{social}/social-items", who: "admin", body: `{"external_id":"p2","author_id":"u2","author_name":"Two","body":"second","created_at":"2026-01-01T10:00:00Z"}`, status: 200, want: []string{`"external_id":"p2"`}},
		{name: "upsert social comment", method: "POST", path: "/api/v1/channels/{social}/social-items", who: "admin", body: `{"external_id":"c1","parent_external_id":"p2","author_id":"u3","body":"comment"}`, status: 200, want: []string{`"kind":"comment"`}},
		{name: "upsert social missing author", method: "POST", path: "/api/v1/channels/{social}/social-items", who: "admin", body: `{"external_id":"p3"}`, status: 400, want: []string{"author_id is required"}},
		{name: "upsert social bad time", method: "POST", path: "/api/v1/channels/{social}/social-items", who: "admin", body: `{"external_id":"p3","author_id":"u","created_at":"yesterday"}`, status: 400},
		{name: "remove social item", method: "DELETE", path: "/api/v1/channels/{social}/social-items/p2", who: "admin", status: 200, want: []string{`"deleted":2`}},
		{name: "remove absent social item", method: "DELETE", path: "/api/v1/channels/{social}/social-items/p2", who: "admin", status: 404},
		{name: "remove social bad by", method: "DELETE", path: "/api/v1/channels/{social}/social-items/u1?by=id", who: "admin", status: 400},
		{name: "remove social author", method: "DELETE", path: "/api/v1/channels/{social}/social-items/u1?by=author", who: "admin", status: 200, want: []string{`"deleted":1`}},
	}
}

func knowledgeCustomAuditScenarios() []scenario {
	return []scenario{
		{name: "list articles", method: "GET", path: "/api/v1/channels/{knowledge}/articles", who: "admin", status: 200, want: []string{"How to"}},
		{name: "list articles as non-member", method: "GET", path: "/api/v1/channels/{knowledge}/articles", who: "editor", status: 403},
		{name: "create article", method: "POST", path: "/api/v1/channels/{knowledge}/articles", who: "admin", body: `{"title":"New","body":"Text"}`, status: 201, want: []string{`"staff_id":{admin}`}},
		{name: "create article long title", method: "POST", path: "/api/v1/channels/{knowledge}/articles", who: "admin", body: `{"title":"` + strings.Repeat("t", 301) + `","body":"x"}`, status: 400, want: []string{"title is longer than 300"}},
		{name: "get article", method: "GET", path: "/api/v1/articles/{article}", who: "admin", status: 200, want: []string{"Do this"}},
		{name: "get article as non-member", method: "GET", path: "/api/v1/articles/{article}", who: "editor", status: 403},
		{name: "put article", method: "PUT", path: "/api/v1/articles/{article}", who: "admin", body: `{"title":"How to v2","body":"Do that"}`, status: 200, want: []string{"How to v2"}},
		{name: "delete article", method: "DELETE", path: "/api/v1/articles/{article}", who: "admin", status: 204},
		{name: "get deleted article", method: "GET", path: "/api/v1/articles/{article}", who: "admin", status: 404},
		{name: "custom fields of topic", method: "GET", path: "/api/v1/custom-fields?subject_type=forum_topic&subject_id={topic}", who: "editor", status: 200, want: []string{"C-123"}},
		{name: "set custom field", method: "PUT", path: "/api/v1/custom-fields", who: "editor", body: `{"subject_type":"mail_conversation","subject_id":{conv},"key":"case","value":"K-9"}`, status: 204},
		{name: "read set custom field", method: "GET", path: "/api/v1/custom-fields?subject_type=mail_conversation&subject_id={conv}", who: "editor", status: 200, want: []string{"K-9"}},
		{name: "custom fields of chat as non-member", method: "GET", path: "/api/v1/custom-fields?subject_type=chat_conversation&subject_id={chatid}", who: "editor", status: 403},
		{name: "custom fields of person as editor", method: "GET", path: "/api/v1/custom-fields?subject_type=person&subject_id={person}", who: "editor", status: 403},
		{name: "custom fields of person as admin", method: "GET", path: "/api/v1/custom-fields?subject_type=person&subject_id={person}", who: "admin", status: 200},
		{name: "custom fields bad subject type", method: "GET", path: "/api/v1/custom-fields?subject_type=car&subject_id=1", who: "admin", status: 400, want: []string{"subject_type must be one of"}},
		{name: "custom fields missing subject", method: "GET", path: "/api/v1/custom-fields?subject_type=person", who: "admin", status: 400, want: []string{"subject_id is required"}},
		{name: "custom fields subject id 0", method: "PUT", path: "/api/v1/custom-fields", who: "admin", body: `{"subject_type":"person","subject_id":0,"key":"k","value":"v"}`, status: 400},
		{name: "custom field key too long", method: "PUT", path: "/api/v1/custom-fields", who: "admin", body: `{"subject_type":"forum_topic","subject_id":{topic},"key":"` + strings.Repeat("k", 101) + `","value":"v"}`, status: 400, want: []string{"key is longer than 100"}},
		{name: "audit", method: "GET", path: "/api/v1/audit", who: "admin", status: 200, want: []string{"channel.created", "forum.post_edited", "mail.replied", "chat.closed", "knowledge.article_deleted", "custom_field.set", "staff.deleted", "token.revoked", "membership.removed", "organisation.updated"}, notWant: []string{custEmail, "K-9"}},
		{name: "audit filter", method: "GET", path: "/api/v1/audit?action=staff.&limit=1", who: "admin", status: 200, want: []string{`"action":"staff.`, `"next_before_seq":`}, notWant: []string{"channel.created"}},
		{name: "audit by subject", method: "GET", path: "/api/v1/audit?subject_type=forum_post&subject_id={post}", who: "admin", status: 200, want: []string{"forum.post_edited"}},
		{name: "audit bad limit", method: "GET", path: "/api/v1/audit?limit=0", who: "admin", status: 400},
		{name: "audit bad before_seq", method: "GET", path: "/api/v1/audit?before_seq=abc", who: "admin", status: 400},
		{name: "audit as editor", method: "GET", path: "/api/v1/audit", who: "editor", status: 403},
		{name: "audit verify", method: "GET", path: "/api/v1/audit/verify", who: "admin", status: 200, want: []string{`"ok":true`, `"org_id":`}},
	}
}
