package service_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/secretbox"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/social"
	"github.com/gallra/gallra/internal/social/metatest"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

const (
	metaAppSecret = "test-app-secret-0123456789abcdef"
	pageID        = "1122334455"
	igID          = "17841400000000001"
	pageToken     = "EAAGpagetoken123"
)

// socialRig is a connected social channel against a fake Graph API.
type socialRig struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *storetest.Clock
	fx    *storetest.Fixture
	graph *metatest.Server
	svc   *gallra.Services
	ch    int64
}

func newSocialRig(t *testing.T, db *store.DB, clock *storetest.Clock, name string) *socialRig {
	t.Helper()
	box, err := secretbox.New(imapTestKey)
	if err != nil {
		t.Fatal(err)
	}
	graph := metatest.Start(t, metaAppSecret)
	graph.AddToken(pageToken, true)
	meta, err := social.NewMeta(social.MetaConfig{GraphURL: graph.GraphURL(), AppSecret: metaAppSecret, VerifyToken: "verify-me", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Deps{DB: db, Clock: clock, Secrets: box, Social: service.SocialConfig{
		Connectors: []social.Connector{meta}, MaxAttempts: 3,
		Backoff: func(int) time.Duration { return time.Minute },
		Sleep:   func(context.Context, time.Duration) error { return nil },
	}})
	r := &socialRig{t: t, ctx: context.Background(), db: db, clock: clock, fx: storetest.MustFixture(t, db, name), graph: graph, svc: svc}
	r.ch = r.fx.Channels[gallra.ModuleSocial].ID
	return r
}

func (r *socialRig) connect() {
	r.t.Helper()
	if _, err := r.svc.SocialConnect.Connect(r.ctx, r.fx.Admin, r.ch, gallra.SocialAccountSettings{PageID: pageID, IGAccountID: igID, AccessToken: pageToken}); err != nil {
		r.t.Fatal(err)
	}
}

// deliver signs and posts a delivery, then runs the processing job.
func (r *socialRig) deliver(body string) {
	r.t.Helper()
	h := map[string][]string{"X-Hub-Signature-256": {social.SignDelivery([]byte(body), metaAppSecret)}}
	if err := r.svc.SocialPlatform.ReceiveWebhook(r.ctx, gallra.PlatformMeta, h, []byte(body)); err != nil {
		r.t.Fatalf("receive: %v", err)
	}
	if _, err := r.svc.SocialPlatform.ProcessWebhooks(r.ctx); err != nil {
		r.t.Fatalf("process: %v", err)
	}
}

// items returns the channel's items by external id.
func (r *socialRig) items() map[string]gallra.SocialItem {
	r.t.Helper()
	list, err := r.svc.Social.ListItems(r.ctx, r.fx.Admin, r.ch, gallra.Page{Limit: 500})
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]gallra.SocialItem{}
	for _, it := range list {
		out[it.ExternalID] = it
	}
	return out
}

