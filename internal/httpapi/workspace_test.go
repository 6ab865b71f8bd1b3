package httpapi

// workspaceScenarios exercise the workspace routes (run after
// forumMailScenarios: the conversation {conv} has the customer's mail and
// the editor's reply).
func workspaceScenarios() []scenario {
	return []scenario{
		{name: "inbox", method: "GET", path: "/api/v1/workspace/conversations", who: "editor", status: 200, want: []string{`"items":[`, "Invoice", `"type":"mail_conversation"`, `"status":"waiting"`}},
		{name: "inbox by channel", method: "GET", path: "/api/v1/workspace/conversations?channel_id={mail}&status=waiting&limit=1", who: "editor", status: 200, want: []string{"Invoice"}},
		{name: "inbox of a channel the editor is not a member of", method: "GET", path: "/api/v1/workspace/conversations?channel_id={chat}", who: "editor", status: 404},
		{name: "inbox of a channel of the editor's that is not an inbox", method: "GET", path: "/api/v1/workspace/conversations?channel_id={forum}", who: "editor", status: 404},
		{name: "inbox pages", method: "GET", path: "/api/v1/workspace/conversations?limit=1", who: "admin", status: 200, want: []string{`"next":"`}},
		{name: "inbox bad status", method: "GET", path: "/api/v1/workspace/conversations?status=done", who: "editor", status: 400},
		{name: "inbox bad cursor", method: "GET", path: "/api/v1/workspace/conversations?cursor=abc", who: "editor", status: 400, want: []string{"cursor"}},
		{name: "inbox bad assignee", method: "GET", path: "/api/v1/workspace/conversations?assignee=boss", who: "editor", status: 400},
		{name: "inbox search", method: "GET", path: "/api/v1/workspace/conversations?q=INVOICE", who: "editor", status: 200, want: []string{"Invoice"}},
		{name: "inbox search no hit", method: "GET", path: "/api/v1/workspace/conversations?q=zebra", who: "editor", status: 200, want: []string{`"items":[]`}},
		{name: "workspace conversation", method: "GET", path: "/api/v1/workspace/conversations/{conv}", who: "editor", status: 200, want: []string{`"reply_to":"` + custEmail + `"`, `"notes":[]`, "Where is my invoice?"}},
		{name: "set status", method: "PUT", path: "/api/v1/conversations/{conv}/status", who: "editor", body: `{"status":"closed"}`, status: 204},
		{name: "set bad status", method: "PUT", path: "/api/v1/conversations/{conv}/status", who: "editor", body: `{"status":"done"}`, status: 400},
		{name: "closed shows", method: "GET", path: "/api/v1/conversations/{conv}", who: "editor", status: 200, want: []string{`"status":"closed"`}},
		{name: "assignees", method: "GET", path: "/api/v1/conversations/{conv}/assignees", who: "editor", status: 200, want: []string{`"name":"Editor Alfa"`, `"name":"Admin Alfa"`}},
		{name: "assign", method: "PUT", path: "/api/v1/conversations/{conv}/assignee", who: "editor", body: `{"assignee_id":{editor}}`, status: 204},
		{name: "assigned shows", method: "GET", path: "/api/v1/workspace/conversations?assignee=me", who: "editor", status: 200, want: []string{"Invoice", `"assignee_id":{editor}`}},
		{name: "assign to an unknown staff user", method: "PUT", path: "/api/v1/conversations/{conv}/assignee", who: "editor", body: `{"assignee_id":999999}`, status: 400, want: []string{"assignee_id"}},
		{name: "unassign", method: "PUT", path: "/api/v1/conversations/{conv}/assignee", who: "editor", body: `{"assignee_id":null}`, status: 204},
		{name: "add note", method: "POST", path: "/api/v1/conversations/{conv}/notes", who: "editor", body: `{"body":"Called back"}`, status: 201, want: []string{`"body":"Called back"`, `"staff_name":"Editor Alfa"`}},
		{name: "empty note", method: "POST", path: "/api/v1/conversations/{conv}/notes", who: "editor", body: `{"body":" "}`, status: 400},
		{name: "list notes", method: "GET", path: "/api/v1/conversations/{conv}/notes", who: "editor", status: 200, want: []string{"Called back"}},
		{name: "notes of an absent conversation", method: "GET", path: "/api/v1/conversations/999999/notes", who: "admin", status: 404},
		{name: "signature", method: "PUT", path: "/api/v1/me/signature", who: "editor", body: `{"signature":"Editor Alfa\nSupport"}`, status: 200, want: []string{`"signature":"Editor Alfa\nSupport"`}},
		{name: "get signature", method: "GET", path: "/api/v1/me/signature", who: "editor", status: 200, want: []string{`Editor Alfa\nSupport`}},
		{name: "signature too long", method: "PUT", path: "/api/v1/me/signature", who: "editor", body: `{"signature":"` + longText(1001) + `"}`, status: 400},
	}
}

func longText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
