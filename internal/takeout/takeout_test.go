package takeout_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

const (
	subjectEmail = "Eva.Svensson@Example.se"
	subjectKey   = "eva.svensson@example.se"
	otherEmail   = "olle@example.se"
	subjectPhone = "070-123 45 67"
)

// seeded is what seed created: ids of the subject's and others' items.
type seeded struct {
	personID, otherID int64
	sharedConv        int64 // mail conversation of the subject and Olle
}

// seed fills every module with the subject's data, others' data, and items
// by others mentioning the subject.
func seed(t *testing.T, db *store.DB, f *storetest.Fixture) seeded {
	t.Helper()
	ctx := context.Background()
	org := f.Org.ID
	admin := gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
	eva := gallra.Author{Name: "Eva Svensson", Email: subjectEmail, IP: "192.0.2.10"}
	olle := gallra.Author{Name: "Olle", Email: otherEmail, IP: "198.51.100.2"}
	forum, mail, chat, social := f.Channels[gallra.ModuleForum].ID, f.Channels[gallra.ModuleMail].ID, f.Channels[gallra.ModuleChat].ID, f.Channels[gallra.ModuleSocial].ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Forum: Eva's topic that Olle answered (placeholder on delete), Eva's
	// topic nobody answered (deleted), Eva's comment on Olle's post, and
	// Olle's post mentioning Eva's address.
	t1, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: forum, Title: "Sophämtning <script>", Body: "När töms kärlen? <b>hej</b>", Author: eva})
	must(err)
	_, err = db.CreatePost(ctx, org, gallra.NewPost{TopicID: t1.ID, Body: "Svar från Olle", Author: olle})
	must(err)
	_, err = db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: forum, Title: "Ensam fråga", Body: "Ingen svarar", Author: eva})
	must(err)
	t3, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: forum, Title: "Olles tråd", Body: "Olle frågar. Maila eva.svensson@example.se", Author: olle})
	must(err)
	first := t3.Posts[0].ID
	_, err = db.CreatePost(ctx, org, gallra.NewPost{TopicID: t3.ID, ParentID: &first, Body: "Evas kommentar", Author: eva})
	must(err)
	// Mail: a conversation of Eva and staff only, with an attachment (deleted
	// whole), and one Olle joined (only Eva's messages go).
	m1, err := db.IngestMail(ctx, org, mail, gallra.InboundMail{From: subjectEmail, FromName: "Eva", To: []string{f.Channels[gallra.ModuleMail].Address},
		Subject: "Faktura", Body: "Hej, fakturan är fel.", MessageID: "m1@example.se",
		Attachments: []gallra.Attachment{{Filename: ".faktura nov<1>.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 eva")}}})
	must(err)
	_, err = db.ReplyMail(ctx, admin, org, m1.ConversationID, f.Admin, store.OutboundReply{Body: "Vi tittar på det.", FromAddr: f.Channels[gallra.ModuleMail].Address})
	must(err)
	m2, err := db.IngestMail(ctx, org, mail, gallra.InboundMail{From: subjectEmail, To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Gemensamt", Body: "Eva skriver", MessageID: "m2@example.se"})
	must(err)
	// Olle joins with the conversation's reply key (he was sent our reply):
	// quoting Eva's Message-ID alone would start a conversation of his own.
	c2, err := db.GetMailConversation(ctx, org, m2.ConversationID)
	must(err)
	_, err = db.IngestMail(ctx, org, mail, gallra.InboundMail{From: otherEmail, FromName: "Olle Olsson", To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Re: Gemensamt", Body: "Olle svarar", MessageID: "m3@example.se", InReplyTo: "m2@example.se", ReplyKey: c2.ReplyKey,
		Attachments: []gallra.Attachment{{Filename: "olles-intyg.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 olle")}}})
	must(err)
	_, err = db.IngestMail(ctx, org, mail, gallra.InboundMail{From: otherEmail, To: []string{f.Channels[gallra.ModuleMail].Address}, Subject: "Annat", Body: "Ring Eva på 0701234567", MessageID: "m4@example.se"})
	must(err)
	// Chat: Eva's chat with a staff answer and a custom field; Olle's chat.
	c1, _, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: chat, Name: "Eva", Email: subjectEmail, IP: "192.0.2.10", Message: "Hej från Eva"})
	must(err)
	_, err = db.StaffChatMessage(ctx, org, c1.ID, f.Admin.ID, "Hej Eva!")
	must(err)
	must(db.SetCustomField(ctx, admin, org, gallra.SubjectChatConversation, c1.ID, "ärende", "A-1"))
	_, _, err = db.StartChat(ctx, org, gallra.NewChat{ChannelID: chat, Name: "Olle", Email: otherEmail, Message: "Olles chatt"})
	must(err)
	// Social: Eva's post and Olle's item.
	_, err = db.UpsertSocialItem(ctx, org, social, gallra.SocialInput{ExternalID: "fb-1", AuthorID: "u-eva", AuthorName: "Eva", AuthorEmail: subjectEmail, Body: "Evas inlägg"})
	must(err)
	_, err = db.UpsertSocialItem(ctx, org, social, gallra.SocialInput{ExternalID: "fb-2", AuthorID: "u-olle", AuthorName: "Olle", AuthorEmail: otherEmail, Body: "Olles inlägg"})
	must(err)
	p, err := db.FindPerson(ctx, org, subjectEmail)
	must(err)
	o, err := db.FindPerson(ctx, org, otherEmail)
	must(err)
	must(db.SetCustomField(ctx, admin, org, gallra.SubjectPerson, p.ID, "telefon", subjectPhone))
	must(db.SetCustomField(ctx, admin, org, gallra.SubjectPerson, o.ID, "kundnummer", "K-9"))
	return seeded{personID: p.ID, otherID: o.ID, sharedConv: m2.ConversationID}
}

