package social

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// DefaultGraphURL is Meta's Graph API with the version the connector was
// written against.
const DefaultGraphURL = "https://graph.facebook.com/v21.0"

// MetaConfig configures the Meta connector: one Meta app per installation.
type MetaConfig struct {
	// GraphURL is the Graph API base with its version (DefaultGraphURL);
	// tests and staging point it elsewhere.
	GraphURL string
	// AppSecret signs webhook deliveries and deletion requests and makes
	// the appsecret_proof of every call.
	AppSecret string
	// VerifyToken is what the platform must send to subscribe webhooks.
	VerifyToken string
	// Client makes the calls; default: a client with Timeout.
	Client *http.Client
	// Timeout bounds one call (default 15s).
	Timeout time.Duration
}

// Meta is the Connector for Facebook Pages, Messenger and Instagram.
type Meta struct {
	c      MetaConfig
	client *http.Client
}

var _ Connector = (*Meta)(nil)

// NewMeta returns the Meta connector; AppSecret is required.
func NewMeta(c MetaConfig) (*Meta, error) {
	if len(c.AppSecret) < 16 {
		return nil, errors.New("Meta app secret is missing or too short (App settings → Basic → App secret)")
	}
	if c.GraphURL == "" {
		c.GraphURL = DefaultGraphURL
	}
	u, err := url.Parse(c.GraphURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("Graph API URL %q: give an http(s) URL such as %s", c.GraphURL, DefaultGraphURL)
	}
	c.GraphURL = strings.TrimSuffix(c.GraphURL, "/")
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	cl := c.Client
	if cl == nil {
		cl = &http.Client{Timeout: c.Timeout}
	}
	return &Meta{c: c, client: cl}, nil
}

// Platform implements Connector.
func (m *Meta) Platform() string { return gallra.PlatformMeta }

// MaxBatch implements Connector: the Graph API takes 50 requests a batch.
func (m *Meta) MaxBatch() int { return 50 }

// VerifyChallenge implements Connector.
func (m *Meta) VerifyChallenge(q url.Values) (string, error) {
	if q.Get("hub.mode") != "subscribe" {
		return "", errors.New("hub.mode must be subscribe")
	}
	if m.c.VerifyToken == "" || subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(m.c.VerifyToken)) != 1 {
		return "", errors.New("hub.verify_token does not match the configured verify token")
	}
	ch := q.Get("hub.challenge")
	if ch == "" || len(ch) > 200 {
		return "", errors.New("hub.challenge is missing")
	}
	return ch, nil
}

