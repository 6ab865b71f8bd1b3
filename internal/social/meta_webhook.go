package social

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// metaDelivery is the envelope of a Meta webhook delivery. Fields we do
// not use are ignored (Meta adds fields without notice).
type metaDelivery struct {
	Object string `json:"object"`
	Entry  []struct {
		ID        string          `json:"id"`
		Time      json.Number     `json:"time"`
		Changes   []metaChange    `json:"changes"`
		Messaging []metaMessaging `json:"messaging"`
	} `json:"entry"`
}

type metaChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type metaFrom struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// metaFeed is the value of a Page "feed" change.
type metaFeed struct {
	Item        string      `json:"item"`
	Verb        string      `json:"verb"`
	PostID      string      `json:"post_id"`
	CommentID   string      `json:"comment_id"`
	ParentID    string      `json:"parent_id"`
	Message     *string     `json:"message"`
	From        metaFrom    `json:"from"`
	CreatedTime json.Number `json:"created_time"`
}

// metaIGComment is the value of an Instagram "comments" change.
type metaIGComment struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	ParentID string   `json:"parent_id"`
	From     metaFrom `json:"from"`
	Media    struct {
		ID string `json:"id"`
	} `json:"media"`
}

type metaMessage struct {
	MID       string `json:"mid"`
	Text      string `json:"text"`
	IsEcho    bool   `json:"is_echo"`
	IsDeleted bool   `json:"is_deleted"`
}

type metaMessaging struct {
	Sender    struct{ ID string } `json:"sender"`
	Recipient struct{ ID string } `json:"recipient"`
	Timestamp json.Number         `json:"timestamp"`
	Message   *metaMessage        `json:"message"`
	Edit      *struct {
		MID  string `json:"mid"`
		Text string `json:"text"`
	} `json:"message_edit"`
}

// MaxDelivery bounds a webhook delivery's body.
const MaxDelivery = 1 << 20