func newRequest(kind gallra.RequestKind, modules ...gallra.Module) takeout.NewRequest {
	return takeout.NewRequest{Kind: kind, Email: " " + subjectEmail + " ", Modules: modules,
		Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall}
}

func newService(t *testing.T, db *store.DB) *takeout.Service {
	return takeout.New(db, nil, takeout.Config{ArtefactDir: t.TempDir(), BatchSize: 2})
}

// snapshot returns, per table, every row that is not the subject's: rows of
// other people, staff rows and the other organisation's rows. Erasure must
// leave it exactly as it was.
func snapshot(t *testing.T, db *store.DB, subject int64, sharedConv int64) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"persons":            `SELECT * FROM persons WHERE id <> ? ORDER BY id`,
		"forum_posts":        `SELECT * FROM forum_posts WHERE person_id IS NOT NULL AND person_id <> ? ORDER BY id`,
		"mail_messages":      `SELECT id, person_id, body, from_addr, subject FROM mail_messages WHERE person_id IS NOT NULL AND person_id <> ? ORDER BY id`,
		"chat_conversations": `SELECT * FROM chat_conversations WHERE person_id <> ? ORDER BY id`,
		"chat_messages":      `SELECT m.* FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id WHERE c.person_id <> ? ORDER BY m.id`,
		"social_items":       `SELECT * FROM social_items WHERE person_id IS NULL OR person_id <> ? ORDER BY id`,
		"custom_fields":      `SELECT * FROM custom_fields WHERE person_id IS NULL OR person_id <> ? ORDER BY id`,
		"staff":              `SELECT * FROM staff WHERE id <> ? ORDER BY id`,
		"mail_participants":  `SELECT * FROM mail_participants WHERE person_id <> ? ORDER BY conversation_id, person_id`,
	}
	out := map[string][]string{}
	err := db.View(context.Background(), func(tx *store.Tx) error {
		for name, q := range queries {
			rows, err := tx.RawForTests().Query(context.Background(), q, subject)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				out[name] = append(out[name], fmt.Sprintf("%v", vals))
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportEveryModule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		seed(t, db, f)
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != gallra.StatusCompleted || r.Artefact == nil || r.Artefact.Path == "" {
			t.Fatalf("export not completed: %+v", r)
		}
		want := map[string]int64{"forum_posts": 3, "mail_conversations": 2, "mail_messages": 4, "mail_messages_own": 2, "mail_attachments": 1,
			"mail_messages_of_others": 1, "mail_attachments_withheld": 1, "chat_conversations": 1, "chat_messages": 2, "social_items": 1, "custom_fields": 2}
		for k, v := range want {
			if r.Counts[k] != v {
				t.Errorf("count %s = %d, want %d (all: %v)", k, r.Counts[k], v, r.Counts)
			}
		}
		// Mentions are not searched inside the API call: the job does it.
		if r.MentionsStatus != store.MentionsPending || len(r.Mentions) != 0 {
			t.Fatalf("inline processing searched mentions: %s %v", r.MentionsStatus, r.Mentions)
		}
		if _, err := svc.ProcessPending(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err = svc.Get(ctx, f.Admin, r.ID); err != nil || r.MentionsStatus != store.MentionsComplete {
			t.Fatalf("after the job: %+v %v", r, err)
		}
		// Mentions: Olle's forum post with the address, Olle's mail with the phone.
		var kinds []string
		for _, m := range r.Mentions {
			kinds = append(kinds, m.Type+":"+m.Match)
		}
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"forum_post:email", "mail_message:phone"}) {
			t.Errorf("mentions = %v", kinds)
		}
		if !r.EmailRetained {
			t.Error("export should keep the e-mail until the artefact expires")
		}
		file := svc.ArtefactFile(r)
		if !filepath.IsAbs(file) || r.Artefact.Path != filepath.Join("org-"+strconv.FormatInt(f.Org.ID, 10), "request-"+strconv.FormatInt(r.ID, 10)+".zip") {
			t.Fatalf("artefact recorded as %q (file %q): want the request-scoped name relative to the directory", r.Artefact.Path, file)
		}
		checkBundle(t, file, r.ID)

		// Artefact expiry after the TTL: file gone, e-mail reduced to the hash.
		if n, err := svc.ExpireArtefacts(ctx); err != nil || n != 0 {
			t.Fatalf("expire before TTL: %d, %v", n, err)
		}
		clock.Advance(takeout.DefaultArtefactTTL + time.Minute)
		if n, err := svc.ExpireArtefacts(ctx); err != nil || n != 1 {
			t.Fatalf("expire after TTL: %d, %v", n, err)
		}
		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("artefact still on disk: %v", err)
		}
		got, err := svc.Get(ctx, f.Admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EmailRetained || got.Artefact == nil || got.Artefact.DeletedAt == nil {
			t.Fatalf("after expiry: %+v", got)
		}
		if _, _, err := svc.OpenArtefact(ctx, f.Admin, r.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("download after expiry: %v", err)
		}
	})
}

