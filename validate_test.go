package gallra

import (
	"strings"
	"testing"
)

func TestValidateHTTPSURL(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"https://cdn.example.se/a/b.png", true},
		{"HTTPS://cdn.example.se/b.png", true},
		{"https://cdn.example.se:8443/b.png?size=64", true},
		{"//evil.example/x.png", false},
		{"/\\evil.example/x.png", false},
		{"/static/x.png", false},
		{"http://cdn.example.se/x.png", false},
		{"javascript:alert(1)", false},
		{"https:evil.example", false},
		{"https:///x.png", false},
		{"https://user:pw@evil.example/x.png", false},
		{"https://evil.example\\@good.example/x.png", false},
		{"https://cdn.example.se/a b.png", false},
		{"https://" + strings.Repeat("a", 60) + ".example", false}, // longer than max
	} {
		err := ValidateHTTPSURL("avatar_url", tc.in, 60)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "avatar_url") || (tc.in != "" && strings.Contains(err.Error(), tc.in))) {
			t.Errorf("%q: error %q should name the field, not the value", tc.in, err)
		}
	}
}