func feed(item, verb, id, post, parent, from, msg string, at int64) string {
	v := fmt.Sprintf(`{"item":%q,"verb":%q,"post_id":%q,"from":{"id":%q,"name":"Testperson %s"},"created_time":%d`, item, verb, post, from, from, at)
	if item == "comment" {
		v += fmt.Sprintf(`,"comment_id":%q,"parent_id":%q`, id, parent)
	}
	if msg != "" {
		v += fmt.Sprintf(`,"message":%q`, msg)
	}
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"changes":[{"field":"feed","value":%s}]}]}`, pageID, at, v+"}")
}

func TestSocialWebhooksMirror(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		r := newSocialRig(t, db, clock, "Hook")
		t0 := clock.Now().Unix()

		// Not connected yet: deliveries are accepted and skipped.
		r.deliver(feed("status", "add", "", pageID+"_1", "", "9001", "Före kopplingen", t0))
		if n := len(r.items()); n != 0 {
			t.Fatalf("mirrored for an unconnected page: %d", n)
		}
		r.connect()

		// Signature refusal: wrong secret, missing header, body changed after signing.
		body := feed("status", "add", "", pageID+"_2", "", "9002", "Hej kommunen", t0)
		for name, h := range map[string]string{"wrong secret": social.SignDelivery([]byte(body), "another-secret-0000000000"), "missing": "",
			"truncated": social.SignDelivery([]byte(body[:len(body)-5]), metaAppSecret), "not hex": "sha256=zz"} {
			err := r.svc.SocialPlatform.ReceiveWebhook(r.ctx, gallra.PlatformMeta, map[string][]string{"X-Hub-Signature-256": {h}}, []byte(body))
			if gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
				t.Errorf("%s signature: %v", name, err)
			}
		}
		if c, _ := db.WebhookEventCounts(r.ctx, gallra.PlatformMeta); c["pending"]+c["done"]+c["failed"] != 1 {
			t.Errorf("refused deliveries were stored: %v", c)
		}

		// Idempotency: the same delivery twice is stored and applied once.
		r.deliver(body)
		r.deliver(body)
		if c, _ := db.WebhookEventCounts(r.ctx, gallra.PlatformMeta); c["done"] != 2 {
			t.Errorf("deliveries after a replay: %v", c)
		}
		post := pageID + "_2"
		if it, ok := r.items()[post]; !ok || it.Body != "Hej kommunen" || it.Source != gallra.SourceFacebookPost {
			t.Fatalf("post mirrored: %+v", r.items())
		}

		// A comment, then its edits out of order: the older edit loses.
		c1 := post + "_c1"
		r.deliver(feed("comment", "add", c1, post, post, "9003", "Första", t0+10))
		r.deliver(feed("comment", "edited", c1, post, post, "9003", "Tredje versionen", t0+30))
		r.deliver(feed("comment", "edit", c1, post, post, "9003", "Andra versionen", t0+20))
		it := r.items()[c1]
		if it.Body != "Tredje versionen" || it.ParentID == nil || it.Kind != gallra.PostKindComment {
			t.Errorf("comment after out-of-order edits: %+v", it)
		}

		// Removal before the add: the late add does not bring it back.
		c2 := post + "_c2"
		r.deliver(feed("comment", "remove", c2, post, post, "9004", "", t0+41))
		r.deliver(feed("comment", "add", c2, post, post, "9004", "Sent tillägg", t0+40))
		if _, ok := r.items()[c2]; ok {
			t.Errorf("a comment removed before its add was mirrored")
		}

		// Removal of the post takes the comment; a replayed add and a
		// reply under it stay out (tombstones).
		r.deliver(feed("status", "remove", "", post, "", "9002", "", t0+50))
		got := r.items()
		if _, ok := got[post]; ok {
			t.Errorf("removed post still mirrored")
		}
		if _, ok := got[c1]; ok {
			t.Errorf("comment of a removed post still mirrored")
		}
		r.deliver(feed("status", "edited", "", post, "", "9002", "Tillbaka?", t0+60))
		r.deliver(feed("comment", "add", post+"_c9", post, post, "9005", "Svar under borttaget", t0+61))
		if len(r.items()) != 0 {
			t.Errorf("tombstoned items came back: %+v", r.items())
		}
		entries, err := r.svc.Audit.ListAudit(r.ctx, r.fx.Admin, gallra.AuditFilter{Action: "social.item_removed_on_platform"})
		if err != nil || len(entries) == 0 {
			t.Fatalf("removal not audited: %v", err)
		}
		for _, e := range entries {
			if s := fmt.Sprint(e.Details); strings.Contains(s, "Första") || strings.Contains(s, "Tredje") || strings.Contains(s, "9003") {
				t.Errorf("audit holds content or author: %s", s)
			}
		}

		// Messenger: a message and its edit; Instagram: a message unsent.
		r.deliver(fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":"7001"},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":"m_A1","text":"Hej från Messenger","unknown_field":{"x":1}}}]}]}`,
			pageID, t0, pageID, (t0+70)*1000))
		r.deliver(fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":"7001"},"recipient":{"id":%q},"timestamp":%d,"message_edit":{"mid":"m_A1","text":"Hej, ändrat","num_edit":1}}]}]}`,
			pageID, t0, pageID, (t0+80)*1000))
		if it := r.items()["m_A1"]; it.Body != "Hej, ändrat" || it.Source != gallra.SourceMessenger {
			t.Errorf("messenger edit: %+v", it)
		}
		ig := func(mid string, deleted bool, at int64) string {
			return fmt.Sprintf(`{"object":"instagram","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":"8001"},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":"Ångra mig","is_deleted":%v}}]}]}`,
				igID, at, igID, at*1000, mid, deleted)
		}
		r.deliver(ig("aWdfZAG1", false, t0+90))
		if _, ok := r.items()["aWdfZAG1"]; !ok {
			t.Fatal("instagram message not mirrored")
		}
		r.deliver(ig("aWdfZAG1", true, t0+91))
		if _, ok := r.items()["aWdfZAG1"]; ok {
			t.Error("unsent instagram message still mirrored")
		}

		// Unknown verbs and fields are skipped; a delivery that is not
		// JSON is kept as failed, visible to staff.
		r.deliver(feed("comment", "hide", post+"_c7", post, post, "9006", "x", t0+95))
		r.deliver(`{"object":"page","entry":[{"id":"` + pageID + `","changes":[{"field":"ratings","value":{}}]}]}`)
		r.deliver(`{"object":"page","entry":[`)
		acct, err := r.svc.SocialConnect.Account(r.ctx, r.fx.Admin, r.ch)
		if err != nil || acct.FailedEvents != 1 {
			t.Errorf("failed deliveries shown: %+v %v", acct, err)
		}
	})
}

func TestSocialDeletionBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		r := newSocialRig(t, db, clock, "Both")
		r.connect()
		t0 := clock.Now().Unix()
		post := pageID + "_5"
		r.graph.AddObject(post, post+"_a", post+"_b", post+"_c")
		r.deliver(feed("status", "add", "", post, "", pageID, "Kommunens inlägg", t0))
		for i, c := range []string{"_a", "_b", "_c"} {
			r.deliver(feed("comment", "add", post+c, post, post, fmt.Sprint(9100+i), "Kommentar "+c, t0+int64(i)+1))
		}
		items := r.items()

		// The editor is not a member of the social channel.
		if _, err := r.svc.SocialConnect.Delete(r.ctx, r.fx.Editor, r.ch, items[post+"_a"].ID); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor deleted: %v", err)
		}

		// Deleted here: gone at once, deleted there by the job.
		if n, err := r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, items[post+"_a"].ID); err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if _, ok := r.items()[post+"_a"]; ok {
			t.Error("deleted item still mirrored")
		}
		// The platform refuses deleting _b (not the page's): it is hidden.
		r.graph.RefuseDelete(post + "_b")
		if _, err := r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, items[post+"_b"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.SocialPlatform.DeliverDeletions(r.ctx); err != nil {
			t.Fatal(err)
		}
		// _c meets a 500, then a 429 with Retry-After, then goes.
		r.graph.Fail(metatest.Fault{Status: 500, Code: 2, Msg: "Service temporarily unavailable"})
		if _, err := r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, items[post+"_c"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.SocialPlatform.DeliverDeletions(r.ctx); err != nil {
			t.Fatal(err)
		}
		state := func() map[string]gallra.SocialDeletionState {
			list, err := r.svc.SocialConnect.Deletions(r.ctx, r.fx.Admin, r.ch, 100)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]gallra.SocialDeletionState{}
			for _, d := range list {
				out[d.ExternalID] = d
			}
			return out
		}
		st := state()
		if st[post+"_a"].State != gallra.PlatformDeleted || r.graph.State(post+"_a") != "" {
			t.Errorf("_a: %+v on platform %q", st[post+"_a"], r.graph.State(post+"_a"))
		}
		if st[post+"_b"].State != gallra.PlatformHidden || r.graph.State(post+"_b") != "hidden" {
			t.Errorf("_b: %+v on platform %q", st[post+"_b"], r.graph.State(post+"_b"))
		}
		if st[post+"_c"].State != gallra.PlatformDeletePending || !strings.Contains(st[post+"_c"].LastError, "500") || r.graph.State(post+"_c") != "live" {
			t.Errorf("_c after a 500: %+v", st[post+"_c"])
		}
		// Not due yet: nothing is tried.
		calls := r.graph.CallCount("DELETE")
		r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		if r.graph.CallCount("DELETE") != calls {
			t.Error("retried before the backoff")
		}
		r.graph.Fail(metatest.Fault{Status: 429, Code: 4, Msg: "Application request limit reached", Header: http.Header{"Retry-After": {"600"}}})
		clock.Advance(2 * time.Minute)
		r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		if st := state()[post+"_c"]; st.State != gallra.PlatformDeletePending || st.Attempts != 2 {
			t.Errorf("_c after a 429: %+v", st)
		}
		clock.Advance(5 * time.Minute) // Retry-After 600s is not over
		r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		if st := state()[post+"_c"]; st.Attempts != 2 {
			t.Errorf("Retry-After not honoured: %+v", st)
		}
		clock.Advance(6 * time.Minute)
		r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		if st := state()[post+"_c"]; st.State != gallra.PlatformDeleted || st.Attempts != 3 || r.graph.State(post+"_c") != "" {
			t.Errorf("_c after the retry: %+v", st)
		}

		// A private message cannot be deleted by the page: refused, and
		// said so. A platform that keeps failing is given up.
		r.deliver(fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"messaging":[{"sender":{"id":"7002"},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":"m_B1","text":"Privat"}}]}]}`, pageID, pageID, t0*1000))
		r.deliver(feed("comment", "add", post+"_d", post, post, "9200", "Sista", t0+9))
		r.graph.AddObject(post + "_d")
		items = r.items()
		r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, items["m_B1"].ID)
		r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, items[post+"_d"].ID)
		for i := 0; i < 3; i++ {
			r.graph.Fail(metatest.Fault{Status: 503, Code: 2, Msg: "down"})
			clock.Advance(2 * time.Minute)
			r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		}
		st = state()
		if st["m_B1"].State != gallra.PlatformRefused || !strings.Contains(st["m_B1"].LastError, "private messages") {
			t.Errorf("message: %+v", st["m_B1"])
		}
		if st[post+"_d"].State != gallra.PlatformGaveUp || r.graph.State(post+"_d") != "live" {
			t.Errorf("_d: %+v", st[post+"_d"])
		}

		// Deletion there: reconciliation finds an Instagram comment gone.
		for i := 0; i < 3; i++ {
			id := fmt.Sprintf("1780000000000%d", i)
			r.graph.AddObject(id)
			r.deliver(fmt.Sprintf(`{"object":"instagram","entry":[{"id":%q,"time":%d,"changes":[{"field":"comments","value":{"from":{"id":"5550%d","username":"test_user_%d"},"media":{"id":"1790000001","media_product_type":"FEED"},"id":%q,"text":"IG-kommentar %d"}}]}]}`,
				igID, t0, i, i, id, i))
		}
		r.graph.RemoveObject("17800000000001")
		n, err := r.svc.SocialPlatform.Reconcile(r.ctx)
		if err != nil || n != 1 {
			t.Fatalf("reconcile removed %d: %v", n, err)
		}
		got := r.items()
		if _, ok := got["17800000000001"]; ok {
			t.Error("comment deleted on Instagram still mirrored")
		}
		if _, ok := got["17800000000000"]; !ok {
			t.Error("reconcile removed a live comment")
		}
		// Rate limited: the run stops without removing anything, and says so.
		r.graph.RemoveObject("17800000000002")
		r.graph.Fail(metatest.Fault{Status: 400, Code: 4, Msg: "Application request limit reached"})
		if n, err := r.svc.SocialPlatform.Reconcile(r.ctx); err != nil || n != 0 {
			t.Errorf("rate-limited reconcile: %d %v", n, err)
		}
		if a, _ := r.svc.SocialConnect.Account(r.ctx, r.fx.Admin, r.ch); !strings.Contains(a.LastError, "limit") {
			t.Errorf("rate limit not shown: %+v", a)
		}
		if n, _ := r.svc.SocialPlatform.Reconcile(r.ctx); n != 1 {
			t.Errorf("reconcile after the limit: %d", n)
		}
	})
}

func TestSocialConnectAndReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		r := newSocialRig(t, db, clock, "Reply")
		settings := gallra.SocialAccountSettings{PageID: pageID, AccessToken: pageToken}
		if _, err := r.svc.SocialConnect.Connect(r.ctx, r.fx.Editor, r.ch, settings); gallra.ErrorCode(err) != gallra.EFORBIDDEN {
			t.Errorf("editor connected: %v", err)
		}
		for _, bad := range []gallra.SocialAccountSettings{{PageID: "my page", AccessToken: "x"}, {PageID: pageID}, {PageID: pageID, AccessToken: "two words"}, {PageID: pageID, IGAccountID: "@insta", AccessToken: "x"}} {
			if _, err := r.svc.SocialConnect.Connect(r.ctx, r.fx.Admin, r.ch, bad); gallra.ErrorCode(err) != gallra.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		r.connect()
		row, err := db.GetSocialAccount(r.ctx, r.fx.Org.ID, r.ch)
		if err != nil || bytes.Contains(row.Secret, []byte(pageToken)) {
			t.Fatalf("token stored in clear: %v", err)
		}
		other := storetest.MustFixture(t, db, "Other")
		if _, err := r.svc.SocialConnect.Connect(r.ctx, other.Admin, other.Channels[gallra.ModuleSocial].ID, settings); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Errorf("same page in two channels: %v", err)
		}

		t0 := clock.Now().Unix()
		post := pageID + "_7"
		r.graph.AddObject(post)
		r.deliver(feed("status", "add", "", post, "", "9300", "Fråga om sophämtning", t0))
		parent := r.items()[post]
		reply, err := r.svc.SocialConnect.Reply(r.ctx, r.fx.Admin, r.ch, parent.ID, "Vi återkommer i dag.")
		if err != nil || reply.ReplyStatus != gallra.ReplyPosted || !strings.HasPrefix(reply.ExternalID, post+"_r") || r.graph.Posted[reply.ExternalID] != "Vi återkommer i dag." {
			t.Fatalf("reply: %+v %v", reply, err)
		}
		// The platform's echo of our reply does not make a second copy.
		r.deliver(feed("comment", "add", reply.ExternalID, post, post, pageID, "Vi återkommer i dag.", t0+5))
		n := 0
		for _, it := range r.items() {
			if it.Body == "Vi återkommer i dag." {
				n++
			}
		}
		if n != 1 {
			t.Errorf("reply mirrored %d times", n)
		}
		// Messenger reply goes to the sender.
		r.deliver(fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"messaging":[{"sender":{"id":"7003"},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":"m_C1","text":"Hej"}}]}]}`, pageID, pageID, t0*1000))
		m, err := r.svc.SocialConnect.Reply(r.ctx, r.fx.Admin, r.ch, r.items()["m_C1"].ID, "Hej hej")
		if err != nil || !strings.HasPrefix(m.ExternalID, "m_out") {
			t.Errorf("messenger reply: %+v %v", m, err)
		}
		// The reply's platform id is used to delete it later.
		r.svc.SocialConnect.Delete(r.ctx, r.fx.Admin, r.ch, reply.ID)
		r.svc.SocialPlatform.DeliverDeletions(r.ctx)
		if r.graph.State(reply.ExternalID) != "" {
			t.Errorf("reply not deleted on the platform")
		}

		// An expired token: the reply is kept as failed, the error says what to do.
		r.graph.AddToken(pageToken, false)
		failed, err := r.svc.SocialConnect.Reply(r.ctx, r.fx.Admin, r.ch, parent.ID, "Andra svaret")
		if gallra.ErrorCode(err) != gallra.EUNAVAILABLE || failed == nil || failed.ReplyStatus != gallra.ReplyFailed || !strings.Contains(failed.ReplyError, "connect the page again") {
			t.Errorf("reply with an expired token: %+v %v", failed, err)
		}
		if a, _ := r.svc.SocialConnect.Account(r.ctx, r.fx.Admin, r.ch); !strings.Contains(a.LastError, "expired") {
			t.Errorf("account error: %+v", a)
		}
		if _, err := r.svc.SocialConnect.Reply(r.ctx, r.fx.Admin, r.ch, parent.ID, "  "); gallra.ErrorCode(err) != gallra.EINVALID {
			t.Errorf("empty reply: %v", err)
		}

		// Webhook subscription check.
		if ch, err := r.svc.SocialPlatform.VerifySubscription(r.ctx, gallra.PlatformMeta, map[string][]string{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-me"}, "hub.challenge": {"1158201444"}}); err != nil || ch != "1158201444" {
			t.Errorf("challenge: %q %v", ch, err)
		}
		if _, err := r.svc.SocialPlatform.VerifySubscription(r.ctx, gallra.PlatformMeta, map[string][]string{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}}); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Errorf("wrong verify token: %v", err)
		}
	})
}

func TestSocialDataDeletionCallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		r := newSocialRig(t, db, clock, "Callback")
		r.connect()
		t0 := clock.Now().Unix()
		post := pageID + "_8"
		r.deliver(feed("status", "add", "", post, "", "9400", "Inlägg", t0))
		r.deliver(feed("comment", "add", post+"_x", post, post, "9401", "Från den som lämnar", t0+1))
		r.deliver(feed("comment", "add", post+"_y", post, post, "9402", "Från någon annan", t0+2))

		// Disconnecting the page does not exempt what was mirrored from it.
		if err := r.svc.SocialConnect.Disconnect(r.ctx, r.fx.Admin, r.ch); err != nil {
			t.Fatal(err)
		}
		bad := social.SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "9401", "issued_at": t0}, "wrong-secret-000000000000")
		if _, err := r.svc.SocialPlatform.DataDeletion(r.ctx, gallra.PlatformMeta, map[string][]string{"signed_request": {bad}}); gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			t.Errorf("bad signed_request: %v", err)
		}
		good := social.SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "9401", "issued_at": t0, "expires": t0 + 3600}, metaAppSecret)
		res, err := r.svc.SocialPlatform.DataDeletion(r.ctx, gallra.PlatformMeta, map[string][]string{"signed_request": {good}})
		if err != nil || len(res.ConfirmationCode) != 24 || !strings.HasSuffix(res.URL, "/social/deletion/"+res.ConfirmationCode) {
			t.Fatalf("deletion: %+v %v", res, err)
		}
		code := res.ConfirmationCode
		got := r.items()
		if _, ok := got[post+"_x"]; ok {
			t.Error("the leaving user's comment is still mirrored")
		}
		if _, ok := got[post+"_y"]; !ok {
			t.Error("another user's comment was removed")
		}
		st, err := r.svc.SocialPlatform.DataDeletionStatus(r.ctx, code)
		if err != nil || st.Status != "completed" || st.ItemsRemoved != 1 {
			t.Errorf("status: %+v %v", st, err)
		}
		// The user id is kept nowhere in the request's record or the audit.
		entries, _ := r.svc.Audit.ListAudit(r.ctx, r.fx.Admin, gallra.AuditFilter{Action: "social.author_removed_on_platform"})
		if len(entries) != 1 || strings.Contains(fmt.Sprint(entries[0].Details), "9401") {
			t.Errorf("audit: %+v", entries)
		}
		// A re-sync of the comment (connected again) does not bring it back.
		r.connect()
		r.deliver(feed("comment", "edited", post+"_x", post, post, "9401", "Igen", t0+5))
		if _, ok := r.items()[post+"_x"]; ok {
			t.Error("tombstoned comment came back")
		}
		// Nor does mirroring it again through the API.
		if _, err := r.svc.Social.Mirror(r.ctx, r.fx.Admin, r.ch, gallra.SocialInput{ExternalID: post + "_x", AuthorID: "9401", Body: "Igen via API"}); gallra.ErrorCode(err) != gallra.ECONFLICT {
			t.Errorf("API re-mirror of a tombstoned item: %v", err)
		}
		if _, err := r.svc.SocialPlatform.DataDeletionStatus(r.ctx, "000000000000000000000000"); gallra.ErrorCode(err) != gallra.ENOTFOUND {
			t.Errorf("unknown code: %v", err)
		}
	})
}