// checkBundle validates an export ZIP: manifest hashes match every file,
// data.json holds the documented required fields with the right types, and
// index.html escapes what people typed.
func checkBundle(t *testing.T, path string, requestID int64) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = b
	}
	var m takeout.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if m.RequestID != requestID || len(m.Files) != len(files)-1 {
		t.Fatalf("manifest lists %d files for %d in the zip: %+v", len(m.Files), len(files)-1, m)
	}
	for _, mf := range m.Files {
		sum := sha256.Sum256(files[mf.Path])
		if hex.EncodeToString(sum[:]) != mf.SHA256 || int64(len(files[mf.Path])) != mf.Size {
			t.Errorf("manifest hash of %s does not match", mf.Path)
		}
	}
	for _, name := range []string{"data.json", "index.html", "forum.csv", "mail.csv", "chat.csv", "social.csv", "custom_fields.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("bundle lacks %s", name)
		}
	}
	var att []string
	for name := range files {
		if strings.HasPrefix(name, "attachments/") {
			att = append(att, name)
			if strings.Contains(strings.TrimPrefix(name, "attachments/"), "/") || strings.Contains(name, "..") {
				t.Errorf("unsafe attachment name %q", name)
			}
			if string(files[name]) != "%PDF-1.4 eva" {
				t.Errorf("attachment %s not in original form", name)
			}
		}
	}
	if len(att) != 1 {
		t.Errorf("attachments = %v", att)
	}
	html := string(files["index.html"])
	validateData(t, files["data.json"])
	// Other customers in the person's threads (Art. 15(4)): the thread is
	// whole, but their address and name are replaced and their attachments
	// withheld (counted); staff replies and the person's messages are as
	// they were.
	for _, name := range []string{"data.json", "mail.csv", "index.html"} {
		if strings.Contains(strings.ToLower(string(files[name])), otherEmail) || strings.Contains(string(files[name]), "Olle Olsson") {
			t.Errorf("%s names another customer", name)
		}
	}
	var data struct {
		Mail []struct {
			Messages []struct {
				Mine        bool   `json:"mine"`
				Other       bool   `json:"other_customer"`
				From        string `json:"from"`
				FromName    string `json:"from_name"`
				Body        string `json:"body"`
				Withheld    int    `json:"attachments_withheld"`
				Attachments []any  `json:"attachments"`
			} `json:"messages"`
		} `json:"mail_conversations"`
	}
	if err := json.Unmarshal(files["data.json"], &data); err != nil {
		t.Fatal(err)
	}
	var others, staffReplies int
	for _, c := range data.Mail {
		for _, m := range c.Messages {
			switch {
			case m.Other:
				others++
				if m.Mine || m.From != takeout.OtherCustomerLabel || m.FromName != takeout.OtherCustomerLabel || m.Withheld != 1 || len(m.Attachments) != 0 || m.Body != "Olle svarar" {
					t.Errorf("another customer's message: %+v", m)
				}
			case !m.Mine:
				staffReplies++
				if m.From == takeout.OtherCustomerLabel {
					t.Errorf("staff reply relabelled: %+v", m)
				}
			}
		}
	}
	if others != 1 || staffReplies != 1 {
		t.Errorf("messages by others %d, staff replies %d; want 1 and 1", others, staffReplies)
	}
	if !strings.Contains(html, "en annan kund") {
		t.Error("index.html does not label the other customer")
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("index.html does not escape user text")
	}
	// In the organisation's language (Swedish) throughout, times in its
	// time zone in words, no Go time format.
	if !strings.Contains(html, "Registerutdrag") || strings.Contains(html, "Data export") || strings.Contains(html, "another customer") {
		t.Error("index.html is not in Swedish only")
	}
	if strings.Contains(html, " UTC") || strings.Contains(html, "+0000") || !strings.Contains(html, "januari 2026 kl. 10:00") {
		t.Errorf("index.html times are not in the organisation's time zone:\n%s", html)
	}
}

