package gallra

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxEmailLen is the longest e-mail address accepted (RFC 5321 path limit).
const MaxEmailLen = 254

// NormalizeEmail returns the match key of an e-mail address: trimmed and
// lower-cased. Two addresses that differ only in case or surrounding space
// belong to the same person.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidateEmail checks that s is a single bare address (no display name) of a
// sane length. The error names the field, never the value.
func ValidateEmail(field, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return Errorf(EINVALID, "%s is required", field)
	}
	if len(s) > MaxEmailLen {
		return Errorf(EINVALID, "%s is longer than %d characters", field, MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return Errorf(EINVALID, "%s is not a valid e-mail address", field)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return Errorf(EINVALID, "%s is not a valid e-mail address", field)
	}
	return nil
}

// ValidateText checks a free-text field: valid UTF-8, no NUL bytes, at most
// max characters, and non-empty when required.
func ValidateText(field, s string, required bool, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Errorf(EINVALID, "%s contains a NUL character", field)
	}
	if required && strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "%s is required", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "%s is longer than %d characters", field, max)
	}
	return nil
}

// Field length limits, in characters.
const (
	MaxNameLen  = 200
	MaxTitleLen = 300
	MaxBodyLen  = 100_000
	// MaxPublicPostLen caps what an anonymous writer may put in one forum
	// post or chat message: 20 000 characters is about eight printed pages,
	// more than any question or answer needs, and keeps a page of public
	// posts (MaxThreadPage of them) near 2 MB. Staff keep MaxBodyLen.
	MaxPublicPostLen = 20_000
	MaxSubjectLen    = 998
	MaxKeyLen        = 100
	MaxValueLen      = 2_000
)

// Bounds on what an organisation accumulates, so that the lists shown whole
// (channels, staff, a subject's custom fields) stay bounded; past one the
// creation is refused with EUNPROCESS. Lists that grow with use rather than
// administration are paged instead, or capped where they are read
// (MaxListedTokens, MaxListedHolds).
const (
	MaxChannels     = 1_000  // channels per organisation
	MaxStaff        = 10_000 // staff users per organisation, deleted ones included
	MaxCustomFields = 100    // custom fields per person or conversation
	// MaxListedTokens is how many API tokens a token list holds: the active
	// ones first, then the newest revoked.
	MaxListedTokens = 1_000
	// MaxListedHolds is how many legal holds a hold list holds, oldest
	// first.
	MaxListedHolds = 1_000
)

// Password length limits, in characters. Long passphrases are welcome; the
// upper bound only keeps hashing cost bounded.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 200
)

// ValidatePassword checks a new password's length. The error never repeats
// the password.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return Errorf(EINVALID, "password is not valid UTF-8")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return Errorf(EINVALID, "password must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return Errorf(EINVALID, "password must be at most %d characters", MaxPasswordLen)
	}
	return nil
}

// ValidateHTTPSURL checks an optional link to another site, such as a staff
// user's avatar_url: empty, or an absolute https:// URL with a host, at most
// max characters. Plain http, relative and protocol-relative
// ("//evil.example/x.png") URLs, and credentials in the URL, are refused:
// a page showing the value would otherwise load from wherever it points,
// over whichever scheme. The error names the field, never the value.
func ValidateHTTPSURL(field, s string, max int) error {
	if s == "" {
		return nil
	}
	if err := ValidateText(field, s, false, max); err != nil {
		return err
	}
	bad := Errorf(EINVALID, "%s must be an absolute https:// URL", field)
	if !strings.HasPrefix(strings.ToLower(s), "https://") || strings.ContainsAny(s, "\\ \t\r\n") {
		return bad
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Hostname() == "" {
		return bad
	}
	return nil
}
