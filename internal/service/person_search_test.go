package service_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A test personnummer (birth number 995, not a real person's).
const testPnr = "821105-9954"

func TestPersonSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		f := storetest.MustFixture(t, db, "Alfa")
		other := storetest.MustFixture(t, db, "Beta")
		svc := service.New(service.Deps{DB: db, Clock: clock})
		org := f.Org.ID
		forum, chatCh, social := f.Channels[gallra.ModuleForum].ID, f.Channels[gallra.ModuleChat].ID, f.Channels[gallra.ModuleSocial].ID

		topic, err := db.CreateTopic(ctx, org, gallra.NewTopic{ChannelID: forum, Title: "Fråga", Body: "Hur gör man?", Author: gallra.Author{Name: "Kund Kundsson", Email: "kund@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		kund := *topic.PersonID
		// A neighbour names the customer's personnummer in their own post.
		reply, err := db.CreatePost(ctx, org, gallra.NewPost{TopicID: topic.ID, Body: "Hen har personnummer " + testPnr + ", ring 070-123 45 67.", Author: gallra.Author{Name: "Granne", Email: "granne@example.se"}})
		if err != nil {
			t.Fatal(err)
		}
		// A chat in a channel the editor is not a member of names it too.
		if _, _, err := db.StartChat(ctx, org, gallra.NewChat{ChannelID: chatCh, Name: "Tredje", Email: "tredje@example.se", Message: "Gäller 19" + strings.ReplaceAll(testPnr, "-", "")}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertSocialItem(ctx, org, social, gallra.SocialInput{ExternalID: "post-1", AuthorID: "fb-777", AuthorName: "Anna Social", AuthorEmail: "anna@example.se", Body: "Hej"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetHold(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}, org, gallra.SubjectForumTopic, topic.ID, "Tvist"); err != nil {
			t.Fatal(err)
		}

		entities := func(r *gallra.PersonSearchResult) string {
			var s []string
			for _, m := range r.Mentions {
				s = append(s, m.Entity+"/"+m.Kind)
			}
			return strings.Join(s, ",")
		}
		personIDs := func(r *gallra.PersonSearchResult) []int64 {
			var ids []int64
			for _, p := range r.Persons {
				ids = append(ids, p.ID)
			}
			return ids
		}

		tests := []struct {
			name     string
			staff    *gallra.Staff
			q        string
			kind     string
			mentions string
			persons  int
			code     string
		}{
			{"admin personnummer finds the neighbour's post and the chat", f.Admin, testPnr, "personnummer", "chat_message/personnummer,forum_post/personnummer", 0, ""},
			{"12-digit spelling", f.Admin, "19821105-9954", "personnummer", "chat_message/personnummer,forum_post/personnummer", 0, ""},
			{"editor sees their channels only", f.Editor, testPnr, "personnummer", "forum_post/personnummer", 0, ""},
			{"phone in any spelling", f.Admin, "+46701234567", "phone", "forum_post/phone", 0, ""},
			{"e-mail finds the person", f.Admin, " KUND@example.se ", "email", "", 1, ""},
			{"name", f.Admin, "kundsson", "name", "", 1, ""},
			{"social handle", f.Admin, "fb-777", "name", "", 1, ""},
			{"social name", f.Admin, "anna soc", "name", "", 1, ""},
			{"editor does not see a social-only person", f.Editor, "anna soc", "name", "", 0, ""},
			{"another organisation finds nothing", other.Admin, testPnr, "personnummer", "", 0, ""},
			{"bad check digit", f.Admin, "821105-9955", "", "", 0, gallra.EINVALID},
			{"too short", f.Admin, "12", "", "", 0, gallra.EINVALID},
			{"empty", f.Admin, "  ", "", "", 0, gallra.EINVALID},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r, err := svc.Persons.SearchPersons(ctx, tc.staff, tc.q)
				if tc.code != "" {
					if gallra.ErrorCode(err) != tc.code {
						t.Fatalf("err = %v, want %s", err, tc.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if r.Kind != tc.kind || entities(r) != tc.mentions || len(r.Persons) != tc.persons {
					t.Fatalf("got kind %s mentions %q persons %v, want %s %q %d", r.Kind, entities(r), personIDs(r), tc.kind, tc.mentions, tc.persons)
				}
				if !r.Complete {
					t.Fatal("index reported incomplete")
				}
			})
		}
		r, err := svc.Persons.SearchPersons(ctx, f.Admin, testPnr)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range r.Mentions {
			found = found || (m.Entity == "forum_post" && m.ID == reply.ID && m.ParentID == topic.ID && m.ChannelID == forum)
		}
		if !found {
			t.Fatalf("the neighbour's post %d is not among %+v", reply.ID, r.Mentions)
		}

		// Two requests for the customer's address: one on the forum (the
		// editor's), one on the chat channel (not the editor's).
		var onForum, onChat int64
		if err := db.Update(ctx, func(tx *store.Tx) error {
			key, err := tx.OrgAuditKey(ctx, org)
			if err != nil {
				return err
			}
			for _, ch := range []int64{forum, chatCh} {
				r := &gallra.SubjectRequest{OrgID: org, Kind: gallra.RequestExport, Status: gallra.StatusReceived, Email: "kund@example.se",
					EmailHash: audit.KeyedHash(key, "kund@example.se"), ChannelIDs: []int64{ch}, RequestedBy: f.Admin.ID,
					ReceivedAt: clock.Now(), DueAt: clock.Now().AddDate(0, 1, 0), Reference: "DSR-2026-" + strconv.FormatInt(ch, 10)}
				if err := tx.InsertSubjectRequest(ctx, r); err != nil {
					return err
				}
				if ch == forum {
					onForum = r.ID
				} else {
					onChat = r.ID
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		reqIDs := func(ov *gallra.PersonOverview) []int64 {
			var ids []int64
			for _, r := range ov.Requests {
				ids = append(ids, r.ID)
			}
			return ids
		}

		// The person page.
		ov, err := svc.Persons.PersonOverview(ctx, f.Admin, kund)
		if err != nil {
			t.Fatal(err)
		}
		if ov.Person.Email != "kund@example.se" || len(ov.Channels) != 1 || ov.Channels[0].ChannelID != forum || ov.Channels[0].Items != 1 {
			t.Fatalf("overview = %+v", ov)
		}
		if len(ov.Holds) != 1 || ov.Holds[0].SubjectID != topic.ID || ov.Holds[0].Reason != "Tvist" {
			t.Fatalf("holds = %+v", ov.Holds)
		}
		anna := int64(0)
		if r, err := svc.Persons.SearchPersons(ctx, f.Admin, "fb-777"); err != nil || len(r.Persons) != 1 {
			t.Fatal(r, err)
		} else {
			anna = r.Persons[0].ID
		}
		if _, err := svc.Persons.PersonOverview(ctx, f.Editor, anna); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("editor read a person outside their channels: %v", err)
		}
		if _, err := svc.Persons.PersonOverview(ctx, other.Admin, kund); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Fatalf("another organisation read the person: %v", err)
		}
		if got := reqIDs(ov); len(got) != 2 || got[0] != onChat || got[1] != onForum {
			t.Fatalf("admin sees requests %v, want [%d %d]", got, onChat, onForum)
		}
		eov, err := svc.Persons.PersonOverview(ctx, f.Editor, kund)
		if err != nil {
			t.Fatalf("editor, own channel: %v", err)
		}
		if got := reqIDs(eov); len(got) != 1 || got[0] != onForum {
			t.Fatalf("editor sees requests %v, want [%d]", got, onForum)
		}

		// Audited, with no clear identifier.
		entries, err := db.ListAudit(ctx, org, gallra.AuditFilter{Action: "person.", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		searched, viewed := 0, 0
		for _, e := range entries {
			switch e.Action {
			case "person.searched":
				searched++
				if h, _ := e.Details["value_hash"].(string); len(h) != 64 {
					t.Fatalf("search entry without keyed hash: %v", e.Details)
				}
			case "person.viewed":
				viewed++
			}
			raw, _ := json.Marshal(e)
			low := strings.ToLower(string(raw))
			for _, clear := range []string{"821105", "8211059954", "kund@", "kundsson", "anna", "fb-777", "0701234567", "46701234567"} {
				if strings.Contains(low, clear) {
					t.Fatalf("audit entry holds %q: %s", clear, raw)
				}
			}
		}
		if searched < 10 || viewed != 2 {
			t.Fatalf("audit: %d searches, %d page views", searched, viewed)
		}
	})
}