// validateData checks data.json against the required members and types of
// docs/takeout-data.schema.json (a structural validator for the subset of
// JSON Schema the document uses: type, required, properties, items).
func validateData(t *testing.T, raw []byte) {
	t.Helper()
	schemaRaw, err := os.ReadFile("../../docs/takeout-data.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema, doc any
	if err := json.Unmarshal(schemaRaw, &schema); err != nil {
		t.Fatalf("schema: %v", err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("data.json is not JSON: %v", err)
	}
	defs := schema.(map[string]any)["$defs"]
	for _, p := range validate(schema, doc, "$", defs) {
		t.Errorf("data.json: %s", p)
	}
}

func validate(schema, v any, at string, defs any) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return validate(defs.(map[string]any)[name], v, at, defs)
	}
	var probs []string
	if ty, ok := s["type"]; ok {
		types := []any{ty}
		if list, ok := ty.([]any); ok {
			types = list
		}
		okType := false
		for _, tt := range types {
			switch tt {
			case "object":
				_, okType = v.(map[string]any)
			case "array":
				_, okType = v.([]any)
			case "string":
				_, okType = v.(string)
			case "integer":
				n, isNum := v.(float64)
				okType = isNum && n == float64(int64(n))
			case "number":
				_, okType = v.(float64)
			case "boolean":
				_, okType = v.(bool)
			case "null":
				okType = v == nil
			}
			if okType {
				break
			}
		}
		if !okType {
			return []string{fmt.Sprintf("%s: want type %v, got %T", at, ty, v)}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				probs = append(probs, fmt.Sprintf("%s: missing required %q", at, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, sub := range props {
			if val, ok := obj[k]; ok {
				probs = append(probs, validate(sub, val, at+"."+k, defs)...)
			}
		}
	}
	if arr, ok := v.([]any); ok && s["items"] != nil {
		for i, it := range arr {
			probs = append(probs, validate(s["items"], it, fmt.Sprintf("%s[%d]", at, i), defs)...)
		}
	}
	return probs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func TestEraseEveryModuleLeavesOthersUntouched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Beta")
		other := storetest.MustFixture(t, db, "Gamma") // another tenant with the same person
		s := seed(t, db, f)
		seed(t, db, other)
		before := snapshot(t, db, s.personID, s.sharedConv)
		svc := newService(t, db)
		r, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != gallra.StatusCompleted || r.EmailRetained {
			t.Fatalf("erase: %+v", r)
		}
		want := map[string]int64{"forum_posts_deleted": 2, "forum_placeholders": 1, "forum_topics_deleted": 1, "mail_conversations_deleted": 1,
			"mail_messages_deleted": 3, "mail_attachments_deleted": 1, "chat_conversations_deleted": 1, "chat_messages_deleted": 2,
			"social_items_deleted": 1, "social_platform_deletions_queued": 1, "person_deleted": 1, "custom_fields_deleted": 2}
		for k, v := range want {
			if r.Counts[k] != v {
				t.Errorf("count %s = %d, want %d (all: %v)", k, r.Counts[k], v, r.Counts)
			}
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, subjectEmail); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("person still there: %v", err)
		}
		if _, err := db.FindPerson(ctx, other.Org.ID, subjectEmail); err != nil {
			t.Fatalf("the other tenant's person was touched: %v", err)
		}
		after := snapshot(t, db, s.personID, s.sharedConv)
		for table, rows := range before {
			if !slices.Equal(rows, after[table]) {
				t.Errorf("others' rows in %s changed:\nbefore %v\nafter  %v", table, rows, after[table])
			}
		}
		// The subject's address is nowhere: not in content, requests or audit.
		assertAbsent(t, db, subjectKey, f.Org.ID)
		out, err := db.ListSocialDeletions(ctx, f.Org.ID, "pending", 10)
		if err != nil || len(out) != 1 || out[0].ExternalID != "fb-1" {
			t.Fatalf("social outbox = %+v, %v", out, err)
		}
		rc, err := svc.Receipt(ctx, f.Admin, r.ID, "en")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rc.Text, "Confirmation of erasure") || strings.Contains(strings.ToLower(rc.Text), subjectKey) {
			t.Fatalf("receipt text: %s", rc.Text)
		}
		sv, err := svc.Receipt(ctx, f.Admin, r.ID, "sv")
		if err != nil || !strings.Contains(sv.Text, "Bekräftelse på radering") {
			t.Fatalf("sv receipt: %v %v", sv, err)
		}
		// A second erasure is a no-op that still yields a receipt.
		r2, err := svc.Submit(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil || r2.Status != gallra.StatusCompleted || len(r2.Counts) != 0 {
			t.Fatalf("second erase: %+v, %v", r2, err)
		}
		if r2.EmailHash != r.EmailHash {
			t.Error("repeat requests are not linkable by the keyed hash")
		}
		if _, err := svc.Receipt(ctx, f.Admin, r2.ID, ""); err != nil {
			t.Fatal(err)
		}
	})
}

