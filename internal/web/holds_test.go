package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpapi"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestHoldSameRuleInAPIAndUI places a legal hold through the JSON API and
// through the admin UI as the same editor: on a topic of a channel they are
// a member of both succeed, on a chat of a channel they are not both refuse
// with 403 naming the channel, and nothing is held. Both go through the
// HoldService, which holds the rule.
func TestHoldSameRuleInAPIAndUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		api, err := httpapi.New(httpapi.Config{Services: e.svc, Takeout: e.tk, Detectors: orgpii.New(db), Clock: clock, Extra: []func(*httpapi.Router){httpapi.RetentionRoutes(e.ret)}})
		if err != nil {
			t.Fatal(err)
		}
		apiSrv := httptest.NewServer(api.Handler())
		t.Cleanup(apiSrv.Close)
		ui := e.client()
		ui.login(e.fx.Editor.Email)

		forum, chatCh := e.fx.Channels[gallra.ModuleForum], e.fx.Channels[gallra.ModuleChat]
		author := gallra.Author{Name: "Kund", Email: "kund@example.se"}
		newTopic := func() int64 {
			tp, err := db.CreateTopic(ctx, e.fx.Org.ID, gallra.NewTopic{ChannelID: forum.ID, Title: "Bygglov", Body: "Fråga", Author: author})
			if err != nil {
				t.Fatal(err)
			}
			return tp.ID
		}
		newChat := func() int64 {
			ch, _, err := db.StartChat(ctx, e.fx.Org.ID, gallra.NewChat{ChannelID: chatCh.ID, Message: "hej"})
			if err != nil {
				t.Fatal(err)
			}
			return ch.ID
		}
		for _, tc := range []struct {
			name    string
			st      gallra.SubjectType
			channel *gallra.Channel
			subject func() int64
			apiWant int
			uiWant  int
		}{
			{"member editor holds a topic", gallra.SubjectForumTopic, forum, newTopic, http.StatusOK, http.StatusSeeOther},
			{"non-member editor holds a chat", gallra.SubjectChatConversation, chatCh, newChat, http.StatusForbidden, http.StatusForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				byAPI, byUI := tc.subject(), tc.subject()
				req, _ := http.NewRequest("PUT", apiSrv.URL+"/api/v1/holds/"+string(tc.st)+"/"+strconv.FormatInt(byAPI, 10), strings.NewReader(`{"reason":"Tvist"}`))
				req.Header.Set("Authorization", "Bearer "+e.fx.EditorToken)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				r := ui.post("/settings/channels/"+strconv.FormatInt(tc.channel.ID, 10)+"/holds",
					url.Values{"subject_id": {strconv.FormatInt(byUI, 10)}, "reason": {"Tvist"}})
				if res.StatusCode != tc.apiWant || r.Status != tc.uiWant {
					t.Fatalf("API answered %d (want %d): %s; UI answered %d (want %d)", res.StatusCode, tc.apiWant, body, r.Status, tc.uiWant)
				}
				held := tc.apiWant == http.StatusOK
				if tc.apiWant == http.StatusForbidden {
					refusal := "not an editor of channel " + strconv.FormatInt(tc.channel.ID, 10)
					mustContain(t, "API refusal", string(body), refusal)
					mustContain(t, "UI refusal", r.Body, refusal)
				}
				for _, id := range []int64{byAPI, byUI} {
					holds, err := db.ListHolds(ctx, e.fx.Org.ID)
					if err != nil {
						t.Fatal(err)
					}
					found := false
					for _, h := range holds {
						found = found || (h.SubjectType == tc.st && h.SubjectID == id)
					}
					if found != held {
						t.Errorf("%s %d held: %v, want %v", tc.st, id, found, held)
					}
				}
			})
		}
	})
}
