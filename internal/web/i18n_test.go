package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogComplete checks that every message key a template names
// literally exists, in both languages, and that no message is empty.
func TestCatalogComplete(t *testing.T) {
	messages := allMessages()
	for k, v := range messages {
		if strings.TrimSpace(v[0]) == "" || strings.TrimSpace(v[1]) == "" {
			t.Errorf("message %q lacks a Swedish or English text", k)
		}
		if strings.Count(v[0], "%") != strings.Count(v[1], "%") {
			t.Errorf("message %q: Swedish and English have different format verbs", k)
		}
	}
	re := regexp.MustCompile(`\.L\.T "([a-z0-9_.]+)"`)
	files, _ := fs.Glob(assets, "templates/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(assets, f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses unknown message %q", f, m[1])
			}
		}
	}
	// Keys built at run time from known values.
	for _, prefix := range []string{"module.", "role.", "err."} {
		found := false
		for k := range messages {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no messages with prefix %q", prefix)
		}
	}
	for _, code := range []string{"invalid", "unauthorized", "forbidden", "not_found", "conflict", "unprocessable", "too_large", "rate_limited", "unavailable", "internal"} {
		if _, ok := messages["err.text."+code]; !ok {
			t.Errorf("missing error text for %s", code)
		}
	}
	for _, k := range []string{"err.invalid", "err.unauthorized", "err.forbidden", "err.not_found", "err.conflict", "err.unprocessable",
		"err.too_large", "err.rate_limited", "err.unavailable", "err.internal", "rq.kind.export", "rq.kind.erase",
		"rq.method.phone_call", "rq.method.email_reply", "rq.method.in_person", "rq.method.e_id", "rq.method.other",
		"pc.delete.forum_post", "pc.delete.mail_conversation", "pc.delete.chat_conversation", "pf.clock.forum", "pf.clock.mail", "pf.clock.chat",
		"set.social", "set.knowledge", "subject.forum_topic", "subject.mail_conversation", "subject.chat_conversation"} {
		if _, ok := messages[k]; !ok {
			t.Errorf("missing message %q", k)
		}
	}
}

func TestNumberFormat(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 1240, "1,240"}, {"sv", 1240, "1\u00a0240"}, {"en", 999, "999"}, {"en", 1234567, "1,234,567"}, {"sv", -1000, "-1\u00a0000"}} {
		if got := catalogs[c.lang].N(c.n); got != c.want {
			t.Errorf("%s N(%d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/settings": "/settings", "/audit?action=x": "/audit?action=x", "//evil.example/": "/",
		"https://evil.example/": "/", "/\\evil.example": "/", "/login": "/", "settings": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
