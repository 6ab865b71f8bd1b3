package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// threadItems is how many posts or messages each seeded thread gets: more
// than one page of the largest size.
const threadItems = gallra.MaxThreadPage + 23

// seedThreads grows the seeded topic, mail conversation and chat to
// threadItems posts or messages each and returns their ids per thread, in
// creation order.
func seedThreads(t *testing.T, e *env) map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	org := e.a.Org.ID
	ids := map[string][]int64{}
	top := must(e.db.GetTopic(ctx, org, e.ids["topic"]))
	conv := must(e.db.GetMailConversation(ctx, org, e.ids["conv"]))
	chat := must(e.db.GetChat(ctx, org, e.ids["chatid"]))
	ids["topic"] = []int64{top.Posts[0].ID}
	ids["conv"] = []int64{conv.Messages[0].ID}
	ids["chatid"] = []int64{chat.Messages[0].ID}
	for i := 1; i < threadItems; i++ {
		p := must(e.db.CreatePost(ctx, org, gallra.NewPost{TopicID: e.ids["topic"], Body: fmt.Sprintf("post %d", i),
			Author: gallra.Author{Name: "Kund", Email: custEmail}}))
		ids["topic"] = append(ids["topic"], p.ID)
		m := must(e.db.IngestMail(ctx, org, e.ids["mail"], gallra.InboundMail{From: custEmail, To: []string{"support@alfa.example"},
			Subject: "Re: Invoice", Body: fmt.Sprintf("mail %d", i), MessageID: fmt.Sprintf("m%d-more@example.se", i), InReplyTo: "m1@example.se"}))
		if m.ConversationID != e.ids["conv"] {
			t.Fatalf("mail %d threaded into conversation %d, want %d", i, m.ConversationID, e.ids["conv"])
		}
		ids["conv"] = append(ids["conv"], m.ID)
		c := must(e.db.StaffChatMessage(ctx, org, e.ids["chatid"], e.a.Admin.ID, fmt.Sprintf("line %d", i)))
		ids["chatid"] = append(ids["chatid"], c.ID)
	}
	return ids
}

// walk reads a thread page by page through path (which has the limit
// query, if any) and returns every id seen, failing when a page is larger
// than max.
func walk(t *testing.T, e *env, path, who string, hdr map[string]string, items string, max int) []int64 {
	t.Helper()
	var seen []int64
	after := ""
	for pages := 0; ; pages++ {
		if pages > threadItems+1 {
			t.Fatalf("%s: the cursor does not end", path)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url := path
		if after != "" {
			url += sep + "after_id=" + after
		}
		res := e.do("GET", url, who, nil, hdr)
		if res.Status != 200 {
			t.Fatalf("GET %s: %d %s", url, res.Status, res.Body)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			}
			Next *int64 `json:"next_after_id"`
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(res.Body, &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw[items], &page.Items); err != nil && raw[items] != nil {
			t.Fatal(err)
		}
		if n, ok := raw["next_after_id"]; ok {
			_ = json.Unmarshal(n, &page.Next)
		}
		if len(page.Items) > max {
			t.Fatalf("GET %s: %d %s in a page, at most %d allowed", url, len(page.Items), items, max)
		}
		for _, it := range page.Items {
			seen = append(seen, it.ID)
		}
		if page.Next == nil {
			return seen
		}
		if len(page.Items) == 0 || *page.Next != page.Items[len(page.Items)-1].ID {
			t.Fatalf("GET %s: next_after_id %d is not the page's last id", url, *page.Next)
		}
		after = fmt.Sprint(*page.Next)
	}
}

func TestThreadPagesWalkEveryItemOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, generous)
		want := seedThreads(t, e)
		tok := map[string]string{"X-Chat-Token": e.chatTk}
		for _, c := range []struct {
			name, path, who, items, thread string
			hdr                            map[string]string
		}{
			{"staff topic", "/api/v1/topics/{topic}", "admin", "posts", "topic", nil},
			{"public topic", "/api/v1/public/topics/{topic}", "", "posts", "topic", nil},
			{"mail conversation", "/api/v1/conversations/{conv}", "admin", "messages", "conv", nil},
			{"staff chat", "/api/v1/chats/{chatid}", "admin", "messages", "chatid", nil},
			{"public chat", "/api/v1/public/chats/{chatid}", "", "messages", "chatid", tok},
		} {
			for _, lim := range []struct {
				query string
				max   int
			}{{"", gallra.DefaultThreadPage}, {"?limit=7", 7}, {fmt.Sprintf("?limit=%d", gallra.MaxThreadPage), gallra.MaxThreadPage}} {
				t.Run(c.name+lim.query, func(t *testing.T) {
					old := e.t
					e.t = t
					defer func() { e.t = old }()
					got := walk(t, e, c.path+lim.query, c.who, c.hdr, c.items, lim.max)
					if fmt.Sprint(got) != fmt.Sprint(want[c.thread]) {
						t.Errorf("walked %d ids %v,\nwant %d ids %v (each once, oldest first)", len(got), got, len(want[c.thread]), want[c.thread])
					}
				})
			}
		}
		e.run([]scenario{
			{name: "thread limit above the maximum", method: "GET", path: fmt.Sprintf("/api/v1/public/topics/{topic}?limit=%d", gallra.MaxThreadPage+1), status: 400, want: []string{"limit must be an integer from 1 to 100"}},
			{name: "thread limit zero", method: "GET", path: "/api/v1/topics/{topic}?limit=0", who: "admin", status: 400},
			{name: "thread cursor not an id", method: "GET", path: "/api/v1/conversations/{conv}?after_id=-3", who: "admin", status: 400},
			{name: "chat limit above the maximum", method: "GET", path: "/api/v1/chats/{chatid}?limit=101", who: "admin", status: 400},
			{name: "cursor past the end", method: "GET", path: "/api/v1/public/topics/{topic}?after_id=999999999", status: 200, want: []string{`"posts":[]`, `"next_after_id":null`}},
		})
	})
}

