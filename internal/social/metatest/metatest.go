// Package metatest is a fake of the Graph API endpoints the Meta connector
// uses, served over real HTTP (httptest), for tests without the internet.
// Answers follow the shapes of Meta's documented examples; it checks the
// access token and its appsecret_proof like the platform does.
package metatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the Graph API version path the fake serves.
const Version = "v21.0"

// Fault is an answer to give instead of the normal one.
type Fault struct {
	Status  int
	Code    int
	Subcode int
	Msg     string
	Delay   time.Duration // sleep first (a timeout, with a short client timeout)
	Header  http.Header
}

// Server is the fake Graph API.
type Server struct {
	*httptest.Server
	AppSecret string

	mu      sync.Mutex
	tokens  map[string]bool   // token → valid
	objects map[string]string // id → state: "live", "hidden"
	refuse  map[string]bool   // ids whose DELETE is refused (permission), hide allowed
	faults  []Fault           // given to the next calls, in order
	seq     int
	// Calls records "METHOD path" of every call, and Posted the text of
	// every reply or message by its new id.
	Calls  []string
	Posted map[string]string
}

// Start serves a fake Graph API until the test ends.
func Start(t testing.TB, appSecret string) *Server {
	s := &Server{AppSecret: appSecret, tokens: map[string]bool{}, objects: map[string]string{}, refuse: map[string]bool{}, Posted: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL is the Graph base URL to configure (with the version).
func (s *Server) GraphURL() string { return s.URL + "/" + Version }

// AddToken makes a token valid (true) or expired (false).
func (s *Server) AddToken(tok string, valid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = valid
}

// AddObject makes an object exist on the platform.
func (s *Server) AddObject(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.objects[id] = "live"
	}
}

// RemoveObject deletes an object on the platform (as its author would).
func (s *Server) RemoveObject(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, id)
}

// State returns an object's state: "live", "hidden" or "" (gone).
func (s *Server) State(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects[id]
}

// RefuseDelete makes the platform refuse deleting the object (only hiding
// is allowed).
func (s *Server) RefuseDelete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[id] = true
}

// Fail queues faults for the next calls.
func (s *Server) Fail(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// CallCount counts the calls whose "METHOD path" starts with prefix.
func (s *Server) CallCount(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.Calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func writeErr(w http.ResponseWriter, status, code, sub int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code, "error_subcode": sub, "fbtrace_id": "AbCdEf"}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErr(w, 400, 100, 0, "bad form")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/"+Version)
	s.mu.Lock()
	s.Calls = append(s.Calls, r.Method+" "+path)
	var f *Fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	tok := r.Form.Get("access_token")
	valid, known := s.tokens[tok]
	s.mu.Unlock()
	if f != nil {
		if f.Delay > 0 {
			time.Sleep(f.Delay)
		}
		for k, v := range f.Header {
			w.Header()[k] = v
		}
		writeErr(w, f.Status, f.Code, f.Subcode, f.Msg)
		return
	}
	mac := hmac.New(sha256.New, []byte(s.AppSecret))
	mac.Write([]byte(tok))
	if !hmac.Equal([]byte(r.Form.Get("appsecret_proof")), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		writeErr(w, 400, 100, 0, "Invalid appsecret_proof provided in the API argument")
		return
	}
	if !known {
		writeErr(w, 400, 190, 0, "Invalid OAuth access token.")
		return
	}
	if !valid {
		writeErr(w, 400, 190, 463, "Error validating access token: Session has expired.")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && path == "/":
		s.batch(w, r)
	case r.Method == http.MethodPost && len(parts) == 2 && (parts[1] == "comments" || parts[1] == "replies"):
		s.mu.Lock()
		_, ok := s.objects[parts[0]]
		if ok {
			s.seq++
		}
		id := fmt.Sprintf("%s_r%d", parts[0], s.seq)
		if ok {
			s.objects[id] = "live"
			s.Posted[id] = r.Form.Get("message")
		}
		s.mu.Unlock()
		if !ok {
			writeErr(w, 400, 100, 33, "Unsupported post request. Object with ID does not exist")
			return
		}
		writeJSON(w, map[string]string{"id": id})
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "messages":
		var rcpt struct{ ID string }
		var msg struct{ Text string }
		if json.Unmarshal([]byte(r.Form.Get("recipient")), &rcpt) != nil || json.Unmarshal([]byte(r.Form.Get("message")), &msg) != nil || rcpt.ID == "" {
			writeErr(w, 400, 100, 0, "(#100) param recipient must be non-empty.")
			return
		}
		s.mu.Lock()
		s.seq++
		id := fmt.Sprintf("m_out%d", s.seq)
		s.Posted[id] = msg.Text
		s.mu.Unlock()
		writeJSON(w, map[string]string{"recipient_id": rcpt.ID, "message_id": id})
	case r.Method == http.MethodDelete && len(parts) == 1:
		s.mu.Lock()
		_, ok := s.objects[parts[0]]
		refused := s.refuse[parts[0]]
		if ok && !refused {
			delete(s.objects, parts[0])
		}
		s.mu.Unlock()
		switch {
		case !ok:
			writeErr(w, 400, 100, 33, "Unsupported delete request. Object does not exist")
		case refused:
			writeErr(w, 403, 200, 0, "(#200) Permissions error")
		default:
			writeJSON(w, map[string]bool{"success": true})
		}
	case r.Method == http.MethodPost && len(parts) == 1 && (r.Form.Get("is_hidden") == "true" || r.Form.Get("hide") == "true"):
		s.mu.Lock()
		_, ok := s.objects[parts[0]]
		if ok {
			s.objects[parts[0]] = "hidden"
		}
		s.mu.Unlock()
		if !ok {
			writeErr(w, 400, 100, 33, "Object does not exist")
			return
		}
		writeJSON(w, map[string]bool{"success": true})
	default:
		writeErr(w, 400, 100, 0, "Unknown path components")
	}
}

// batch answers a batch request: each GET id?fields=id is 200 with the
// id, or 400 with code 100/33 when the object is gone.
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var ops []struct {
		Method      string `json:"method"`
		RelativeURL string `json:"relative_url"`
	}
	if err := json.Unmarshal([]byte(r.Form.Get("batch")), &ops); err != nil || len(ops) > 50 {
		writeErr(w, 400, 100, 0, "batch must be a JSON array of at most 50 requests")
		return
	}
	out := make([]any, len(ops))
	for i, op := range ops {
		id, _, _ := strings.Cut(op.RelativeURL, "?")
		id, _ = url.PathUnescape(id)
		s.mu.Lock()
		_, ok := s.objects[id]
		s.mu.Unlock()
		if ok {
			b, _ := json.Marshal(map[string]string{"id": id})
			out[i] = map[string]any{"code": 200, "body": string(b)}
		} else {
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": "Unsupported get request. Object with ID '" + id + "' does not exist", "code": 100, "error_subcode": 33}})
			out[i] = map[string]any{"code": 400, "body": string(b)}
		}
	}
	writeJSON(w, out)
}