// assertAbsent fails if the address appears in any content, request or audit
// row of the organisation.
func assertAbsent(t *testing.T, db *store.DB, email string, orgID int64) {
	t.Helper()
	queries := []string{
		`SELECT COUNT(*) FROM audit_log WHERE LOWER(details) LIKE ?`,
		`SELECT COUNT(*) FROM subject_requests WHERE LOWER(email) LIKE ?`,
		`SELECT COUNT(*) FROM forum_posts WHERE org_id = ? AND (LOWER(author_email) LIKE ? OR LOWER(body) LIKE ?)`,
		`SELECT COUNT(*) FROM mail_messages WHERE org_id = ? AND (LOWER(from_addr) LIKE ? OR LOWER(to_addrs) LIKE ?)`,
		`SELECT COUNT(*) FROM chat_conversations WHERE org_id = ? AND LOWER(participant_email) LIKE ?`,
		`SELECT COUNT(*) FROM persons WHERE org_id = ? AND email_key = ?`,
	}
	err := db.View(context.Background(), func(tx *store.Tx) error {
		for _, q := range queries {
			like := "%" + email + "%"
			var args []any
			switch strings.Count(q, "?") {
			case 1:
				args = []any{like}
			case 2:
				args = []any{orgID, like}
				if strings.Contains(q, "email_key") {
					args = []any{orgID, email}
				}
			case 3:
				args = []any{orgID, like, like}
			}
			var n int
			if err := tx.RawForTests().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
				return err
			}
			// Olle's forum post quoting the address is someone else's data and stays.
			if n > 0 && !strings.Contains(q, "forum_posts") {
				t.Errorf("address found %d time(s) by %s", n, q)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEraseResumesAfterInterruption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Delta")
		seed(t, db, f)
		boom := errors.New("injected failure")
		calls := 0
		svc := newService(t, db).WithProgress(func(r *gallra.SubjectRequest, p takeout.Progress) error {
			if p.Phase == "erase" {
				calls++
				if calls == 3 {
					return boom
				}
			}
			return nil
		})
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestErase))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Process(ctx, f.Org.ID, r.ID); !errors.Is(err, boom) {
			t.Fatalf("first run: %v", err)
		}
		half, _ := svc.Get(ctx, f.Admin, r.ID)
		if half.Status != gallra.StatusFailed || !half.EmailRetained || len(half.Counts) == 0 {
			t.Fatalf("after interruption: %+v", half)
		}
		done, err := svc.Process(ctx, f.Org.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != gallra.StatusCompleted || done.Counts["forum_posts_deleted"] != 2 || done.Counts["mail_messages_deleted"] != 3 ||
			done.Counts["person_deleted"] != 1 || done.Counts["chat_messages_deleted"] != 2 {
			t.Fatalf("resumed erase counts: %v", done.Counts)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, subjectEmail); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("person still there after resume: %v", err)
		}
		// Processing a completed request again changes nothing.
		again, err := svc.Process(ctx, f.Org.ID, r.ID)
		if err != nil || again.Status != gallra.StatusCompleted {
			t.Fatalf("re-process: %v %v", again, err)
		}
	})
}

