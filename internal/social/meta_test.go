package social

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gallra/gallra"
)

const testSecret = "unit-app-secret-0123456789abcdef"

func testMeta(t testing.TB) *Meta {
	m, err := NewMeta(MetaConfig{AppSecret: testSecret, VerifyToken: "vt"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMetaParse(t *testing.T) {
	m := testMeta(t)
	cases := []struct {
		name    string
		body    string
		want    []Event
		skipped int
		err     string
	}{
		{name: "feed comment add", body: `{"object":"page","entry":[{"id":"100","time":1700000000,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"100_1_2","post_id":"100_1","parent_id":"100_1","from":{"id":"55","name":"A"},"message":"hej","created_time":1700000001}}]}]}`,
			want: []Event{{AccountID: "100", Kind: Upsert, Source: gallra.SourceFacebookComment, ExternalID: "100_1_2", ParentExternalID: "100_1", PostExternalID: "100_1", AuthorID: "55", AuthorName: "A", Body: "hej", Time: time.Unix(1700000001, 0).UTC()}}},
		{name: "feed post remove", body: `{"object":"page","entry":[{"id":"100","time":1700000000,"changes":[{"field":"feed","value":{"item":"status","verb":"remove","post_id":"100_1","created_time":1700000005}}]}]}`,
			want: []Event{{AccountID: "100", Kind: Remove, Source: gallra.SourceFacebookPost, ExternalID: "100_1", Time: time.Unix(1700000005, 0).UTC()}}},
		{name: "unknown verb and field skipped", body: `{"object":"page","entry":[{"id":"100","changes":[{"field":"feed","value":{"item":"comment","verb":"hide","comment_id":"1"}},{"field":"ratings","value":{}},{"field":"feed","value":{"item":"reaction","verb":"add"}}]}]}`,
			skipped: 3},
		{name: "messenger edit, echo skipped", body: `{"object":"page","entry":[{"id":"100","messaging":[{"sender":{"id":"7"},"recipient":{"id":"100"},"timestamp":1700000000123,"message_edit":{"mid":"m_1","text":"ny","num_edit":2}},{"sender":{"id":"100"},"recipient":{"id":"7"},"timestamp":1,"message":{"mid":"m_2","text":"eko","is_echo":true}}]}]}`,
			want:    []Event{{AccountID: "100", Kind: Upsert, Source: gallra.SourceMessenger, ExternalID: "m_1", AuthorID: "7", ThreadKey: "7", Body: "ny", Time: time.UnixMilli(1700000000123).UTC()}},
			skipped: 1},
		{name: "instagram unsend", body: `{"object":"instagram","entry":[{"id":"200","time":1700000000,"messaging":[{"sender":{"id":"8"},"recipient":{"id":"200"},"timestamp":1700000000000,"message":{"mid":"aWdf","is_deleted":true}}]}]}`,
			want: []Event{{AccountID: "200", Kind: Remove, Source: gallra.SourceIGMessage, ExternalID: "aWdf", AuthorID: "8", ThreadKey: "8", Time: time.UnixMilli(1700000000000).UTC()}}},
		{name: "instagram comment", body: `{"object":"instagram","entry":[{"id":"200","time":1700000000,"changes":[{"field":"comments","value":{"from":{"id":"9","username":"u"},"media":{"id":"300"},"id":"400","parent_id":"401","text":"bra"}}]}]}`,
			want: []Event{{AccountID: "200", Kind: Upsert, Source: gallra.SourceIGComment, ExternalID: "400", ParentExternalID: "401", PostExternalID: "300", AuthorID: "9", AuthorName: "u", Body: "bra", Time: time.Unix(1700000000, 0).UTC()}}},
		{name: "truncated", body: `{"object":"page","entry":[{"id":"100"`, err: "not the JSON"},
		{name: "trailing data", body: `{"object":"page","entry":[]} {}`, err: "after its JSON"},
		{name: "other object", body: `{"object":"user","entry":[]}`, err: "neither page nor instagram"},
		{name: "entry id not numeric", body: `{"object":"page","entry":[{"id":"abc"}]}`, err: "no valid id"},
		{name: "feed value not an object", body: `{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":"x"}]}]}`, err: "feed change"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, skipped, err := m.Parse([]byte(c.body))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if skipped != c.skipped || len(got) != len(c.want) {
				t.Fatalf("got %+v skipped %d", got, skipped)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestMetaSignatures(t *testing.T) {
	m := testMeta(t)
	body := []byte(`{"object":"page","entry":[]}`)
	cases := []struct {
		name, header string
		ok           bool
	}{
		{"valid", SignDelivery(body, testSecret), true},
		{"other secret", SignDelivery(body, "another-secret-0000000000"), false},
		{"sha1 form", "sha1=" + strings.TrimPrefix(SignDelivery(body, testSecret), "sha256="), false},
		{"not hex", "sha256=xyz", false},
		{"empty", "", false},
		{"short", SignDelivery(body, testSecret)[:20], false},
	}
	for _, c := range cases {
		err := m.VerifySignature(http.Header{"X-Hub-Signature-256": {c.header}}, body)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrSignature)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	sr := SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "218471", "issued_at": 1291836800}, testSecret)
	srCases := []struct {
		name, in, uid, err string
	}{
		{"valid", sr, "218471", ""},
		{"numeric user id", SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": 218471}, testSecret), "218471", ""},
		{"wrong secret", SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "1"}, "x-secret-000000000000"), "", "signature"},
		{"payload swapped", strings.Split(sr, ".")[0] + "." + strings.Split(SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "2"}, testSecret), ".")[1], "", "signature"},
		{"other algorithm", SignRequest(map[string]any{"algorithm": "none", "user_id": "1"}, testSecret), "", "algorithm"},
		{"no user", SignRequest(map[string]any{"algorithm": "HMAC-SHA256"}, testSecret), "", "user_id"},
		{"no dot", "abc", "", "signature.payload"},
		{"empty", "", "", "missing"},
	}
	for _, c := range srCases {
		uid, err := ParseSignedRequest(c.in, testSecret)
		if uid != c.uid || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %q %v", c.name, uid, err)
		}
	}
	if _, err := m.VerifyChallenge(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"vt"}, "hub.challenge": {"42"}}); err != nil {
		t.Error(err)
	}
	if _, err := m.VerifyChallenge(url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"vt"}, "hub.challenge": {"42"}}); err == nil {
		t.Error("unsubscribe accepted")
	}
}

