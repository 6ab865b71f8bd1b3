package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// wsEnv is env with mail: two conversations in the fixture's inbox (the
// editor's) and one in a second inbox the editor is not a member of.
type wsEnv struct {
	*env
	Other            *gallra.Channel
	Anna, Bo, Cilla  *gallra.MailMessage // first messages of the three conversations
	Outsider         *gallra.Staff       // an editor of no channel
	AnnaConv, BoConv string              // their workspace paths
	CillaConv        string
}

func newWSEnv(t *testing.T, db *store.DB, clock *storetest.Clock) *wsEnv {
	t.Helper()
	ctx := context.Background()
	e := &wsEnv{env: newEnv(t, db, clock)}
	act := gallra.Actor{Type: gallra.ActorStaff, ID: e.fx.Admin.ID}
	var err error
	if e.Other, err = db.CreateChannel(ctx, act, &gallra.Channel{OrgID: e.fx.Org.ID, Module: gallra.ModuleMail, Name: "Bygglov", Address: "bygglov@kommunen.example"}); err != nil {
		t.Fatal(err)
	}
	if e.Outsider, err = db.CreateStaff(ctx, act, &gallra.Staff{OrgID: e.fx.Org.ID, Name: "Olle Utanför", Email: "olle@kommunen.example", Role: gallra.RoleEditor, Active: true}); err != nil {
		t.Fatal(err)
	}
	flagged := db.WithScanner(orgpii.New(db))
	ingest := func(ch int64, in gallra.InboundMail) *gallra.MailMessage {
		t.Helper()
		m, err := flagged.IngestMail(ctx, e.fx.Org.ID, ch, in)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	inbox := e.fx.Channels[gallra.ModuleMail].ID
	e.Anna = ingest(inbox, gallra.InboundMail{From: "anna@example.se", FromName: "Anna Andersson", Subject: "Parkeringstillstånd", Body: "Hej! Mitt personnummer är 811218-9876.\nMvh Anna",
		MessageID: "anna-1@example.se", Attachments: []gallra.Attachment{{Filename: "ansökan.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 test")}}})
	clock.Advance(60e9)
	e.Bo = ingest(inbox, gallra.InboundMail{From: "bo@example.se", FromName: "Bo Berg", Subject: "Soptunnan", Body: "Soptunnan har inte tömts.", MessageID: "bo-1@example.se"})
	clock.Advance(60e9)
	e.Cilla = ingest(e.Other.ID, gallra.InboundMail{From: "cilla@example.se", FromName: "Cilla Ek", Subject: "Bygglov för altan", Body: "När får jag besked?", MessageID: "cilla-1@example.se",
		Attachments: []gallra.Attachment{{Filename: "ritning.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 ritning")}}})
	e.AnnaConv = "/workspace/mail/" + strconv.FormatInt(e.Anna.ConversationID, 10)
	e.BoConv = "/workspace/mail/" + strconv.FormatInt(e.Bo.ConversationID, 10)
	e.CillaConv = "/workspace/mail/" + strconv.FormatInt(e.Cilla.ConversationID, 10)
	return e
}

func TestWorkspaceListAndPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newWSEnv(t, db, clock)
		ed := e.client()
		if r := ed.post("/login", url.Values{"email": {e.fx.Editor.Email}, "password": {testPassword}}); r.Location != "/workspace" {
			t.Fatalf("editor lands on %q, want /workspace", r.Location)
		}
		list := ed.get("/workspace")
		if list.Status != http.StatusOK {
			t.Fatalf("GET /workspace: %d", list.Status)
		}
		mustContain(t, "editor's list", list.Body, "Parkeringstillstånd", "Soptunnan", "Anna Andersson", `aria-current="page">Ärenden`, "Känsligt")
		if strings.Contains(list.Body, "Bygglov för altan") || strings.Contains(list.Body, "Cilla") {
			t.Error("the editor's list shows a conversation of a channel they are not a member of")
		}
		// Another channel's conversation does not exist for the editor.
		for _, p := range []string{e.CillaConv, "/workspace/attachments/" + strconv.FormatInt(e.Cilla.Attachments[0].ID, 10)} {
			if r := ed.get(p); r.Status == http.StatusOK || strings.Contains(r.Body, "altan") || strings.Contains(r.Body, "ritning") {
				t.Errorf("editor GET %s: %d", p, r.Status)
			}
		}
		if r := ed.get(e.CillaConv); r.Status != http.StatusNotFound {
			t.Errorf("editor GET another channel's conversation: %d, want 404", r.Status)
		}
		for _, a := range []string{"note", "assign", "status", "reply", "hold"} {
			if r := ed.post(e.CillaConv+"/"+a, url.Values{"body": {"x"}, "status": {"closed"}, "assignee": {"0"}, "reason": {"x"}}); r.Status != http.StatusNotFound {
				t.Errorf("editor POST %s on another channel's conversation: %d, want 404", a, r.Status)
			}
		}
		if r := ed.get("/workspace?channel=" + strconv.FormatInt(e.Other.ID, 10)); r.Status == http.StatusOK {
			t.Errorf("editor filters by another channel: %d", r.Status)
		}
		// Filters.
		for q, want := range map[string][]string{
			"?q=soptunnan":               {"Soptunnan"},
			"?q=PERSONNUMMER":            {"Parkeringstillstånd"},
			"?status=closed":             {},
			"?assignee=me":               {},
			"?assignee=none&status=open": {"Parkeringstillstånd", "Soptunnan"},
			"?q=anna%40example.se":       {"Parkeringstillstånd"},
			"?channel=" + strconv.FormatInt(e.fx.Channels[gallra.ModuleMail].ID, 10): {"Parkeringstillstånd", "Soptunnan"},
		} {
			r := ed.get("/workspace" + q)
			if r.Status != http.StatusOK {
				t.Errorf("GET /workspace%s: %d", q, r.Status)
				continue
			}
			for _, s := range []string{"Parkeringstillstånd", "Soptunnan"} {
				in := strings.Contains(r.Body, ">"+s+"<")
				if want := containsStr(want, s); in != want {
					t.Errorf("/workspace%s: %s listed = %v, want %v", q, s, in, want)
				}
			}
		}
		if r := ed.get("/workspace?status=bogus"); r.Status != http.StatusBadRequest {
			t.Errorf("bad status filter: %d", r.Status)
		}
		// The admin sees every channel's conversations.
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		mustContain(t, "admin's list", ad.get("/workspace").Body, "Parkeringstillstånd", "Soptunnan", "Bygglov för altan")
		// The API agrees with the UI.
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/workspace/conversations", nil)
		req.Header.Set("Authorization", "Bearer "+e.fx.EditorToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("API list: %d", res.StatusCode)
		}
		// A read through the API is recorded like one in the UI.
		req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/conversations/"+strconv.FormatInt(e.Bo.ConversationID, 10), nil)
		req.Header.Set("Authorization", "Bearer "+e.fx.EditorToken)
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if log, err := db.AccessLog(context.Background(), e.fx.Org.ID, gallra.SubjectMailConversation, e.Bo.ConversationID); err != nil || len(log) != 1 || log[0].StaffID != e.fx.Editor.ID {
			t.Errorf("access log after an API read: %+v %v", log, err)
		}
	})
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWorkspaceConversationActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newWSEnv(t, db, clock)
		conv := e.Anna.ConversationID
		ed := e.client()
		ed.login(e.fx.Editor.Email)
		page := ed.get(e.AnnaConv)
		if page.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", e.AnnaConv, page.Status)
		}
		mustContain(t, "conversation page", page.Body, "Parkeringstillstånd", "Mitt personnummer är", "Känsliga uppgifter", "personnummer</span>",
			`href="/workspace/attachments/`+strconv.FormatInt(e.Anna.Attachments[0].ID, 10)+`"`, "ansökan.pdf",
			`name="to" type="text" value="anna@example.se"`, "Du har ingen signatur än.")
		// Reading is recorded: who, which, when; no content.
		log, err := db.AccessLog(ctx, e.fx.Org.ID, gallra.SubjectMailConversation, conv)
		if err != nil || len(log) != 1 || log[0].StaffID != e.fx.Editor.ID || !log[0].At.Equal(clock.Now()) {
			t.Fatalf("access log after one read: %+v, %v", log, err)
		}
		// The attachment downloads as a file.
		att := ed.get("/workspace/attachments/" + strconv.FormatInt(e.Anna.Attachments[0].ID, 10))
		if att.Status != http.StatusOK || att.Body != "%PDF-1.4 test" || !strings.HasPrefix(att.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("attachment: %d %q %q", att.Status, att.Body, att.Header.Get("Content-Disposition"))
		}

		// An internal note.
		if r := ed.post(e.AnnaConv+"/note", url.Values{"body": {"  "}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("empty note: %d", r.Status)
		} else {
			mustContain(t, "empty note", r.Body, `aria-describedby="note-error" aria-invalid="true"`)
		}
		if r := ed.post(e.AnnaConv+"/note", url.Values{"body": {"Anna ringde och kompletterade."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("note: %d", r.Status)
		}
		mustContain(t, "page with note", ed.get(e.AnnaConv+"?ok=note_added").Body, "Anna ringde och kompletterade.", "Anteckningen är sparad.")

		// Assign: to someone who may work the channel; not to an editor of
		// no channel.
		if r := ed.post(e.AnnaConv+"/assign", url.Values{"assignee": {strconv.FormatInt(e.Outsider.ID, 10)}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("assign to an outsider: %d", r.Status)
		}
		if r := ed.post(e.AnnaConv+"/assign", url.Values{"assignee": {strconv.FormatInt(e.fx.Editor.ID, 10)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d", r.Status)
		}
		mustContain(t, "mine", ed.get("/workspace?assignee=me").Body, ">Parkeringstillstånd<")

		// Status, then reply with the signature: waiting for the customer.
		if r := ed.post(e.AnnaConv+"/status", url.Values{"status": {"bogus"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bogus status: %d", r.Status)
		}
		if r := ed.post("/profile", url.Values{"signature": {"Eva Editor\nKundtjänst, Kommunen"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save signature: %d", r.Status)
		}
		mustContain(t, "profile", ed.get("/profile").Body, "Eva Editor\nKundtjänst, Kommunen")
		if r := ed.post(e.AnnaConv+"/reply", url.Values{"to": {"anna@example.se"}, "body": {"Hej Anna! Vi har tagit emot din ansökan."}, "signature": {"yes"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reply: %d", r.Status)
		}
		c, err := e.svc.Mail.Conversation(ctx, e.fx.Admin, conv, gallra.ThreadPage{})
		if err != nil {
			t.Fatal(err)
		}
		last := c.Messages[len(c.Messages)-1]
		if last.Direction != gallra.DirectionOut || last.Body != "Hej Anna! Vi har tagit emot din ansökan.\n\n-- \nEva Editor\nKundtjänst, Kommunen" || c.Status != gallra.StatusWaiting {
			t.Errorf("reply stored as %q, status %s", last.Body, c.Status)
		}
		if r := ed.post(e.AnnaConv+"/reply", url.Values{"to": {"not an address"}, "body": {"Hej"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("reply to a bad address: %d", r.Status)
		}

		// Close, and a legal hold.
		if r := ed.post(e.AnnaConv+"/status", url.Values{"status": {"closed"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("close: %d", r.Status)
		}
		if r := ed.post(e.AnnaConv+"/hold", url.Values{"reason": {"Överklagat"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("hold: %d", r.Status)
		}
		page = ed.get(e.AnnaConv)
		mustContain(t, "closed and held", page.Body, "Stängt", "Överklagat", "Häv spärren")
		mustContain(t, "closed list", ed.get("/workspace?status=closed").Body, ">Parkeringstillstånd<")

		// Everything was audited by id, never with the note or reply text.
		entries, err := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: "workspace."})
		if err != nil || len(entries) != 3 {
			t.Fatalf("workspace audit entries: %d %v", len(entries), err)
		}
		for _, en := range entries {
			if strings.Contains(compactDetails(en), "Anna ringde") {
				t.Errorf("audit entry %s holds the note", en.Action)
			}
		}
		// An editor of no channel sees nothing and may do nothing.
		if err := db.SetPassword(ctx, gallra.Actor{Type: gallra.ActorSystem}, e.fx.Org.ID, e.Outsider.ID, testPassword); err != nil {
			t.Fatal(err)
		}
		out := e.client()
		out.login(e.Outsider.Email)
		if b := out.get("/workspace").Body; strings.Contains(b, "Parkeringstillstånd") {
			t.Error("an editor of no channel sees a conversation")
		}
		if r := out.post(e.AnnaConv+"/note", url.Values{"body": {"x"}}); r.Status != http.StatusNotFound {
			t.Errorf("outsider note: %d", r.Status)
		}
	})
}

func compactDetails(en gallra.AuditEntry) string {
	b, _ := json.Marshal(en.Details)
	return string(b)
}

// The workspace pages follow the a11y conventions: every control labelled,
// errors tied to their fields, both languages.
func TestWorkspaceLabelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newWSEnv(t, db, clock)
		c := e.client()
		c.login(e.fx.Editor.Email)
		c.post("/profile", url.Values{"signature": {"Eva"}})
		pages := map[string]string{
			"list":          c.get("/workspace").Body,
			"list filtered": c.get("/workspace?status=open&assignee=none&q=x").Body,
			"conversation":  c.get(e.AnnaConv).Body,
			"profile":       c.get("/profile").Body,
			"reply refused": c.post(e.AnnaConv+"/reply", url.Values{"to": {"nope"}, "body": {"Hej"}}).Body,
			"note refused":  c.post(e.AnnaConv+"/note", url.Values{"body": {""}}).Body,
			"hold refused":  c.post(e.AnnaConv+"/hold", url.Values{"reason": {""}}).Body,
			"sig refused":   c.post("/profile", url.Values{"signature": {strings.Repeat("x", 1001)}}).Body,
		}
		total := 0
		for what, body := range pages {
			total += checkLabels(t, what, body)
		}
		if total < 25 {
			t.Errorf("only %d controls checked", total)
		}
		for what, want := range map[string]string{
			"note refused":  `aria-describedby="note-error" aria-invalid="true"`,
			"hold refused":  `aria-describedby="hold-error" aria-invalid="true"`,
			"sig refused":   `aria-describedby="sig-help sig-error" aria-invalid="true"`,
			"reply refused": `id="reply-error"`,
		} {
			if !strings.Contains(pages[what], want) {
				t.Errorf("%s: error not tied to its field (%s)", what, want)
			}
		}
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		b := c.get(e.AnnaConv).Body
		mustContain(t, "English conversation", b, `<html lang="en">`, "Internal notes", "Send reply", "Sensitive data", "personal identity number")
		checkLabels(t, "English conversation", b)
	})
}