// unixTime reads a Meta time: seconds, or milliseconds for messaging.
func unixTime(n json.Number, fallback time.Time) time.Time {
	v, err := n.Int64()
	if err != nil || v <= 0 {
		return fallback
	}
	if v > 1e11 {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

// Parse implements Connector. A delivery that is not JSON, or not a
// page or instagram object, is an error (the envelope stays failed, for
// staff to see); a change of a field or verb we do not mirror is skipped.
func (m *Meta) Parse(body []byte) ([]Event, int, error) {
	var d metaDelivery
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, 0, fmt.Errorf("delivery is not the JSON expected: %w", err)
	}
	if dec.More() {
		return nil, 0, errors.New("delivery has data after its JSON object")
	}
	var ig bool
	switch d.Object {
	case "page":
	case "instagram":
		ig = true
	default:
		return nil, 0, fmt.Errorf("delivery object %q is neither page nor instagram", trunc(d.Object))
	}
	var out []Event
	skipped := 0
	for _, e := range d.Entry {
		if !platformID(e.ID) {
			return nil, 0, errors.New("delivery entry has no valid id")
		}
		at := unixTime(e.Time, time.Time{})
		for _, c := range e.Changes {
			ev, ok, err := parseChange(e.ID, ig, c, at)
			if err != nil {
				return nil, 0, err
			}
			if !ok {
				skipped++
				continue
			}
			out = append(out, ev)
		}
		for _, msg := range e.Messaging {
			ev, ok := parseMessaging(e.ID, ig, msg, at)
			if !ok {
				skipped++
				continue
			}
			out = append(out, ev)
		}
	}
	return out, skipped, nil
}

func parseChange(account string, ig bool, c metaChange, at time.Time) (Event, bool, error) {
	switch {
	case !ig && c.Field == "feed":
		var f metaFeed
		if err := json.Unmarshal(c.Value, &f); err != nil {
			return Event{}, false, fmt.Errorf("feed change is not the JSON expected: %w", err)
		}
		ev := Event{AccountID: account, AuthorID: f.From.ID, AuthorName: f.From.Name, Time: unixTime(f.CreatedTime, at), FromPage: f.From.ID == account}
		if f.Message != nil {
			ev.Body = *f.Message
		}
		switch f.Item {
		case "comment":
			ev.Source, ev.ExternalID, ev.PostExternalID = gallra.SourceFacebookComment, f.CommentID, f.PostID
			ev.ParentExternalID = f.ParentID
		case "status", "post", "photo", "video", "share", "link":
			ev.Source, ev.ExternalID = gallra.SourceFacebookPost, f.PostID
		default:
			return Event{}, false, nil
		}
		switch f.Verb {
		case "add", "edited", "edit":
			ev.Kind = Upsert
			if f.Message == nil && f.Verb == "add" && ev.Source == gallra.SourceFacebookPost {
				ev.Body = ""
			}
		case "remove":
			ev.Kind = Remove
		default: // hide, unhide, block, … are not mirrored
			return Event{}, false, nil
		}
		if !validRef(ev.ExternalID) || (ev.Kind == Upsert && !validRef(ev.AuthorID) && !ev.FromPage) {
			return Event{}, false, nil
		}
		if ev.Kind == Upsert && ev.AuthorID == "" {
			ev.AuthorID = account
		}
		return ev, true, nil
	case ig && c.Field == "comments", ig && c.Field == "live_comments":
		var v metaIGComment
		if err := json.Unmarshal(c.Value, &v); err != nil {
			return Event{}, false, fmt.Errorf("comments change is not the JSON expected: %w", err)
		}
		if !validRef(v.ID) || !validRef(v.From.ID) {
			return Event{}, false, nil
		}
		name := v.From.Username
		if name == "" {
			name = v.From.Name
		}
		return Event{AccountID: account, Kind: Upsert, Source: gallra.SourceIGComment, ExternalID: v.ID, ParentExternalID: v.ParentID,
			PostExternalID: v.Media.ID, AuthorID: v.From.ID, AuthorName: name, Body: v.Text, Time: at, FromPage: v.From.ID == account}, true, nil
	}
	return Event{}, false, nil
}

func parseMessaging(account string, ig bool, m metaMessaging, at time.Time) (Event, bool) {
	src := gallra.SourceMessenger
	if ig {
		src = gallra.SourceIGMessage
	}
	ev := Event{AccountID: account, Source: src, Time: unixTime(m.Timestamp, at), AuthorID: m.Sender.ID, ThreadKey: m.Sender.ID}
	switch {
	case m.Edit != nil:
		ev.Kind, ev.ExternalID, ev.Body = Upsert, m.Edit.MID, m.Edit.Text
	case m.Message != nil && m.Message.IsDeleted:
		ev.Kind, ev.ExternalID = Remove, m.Message.MID
	case m.Message != nil && !m.Message.IsEcho:
		ev.Kind, ev.ExternalID, ev.Body = Upsert, m.Message.MID, m.Message.Text
	default: // echoes of what the page sent, reads, deliveries, reactions
		return Event{}, false
	}
	if !validRef(ev.ExternalID) || (ev.Kind == Upsert && !validRef(ev.AuthorID)) {
		return Event{}, false
	}
	return ev, true
}

// validRef reports whether s can be a platform id (ids of messages hold
// letters and punctuation; no spaces or control characters).
func validRef(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

func platformID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ParseDeletionRequest implements Connector: signed_request is the
// base64url HMAC-SHA256 signature of the payload part, a dot, and the
// base64url JSON payload holding the user id.
func (m *Meta) ParseDeletionRequest(form url.Values) (string, error) {
	return ParseSignedRequest(form.Get("signed_request"), m.c.AppSecret)
}

// ParseSignedRequest verifies a Meta signed_request under the app secret
// and returns its user_id.
func ParseSignedRequest(sr, appSecret string) (string, error) {
	if sr == "" {
		return "", errors.New("signed_request is missing")
	}
	if len(sr) > 8192 {
		return "", errors.New("signed_request is too long")
	}
	sigPart, payload, ok := strings.Cut(sr, ".")
	if !ok || sigPart == "" || payload == "" {
		return "", errors.New("signed_request must be signature.payload")
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sigPart, "="))
	if err != nil {
		return "", errors.New("signed_request signature is not base64url")
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write([]byte(payload))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return "", ErrSignature
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return "", errors.New("signed_request payload is not base64url")
	}
	var p struct {
		Algorithm string `json:"algorithm"`
		UserID    any    `json:"user_id"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", errors.New("signed_request payload is not JSON")
	}
	if !strings.EqualFold(p.Algorithm, "HMAC-SHA256") {
		return "", errors.New("signed_request algorithm must be HMAC-SHA256")
	}
	var uid string
	switch v := p.UserID.(type) {
	case string:
		uid = v
	case float64:
		uid = fmt.Sprintf("%.0f", v)
	}
	if !platformID(uid) {
		return "", errors.New("signed_request has no user_id")
	}
	return uid, nil
}

// SignRequest makes a signed_request (for tests and the fake platform).
func SignRequest(payload map[string]any, appSecret string) string {
	b, _ := json.Marshal(payload)
	p := base64.RawURLEncoding.EncodeToString(b)
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + "." + p
}

// SignDelivery returns the X-Hub-Signature-256 value of body.
func SignDelivery(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + fmt.Sprintf("%x", mac.Sum(nil))
}