// TestMetaTimeout: a Graph API that does not answer in time is a retryable
// error that names no URL (it holds the token).
func TestMetaTimeout(t *testing.T) {
	m, err := NewMeta(MetaConfig{GraphURL: "http://127.0.0.1:1/v21.0", AppSecret: testSecret, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Reply(context.Background(), Account{PageID: "1", Token: "secret-token"}, Ref{ExternalID: "1_2", Source: gallra.SourceFacebookPost}, "x")
	e, ok := AsError(err)
	if !ok || !e.Retry || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("unreachable Graph API: %v", err)
	}
}

func FuzzMetaParse(f *testing.F) {
	m := testMeta(f)
	for _, s := range []string{
		`{"object":"page","entry":[{"id":"100","time":1700000000,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"100_1_2","post_id":"100_1","from":{"id":"55"},"message":"hej"}}]}]}`,
		`{"object":"page","entry":[{"id":"100","messaging":[{"sender":{"id":"7"},"timestamp":1,"message_edit":{"mid":"m_1","text":"ny"}}]}]}`,
		`{"object":"instagram","entry":[{"id":"200","messaging":[{"sender":{"id":"8"},"message":{"mid":"a","is_deleted":true}}]}]}`,
		`{"object":"instagram","entry":[{"id":"200","changes":[{"field":"comments","value":{"from":{"id":"9"},"id":"400","text":"x"}}]}]}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, skipped, err := m.Parse(body)
		if err != nil {
			if evs != nil || skipped != 0 {
				t.Fatalf("events with an error: %v", err)
			}
			return
		}
		for _, e := range evs {
			if e.Kind != Upsert && e.Kind != Remove {
				t.Fatalf("kind %d", e.Kind)
			}
			if !validRef(e.ExternalID) || !platformID(e.AccountID) {
				t.Fatalf("event with a bad id: %+v", e)
			}
			if e.Kind == Upsert && e.AuthorID == "" {
				t.Fatalf("upsert without author: %+v", e)
			}
			if !utf8.ValidString(e.ExternalID) {
				t.Fatalf("invalid UTF-8 id")
			}
		}
	})
}

func FuzzParseSignedRequest(f *testing.F) {
	f.Add(SignRequest(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "218471"}, testSecret))
	f.Add("abc.def")
	f.Add(".")
	f.Add("====.====")
	f.Fuzz(func(t *testing.T, sr string) {
		uid, err := ParseSignedRequest(sr, testSecret)
		if err != nil {
			if uid != "" {
				t.Fatal("user id with an error")
			}
			return
		}
		if !platformID(uid) {
			t.Fatalf("accepted user id %q", uid)
		}
		// Accepted only if it is signed with the secret.
		sig, payload, _ := strings.Cut(sr, ".")
		if want := strings.Split(SignRequest(map[string]any{}, testSecret), ".")[0]; sig == want && payload == "" {
			t.Fatal("empty payload accepted")
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	m := testMeta(f)
	f.Add([]byte(`{"object":"page"}`), SignDelivery([]byte(`{"object":"page"}`), testSecret))
	f.Add([]byte(``), "sha256=")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		err := m.VerifySignature(http.Header{"X-Hub-Signature-256": {header}}, body)
		if err == nil && header != SignDelivery(body, testSecret) && !strings.EqualFold(header, SignDelivery(body, testSecret)) {
			t.Fatalf("accepted a signature that is not the body's: %q", header)
		}
	})
}