func TestPublicPostSize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, generous)
		res := e.do("POST", "/api/v1/public/channels/{chat}/chats", "", `{"message":"hello"}`, nil)
		var started PublicChatStarted
		if err := json.Unmarshal(res.Body, &started); err != nil {
			t.Fatalf("start chat: %v %s", err, res.Body)
		}
		e.ids["newchat"] = started.ChatID
		tk := map[string]string{"X-Chat-Token": started.ChatToken}
		body := func(n int) string { return strings.Repeat("å", n) }
		post := func(n int) string {
			return fmt.Sprintf(`{"body":%q,"author_name":"Ola","author_email":"ola@example.se"}`, body(n))
		}
		tooLong := fmt.Sprintf("body is longer than %d characters", gallra.MaxPublicPostLen)
		e.run([]scenario{
			{name: "public post at the limit", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: post(gallra.MaxPublicPostLen), status: 201},
			{name: "public post over the limit", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: post(gallra.MaxPublicPostLen + 1), status: 400, want: []string{tooLong}},
			{name: "public topic over the limit", method: "POST", path: "/api/v1/public/channels/{forum}/topics",
				body: fmt.Sprintf(`{"title":"t","body":%q,"author_name":"Ola","author_email":"ola@example.se"}`, body(gallra.MaxPublicPostLen+1)), status: 400, want: []string{tooLong}},
			{name: "public chat start over the limit", method: "POST", path: "/api/v1/public/channels/{chat}/chats",
				body: fmt.Sprintf(`{"message":%q}`, body(gallra.MaxPublicPostLen+1)), status: 400, want: []string{fmt.Sprintf("message is longer than %d characters", gallra.MaxPublicPostLen)}},
			{name: "public chat message over the limit", method: "POST", path: "/api/v1/public/chats/{newchat}/messages", hdr: tk,
				body: fmt.Sprintf(`{"message":%q}`, body(gallra.MaxPublicPostLen+1)), status: 400, want: []string{fmt.Sprintf("message is longer than %d characters", gallra.MaxPublicPostLen)}},
			{name: "public body over the route limit", method: "POST", path: "/api/v1/public/topics/{topic}/posts", body: post(MaxPublicBody), status: 413},
			{name: "staff edit keeps the staff limit", method: "PATCH", path: "/api/v1/posts/{post}", who: "admin", body: fmt.Sprintf(`{"body":%q}`, body(gallra.MaxPublicPostLen+1)), status: 200},
		})
	})
}

// TestMaxPublicBodyFitsLongestPost checks the public routes' body limit
// admits the longest valid post even when every character arrives as a
// JSON escape (\uXXXX, twice for a character outside the BMP).
func TestMaxPublicBodyFitsLongestPost(t *testing.T) {
	const escaped = 12 // bytes per character: a surrogate pair of \uXXXX
	longest := escaped*(gallra.MaxPublicPostLen+gallra.MaxTitleLen+gallra.MaxNameLen) + gallra.MaxEmailLen + 1024
	if MaxPublicBody < longest {
		t.Errorf("MaxPublicBody %d is smaller than the longest valid public post (%d bytes)", MaxPublicBody, longest)
	}
	if MaxPublicBody >= DefaultMaxBody {
		t.Errorf("MaxPublicBody %d should be below the default body limit %d", MaxPublicBody, DefaultMaxBody)
	}
}

// TestListLimitsCapped asks every paged list for one more than its
// documented maximum (refused) and for the maximum (served, never more).
func TestListLimitsCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, generous)
		var sc []scenario
		for _, l := range []struct{ path, who string }{
			{"/api/v1/channels/{forum}/topics", "admin"},
			{"/api/v1/channels/{mail}/conversations", "admin"},
			{"/api/v1/channels/{chat}/chats", "admin"},
			{"/api/v1/channels/{social}/social-items", "admin"},
			{"/api/v1/channels/{knowledge}/articles", "admin"},
			{"/api/v1/channels/{forum}/search?q=hello", "admin"},
			{"/api/v1/audit", "admin"},
			{"/api/v1/requests", "admin"},
		} {
			sep := "?"
			if strings.Contains(l.path, "?") {
				sep = "&"
			}
			sc = append(sc,
				scenario{name: l.path + " limit 201", method: "GET", path: l.path + sep + "limit=201", who: l.who, status: 400, want: []string{"limit"}},
				scenario{name: l.path + " limit 200", method: "GET", path: l.path + sep + "limit=200", who: l.who, status: 200})
		}
		for _, l := range []struct{ path, who string }{
			{"/api/v1/topics/{topic}", "admin"},
			{"/api/v1/conversations/{conv}", "admin"},
			{"/api/v1/chats/{chatid}", "admin"},
			{"/api/v1/public/topics/{topic}", ""},
		} {
			sc = append(sc,
				scenario{name: l.path + " limit over", method: "GET", path: fmt.Sprintf("%s?limit=%d", l.path, gallra.MaxThreadPage+1), who: l.who, status: 400, want: []string{"limit"}},
				scenario{name: l.path + " limit max", method: "GET", path: fmt.Sprintf("%s?limit=%d", l.path, gallra.MaxThreadPage), who: l.who, status: 200, want: []string{`"next_after_id":null`}})
		}
		e.run(sc)
	})
}
