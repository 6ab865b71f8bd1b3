package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// Answer notifications (issue 19, item 7) — the token half.
//
// The unsubscribe link of an answer notification carries a token naming
// the organisation and the asker's post, signed with the site key (HMAC-
// SHA256, domain-separated from the form tokens). It holds no address: the
// address is the one stored with the post, so purging or erasing the post
// leaves the token pointing at nothing and stops notifications with it.

// unsubscribeDomain separates unsubscribe MACs from every other use of the
// site key.
const unsubscribeDomain = "gallra/site/unsubscribe/v1\x00"

// unsubscribeMACLen is how many bytes of the HMAC a token keeps (128 bits).
const unsubscribeMACLen = 16

// UnsubscribeToken returns the token of the unsubscribe link for the asker
// of post postID in organisation orgID: "<org>.<post>.<mac>", URL-safe.
func UnsubscribeToken(key []byte, orgID, postID int64) string {
	body := strconv.FormatInt(orgID, 10) + "." + strconv.FormatInt(postID, 10)
	return body + "." + unsubscribeMAC(key, body)
}

func unsubscribeMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(unsubscribeDomain))
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:unsubscribeMACLen])
}

// VerifyUnsubscribeToken checks a token made by UnsubscribeToken and
// returns the organisation and post it names. A malformed, altered or
// forged token (or one signed with another key) is EINVALID with a message
// that says what to do; the message never echoes the token.
func VerifyUnsubscribeToken(key []byte, token string) (orgID, postID int64, err error) {
	bad := gallra.Errorf(gallra.EINVALID, "this unsubscribe link is not valid: it may have been cut short or changed; use the link from the e-mail as it is, or ask the organisation to stop the notifications")
	if len(key) == 0 || len(token) > 128 {
		return 0, 0, bad
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, 0, bad
	}
	org, err1 := strconv.ParseInt(parts[0], 10, 64)
	post, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || org <= 0 || post <= 0 ||
		parts[0] != strconv.FormatInt(org, 10) || parts[1] != strconv.FormatInt(post, 10) {
		return 0, 0, bad
	}
	want := unsubscribeMAC(key, parts[0]+"."+parts[1])
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return 0, 0, bad
	}
	return org, post, nil
}

// UnsubscribeHeaders returns the List-Unsubscribe and List-Unsubscribe-Post
// header values (RFC 2369, RFC 8058 one-click) for an answer notification
// whose unsubscribe page is at pageURL (an https URL of the public site,
// without query). The token goes in the query so a one-click POST to the
// same URL carries it.
func UnsubscribeHeaders(pageURL, token string) (listUnsubscribe, listUnsubscribePost string) {
	return "<" + pageURL + "?t=" + token + ">", "List-Unsubscribe=One-Click"
}

// WithNotifyKey returns s signing and checking unsubscribe tokens with one
// fixed key for every organisation (at least 32 bytes; tests). Without it
// each organisation's key is derived from its secret (NotifyKey), which
// is what serve uses: tokens stay valid across restarts.
func (s *Site) WithNotifyKey(key []byte) *Site {
	c := *s
	c.notifyKey = append([]byte(nil), key...)
	return &c
}

// Unsubscribe turns off answer notifications for the post named by a
// one-click unsubscribe token of site (RFC 8058: the POST carries only the
// token, no cookie, no login). A forged or altered token, or one of
// another organisation, is EINVALID with a message saying what to do. A
// post purged or erased since is not an error: nothing is sent for it.
// Not audited: the asker acts on their own post and nothing personal changes.
func (s *Site) Unsubscribe(ctx context.Context, site *gallra.Site, token string) error {
	if site == nil {
		return gallra.Errorf(gallra.EINVALID, "this unsubscribe link belongs to another site; use the link from the e-mail as it is")
	}
	key, err := s.notifyKeyFor(ctx, site.Org.ID)
	if err != nil {
		return err
	}
	orgID, postID, err := VerifyUnsubscribeToken(key, token)
	if err != nil {
		return err
	}
	if orgID != site.Org.ID {
		return gallra.Errorf(gallra.EINVALID, "this unsubscribe link belongs to another site; use the link from the e-mail as it is")
	}
	if _, err := s.d.DB.UnsubscribePost(ctx, orgID, postID); err != nil {
		return err
	}
	return nil
}
