package service

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Answer notifications (issue 19, item 7) — the mail half: when staff
// answer a public question whose asker opted in, one mail is queued in the
// answer's transaction (store.CreateStaffAnswerNotify) and delivered by the
// mail.outbox job (internal/mailout) like a staff reply.

// DefaultNotifyWindow is how long after a notification for a question no
// other is queued: a second answer, a correction or a retried request
// within it sends nothing more.
const DefaultNotifyWindow = 24 * time.Hour

// NotifyConfig configures answer notifications.
type NotifyConfig struct {
	// BaseURL is the installation's public base URL (GALLRA_BASE_URL); a
	// site without a host name of its own is at BaseURL/p/{slug}. Empty:
	// only sites with their own host name send notifications (the mail
	// needs an absolute link).
	BaseURL string
	// TopicPath is a topic's path on the site ("/t/12-slug"); nil:
	// "/t/{id}" (the site redirects to nothing: it shows the topic).
	TopicPath func(topicID int64, title string) string
	// Window as DefaultNotifyWindow (zero: the default).
	Window time.Duration
}

// WithNotify returns s with answer notifications configured by c.
func (s *Site) WithNotify(c NotifyConfig) *Site {
	cp := *s
	cp.notify = c
	return &cp
}

// notifyKeyInfo separates the unsubscribe key from every other key
// derived from the organisation's secret.
const notifyKeyInfo = "gallra site unsubscribe key v1"

// NotifyKey derives the key that signs an organisation's unsubscribe
// tokens from its installation secret (organisations.audit_key, the key
// of its audit chain and identifier index, kept in the database): HKDF-
// SHA256 with its own label. It survives restarts, travels with every
// backup of the database, and dies with the organisation.
func NotifyKey(orgSecret []byte) ([]byte, error) {
	if len(orgSecret) < 16 {
		return nil, fmt.Errorf("organisation secret is too short to derive the unsubscribe key")
	}
	return hkdf.Key(sha256.New, orgSecret, nil, notifyKeyInfo, 32)
}

// notifyKeyFor returns the unsubscribe key of orgID: the fixed key of
// WithNotifyKey, else NotifyKey of the organisation's secret.
func (s *Site) notifyKeyFor(ctx context.Context, orgID int64) ([]byte, error) {
	if len(s.notifyKey) > 0 {
		return s.notifyKey, nil
	}
	secret, err := s.d.DB.OrgSecret(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return NotifyKey(secret)
}

// notifyTexts are the notification's texts: Swedish, then English.
var notifyTexts = map[string][2]string{
	"subject": {"Svar på din fråga: %s", "Your question has been answered: %s"},
	"hello":   {"Hej!", "Hello,"},
	"lead":    {"%s har svarat på din fråga ”%s”.", "%s has answered your question “%s”."},
	"read":    {"Läs svaret här:", "Read the answer here:"},
	"why":     {"Du får det här brevet för att du bad om ett mejl när din fråga besvaras. Vi skickar högst ett brev per dygn om samma fråga, och adressen visas aldrig på webbplatsen.", "You get this e-mail because you asked to be told when your question is answered. We send at most one e-mail a day about the same question, and your address is never shown on the site."},
	"stop":    {"Vill du inte få fler brev om den här frågan? Avsluta med ett klick:", "No more e-mails about this question? Unsubscribe with one click:"},
	"privacy": {"Om dina personuppgifter:", "About your personal data:"},
	"more":    {"Läs mer:", "More:"},
}

func notifyText(lang, k string) string {
	i := 0
	if lang == "en" {
		i = 1
	}
	return notifyTexts[k][i]
}

// siteBase returns the absolute URL the site's paths hang under, or "".
func (s *Site) siteBase(site *gallra.Site) string {
	if site.Settings.Host != "" {
		return "https://" + site.Settings.Host
	}
	b := strings.TrimRight(s.notify.BaseURL, "/")
	if b == "" || site.Settings.Slug == "" {
		return ""
	}
	return b + "/p/" + site.Settings.Slug
}

// answerNotice renders the notification of an answer in topic t, or
// returns nil when there is nobody to write to or nothing to write with:
// the asker did not opt in, left no address, unsubscribed, or their post
// is gone; the topic is not on a public site; the site has no absolute
// URL; the organisation has no mail inbox.
func (s *Site) answerNotice(ctx context.Context, t *gallra.SiteTopic) (*store.AnswerNotice, error) {
	postID, _, ok, err := s.d.DB.AnswerNotifyTarget(ctx, t.OrgID, t.ID)
	if err != nil || !ok {
		return nil, err
	}
	st, err := s.d.DB.SiteSettings(ctx, t.OrgID)
	if err != nil || st.Slug == "" {
		return nil, err
	}
	site, err := s.d.DB.SiteBy(ctx, st.Slug, false)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	base := s.siteBase(site)
	if base == "" || site.Channel(t.ChannelID) == nil {
		return nil, nil
	}
	channelID, from, ok, err := s.d.DB.NotifySender(ctx, t.OrgID)
	if err != nil || !ok {
		return nil, err
	}
	key, err := s.notifyKeyFor(ctx, t.OrgID)
	if err != nil {
		return nil, err
	}
	mid, err := newMessageID(from)
	if err != nil {
		return nil, err
	}
	notice, err := s.Notice(ctx, site, t.ChannelID)
	if err != nil {
		return nil, err
	}
	path := "/t/" + strconv.FormatInt(t.ID, 10)
	if s.notify.TopicPath != nil {
		path = s.notify.TopicPath(t.ID, t.Title)
	}
	lang := site.Org.Language
	unsub := base + "/unsubscribe?t=" + UnsubscribeToken(key, t.OrgID, postID)
	title := CleanLine(t.Title)
	var b strings.Builder
	for _, p := range []string{
		notifyText(lang, "hello"),
		fmt.Sprintf(notifyText(lang, "lead"), site.Org.Name, title),
		notifyText(lang, "read") + "\n" + base + path,
		notifyText(lang, "why"),
		notifyText(lang, "stop") + "\n" + unsub,
		"-- \n" + notifyText(lang, "privacy") + " " + notice + "\n" + notifyText(lang, "more") + " " + base + "/privacy",
	} {
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	w := s.notify.Window
	if w <= 0 {
		w = DefaultNotifyWindow
	}
	return &store.AnswerNotice{
		AskerPostID: postID, ChannelID: channelID, MessageID: mid, UnsubscribeURL: unsub, Window: w,
		Subject: fmt.Sprintf(notifyText(lang, "subject"), title), Body: strings.TrimRight(b.String(), "\n") + "\n",
	}, nil
}

func (s *Site) log() *slog.Logger {
	if s.d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.d.Log
}