// VerifySignature implements Connector: X-Hub-Signature-256 is
// "sha256=" and the hex HMAC-SHA256 of the raw body under the app secret.
func (m *Meta) VerifySignature(h http.Header, body []byte) error {
	sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
	if !ok {
		return fmt.Errorf("%w: X-Hub-Signature-256 is missing", ErrSignature)
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: X-Hub-Signature-256 is not hex", ErrSignature)
	}
	mac := hmac.New(sha256.New, []byte(m.c.AppSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

// proof is the appsecret_proof of a token.
func (m *Meta) proof(token string) string {
	mac := hmac.New(sha256.New, []byte(m.c.AppSecret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// call makes one Graph API call with the token and its proof and decodes
// the JSON answer into out (when not nil).
func (m *Meta) call(ctx context.Context, method, path, token string, form url.Values, out any) error {
	if form == nil {
		form = url.Values{}
	}
	form.Set("access_token", token)
	form.Set("appsecret_proof", m.proof(token))
	u := m.c.GraphURL + "/" + strings.TrimPrefix(path, "/")
	var body io.Reader
	if method == http.MethodGet || method == http.MethodDelete {
		u += "?" + form.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	ctx, cancel := context.WithTimeout(ctx, m.c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("build Graph request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := m.client.Do(req)
	if err != nil {
		// Never the URL: it holds the token.
		reason := "connection failed"
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") {
			reason = "timed out"
		}
		return &Error{Msg: reason, Retry: true}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &Error{Status: resp.StatusCode, Msg: "answer cut off", Retry: true}
	}
	if resp.StatusCode/100 != 2 {
		return graphError(resp.StatusCode, resp.Header, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Status: resp.StatusCode, Msg: "answer is not the JSON expected", Retry: true}
	}
	return nil
}

// graphError reads the Graph API's error object.
func graphError(status int, h http.Header, raw []byte) *Error {
	var g struct {
		Error struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &g)
	e := &Error{Status: status, Code: g.Error.Code, Subcode: g.Error.Subcode, Msg: shortReason(g.Error.Message, status)}
	switch {
	case status == http.StatusTooManyRequests || e.Code == 4 || e.Code == 17 || e.Code == 32 || e.Code == 613 || (e.Code >= 80001 && e.Code <= 80014):
		e.RateLimited, e.Retry = true, true
	case e.Code == 190 || e.Code == 102 || e.Code == 463:
		e.TokenExpired = true
	case e.Code == 100 && e.Subcode == 33, status == http.StatusNotFound:
		e.Gone = true
	case status >= 500 || e.Code == 1 || e.Code == 2:
		e.Retry = true
	}
	if s := h.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 86400 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// shortReason bounds the platform's message (it names no person: Graph
// error messages describe the call).
func shortReason(msg string, status int) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		return http.StatusText(status)
	}
	if len(msg) > 160 {
		msg = msg[:160]
	}
	return msg
}

// Reply implements Connector.
func (m *Meta) Reply(ctx context.Context, a Account, to Ref, text string) (string, error) {
	var out struct {
		ID        string `json:"id"`
		MessageID string `json:"message_id"`
	}
	switch to.Source {
	case gallra.SourceFacebookPost, gallra.SourceFacebookComment:
		if err := m.call(ctx, http.MethodPost, to.ExternalID+"/comments", a.Token, url.Values{"message": {text}}, &out); err != nil {
			return "", err
		}
	case gallra.SourceIGComment:
		if err := m.call(ctx, http.MethodPost, to.ExternalID+"/replies", a.Token, url.Values{"message": {text}}, &out); err != nil {
			return "", err
		}
	case gallra.SourceMessenger, gallra.SourceIGMessage:
		if to.Recipient == "" {
			return "", &Error{Msg: "message has no sender to answer"}
		}
		rcpt, _ := json.Marshal(map[string]string{"id": to.Recipient})
		msg, _ := json.Marshal(map[string]string{"text": text})
		if err := m.call(ctx, http.MethodPost, a.PageID+"/messages", a.Token,
			url.Values{"recipient": {string(rcpt)}, "message": {string(msg)}, "messaging_type": {"RESPONSE"}}, &out); err != nil {
			return "", err
		}
		out.ID = out.MessageID
	default:
		return "", &Error{Msg: fmt.Sprintf("cannot reply to an item of kind %q", to.Source)}
	}
	if out.ID == "" {
		return "", &Error{Status: 200, Msg: "answer has no id", Retry: true}
	}
	return out.ID, nil
}

// Delete implements Connector. Page posts and comments and Instagram
// comments are deleted; a comment the page may not delete (another's, on
// a post not the page's) is hidden. Private messages cannot be deleted
// through the Graph API: refused.
func (m *Meta) Delete(ctx context.Context, a Account, item Ref) (string, error) {
	switch item.Source {
	case gallra.SourceMessenger, gallra.SourceIGMessage:
		return "", &Error{Status: 400, Msg: "the platform does not let a page delete private messages; only the sender can unsend them"}
	}
	var ok struct {
		Success bool `json:"success"`
	}
	err := m.call(ctx, http.MethodDelete, item.ExternalID, a.Token, nil, &ok)
	if err == nil {
		return gallra.PlatformDeleted, nil
	}
	e, isE := AsError(err)
	if isE && e.Gone {
		return gallra.PlatformDeleted, nil
	}
	// Permission refused (code 10 or 200): hide instead, for comments.
	if !isE || e.Retry || e.TokenExpired || (e.Code != 10 && e.Code != 200) {
		return "", err
	}
	field := "is_hidden"
	switch item.Source {
	case gallra.SourceIGComment:
		field = "hide"
	case gallra.SourceFacebookComment:
	default:
		return "", err
	}
	if herr := m.call(ctx, http.MethodPost, item.ExternalID, a.Token, url.Values{field: {"true"}}, &ok); herr != nil {
		return "", herr
	}
	return gallra.PlatformHidden, nil
}

// Exists implements Connector with one batch request (at most MaxBatch
// items): each item is a GET of its id.
func (m *Meta) Exists(ctx context.Context, a Account, items []Ref) (map[string]bool, error) {
	if len(items) > m.MaxBatch() {
		return nil, fmt.Errorf("exists: %d items, at most %d a batch", len(items), m.MaxBatch())
	}
	type op struct {
		Method      string `json:"method"`
		RelativeURL string `json:"relative_url"`
	}
	ops := make([]op, len(items))
	for i, it := range items {
		ops[i] = op{Method: "GET", RelativeURL: url.PathEscape(it.ExternalID) + "?fields=id"}
	}
	b, _ := json.Marshal(ops)
	var answers []*struct {
		Code int    `json:"code"`
		Body string `json:"body"`
	}
	if err := m.call(ctx, http.MethodPost, "", a.Token, url.Values{"batch": {string(b)}, "include_headers": {"false"}}, &answers); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for i, ans := range answers {
		if i >= len(items) || ans == nil { // a null answer: timed out inside the batch
			continue
		}
		if ans.Code == http.StatusOK {
			out[items[i].ExternalID] = true
			continue
		}
		e := graphError(ans.Code, http.Header{}, []byte(ans.Body))
		if e.RateLimited || e.TokenExpired {
			return out, e
		}
		if e.Gone {
			out[items[i].ExternalID] = false
		}
	}
	return out, nil
}