func TestEraseForumAnonymize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Eta")
		seed(t, db, f)
		in := newRequest(gallra.RequestErase, gallra.ModuleForum)
		in.ForumAction = takeout.ForumAnonymize
		r, err := newService(t, db).Submit(ctx, f.Admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Counts["forum_posts_anonymized"] != 3 || r.Counts["forum_posts_deleted"] != 0 {
			t.Fatalf("counts %v", r.Counts)
		}
		// Forum only: the person stays (mail, chat, social remain).
		if _, err := db.FindPerson(ctx, f.Org.ID, subjectEmail); err != nil {
			t.Fatalf("person removed by a forum-only erasure: %v", err)
		}
	})
}

func TestAuthorizationAndAttestation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Epsilon")
		seed(t, db, f)
		svc := newService(t, db)
		// The editor is a member of forum and mail only.
		_, err := svc.Submit(ctx, f.Editor, newRequest(gallra.RequestErase))
		if gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("editor on all modules: %v", err)
		}
		missing, _ := gallra.ErrorDetails(err)["missing_channel_ids"].([]int64)
		want := []int64{f.Channels[gallra.ModuleChat].ID, f.Channels[gallra.ModuleSocial].ID}
		if !slices.Equal(missing, want) {
			t.Fatalf("missing channels = %v, want %v", missing, want)
		}
		for name, mod := range map[string]func(*takeout.NewRequest){
			"no attestation":     func(in *takeout.NewRequest) { in.Attestation = "" },
			"wrong statement":    func(in *takeout.NewRequest) { in.Attestation = "Trust me." },
			"no method":          func(in *takeout.NewRequest) { in.VerificationMethod = "" },
			"other without note": func(in *takeout.NewRequest) { in.VerificationMethod = takeout.MethodOther },
		} {
			in := newRequest(gallra.RequestErase, gallra.ModuleForum)
			mod(&in)
			if _, err := svc.Submit(ctx, f.Editor, in); gallra.ErrorCode(err) != gallra.EUNPROCESS {
				t.Errorf("%s: %v, want unprocessable", name, err)
			}
		}
		list, err := svc.List(ctx, f.Admin, gallra.RequestFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("refused requests were stored: %v %v", list, err)
		}
		if _, err := db.FindPerson(ctx, f.Org.ID, subjectEmail); err != nil {
			t.Fatalf("a refused request erased data: %v", err)
		}
		// English statement, editor within their channels: accepted.
		in := newRequest(gallra.RequestExport, gallra.ModuleForum, gallra.ModuleMail)
		in.Attestation = "  " + takeout.Statements()[0] + " "
		r, err := svc.Submit(ctx, f.Editor, in)
		if err != nil || r.Status != gallra.StatusCompleted {
			t.Fatalf("editor export: %v %v", r, err)
		}
		// Tenant isolation: another organisation's admin sees nothing.
		g := storetest.MustFixture(t, db, "Zeta")
		if _, err := svc.Get(ctx, g.Admin, r.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("other org reads request: %v", err)
		}
		if _, _, err := svc.OpenArtefact(ctx, g.Admin, r.ID); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("other org downloads artefact: %v", err)
		}
		if _, err := svc.Cancel(ctx, g.Admin, r.ID, "Personen drog tillbaka begäran"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("other org cancels: %v", err)
		}
		// Another editor without mail membership may not read the request.
		ed2, err := db.CreateStaff(ctx, gallra.Actor{Type: gallra.ActorSystem}, &gallra.Staff{OrgID: f.Org.ID, Name: "E2", Email: "e2@epsilon.example", Role: gallra.RoleEditor, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, ed2, r.ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Fatalf("non-member editor reads request: %v", err)
		}
	})
}

func TestDeadlinesOverdueExtendCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Theta")
		clock.Set(time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC))
		svc := newService(t, db)
		r, err := svc.Create(ctx, f.Admin, newRequest(gallra.RequestExport))
		if err != nil {
			t.Fatal(err)
		}
		// Calendar month, clamped: 31 January + 1 month = 28 February (2026).
		if want := time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC); !r.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", r.DueAt, want)
		}
		clock.Set(r.DueAt.Add(time.Hour))
		list, err := svc.List(ctx, f.Admin, gallra.RequestFilter{Overdue: true})
		if err != nil || len(list) != 1 || !list[0].Overdue {
			t.Fatalf("overdue list: %+v %v", list, err)
		}
		// Art. 12(3): a missed deadline cannot be extended afterwards (that
		// would hide the breach); the request stays overdue.
		if _, err := svc.Extend(ctx, f.Admin, r.ID, 1, "too late"); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Fatalf("extend after the due date: %v", err)
		}
		if got, _ := svc.Get(ctx, f.Admin, r.ID); !got.Overdue || got.ExtendedMonths != 0 || !got.DueAt.Equal(r.DueAt) {
			t.Fatalf("a refused extension changed the request: %+v", got)
		}
		clock.Set(r.DueAt.Add(-time.Hour))
		if _, err := svc.Extend(ctx, f.Admin, r.ID, 3, "complex"); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Fatalf("extend by 3: %v", err)
		}
		if _, err := svc.Extend(ctx, f.Admin, r.ID, 1, ""); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Fatalf("extend without reason: %v", err)
		}
		ext, err := svc.Extend(ctx, f.Admin, r.ID, 2, "Many requests at once")
		if err != nil || ext.Overdue || ext.CompletedLate || !ext.DueAt.Equal(time.Date(2026, 4, 30, 12, 0, 0, 0, time.UTC)) {
			t.Fatalf("extend: %+v %v", ext, err)
		}
		if _, err := svc.Extend(ctx, f.Admin, r.ID, 1, "again"); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Fatalf("extend past 2 months: %v", err)
		}
		if _, err := svc.Cancel(ctx, f.Admin, r.ID, "  "); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Fatalf("cancel without a reason: %v", err)
		}
		c, err := svc.Cancel(ctx, f.Admin, r.ID, "Personen drog tillbaka begäran")
		if err != nil || c.Status != gallra.StatusCancelled || c.EmailRetained || c.Overdue || c.CloseReason != "Personen drog tillbaka begäran" {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if _, err := svc.Process(ctx, f.Org.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Get(ctx, f.Admin, r.ID); got.Status != gallra.StatusCancelled {
			t.Fatalf("processing a cancelled request changed it: %s", got.Status)
		}
		if _, err := svc.Receipt(ctx, f.Admin, r.ID, "sv"); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Fatalf("receipt of cancelled: %v", err)
		}
	})
}
