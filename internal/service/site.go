package service

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// NoticeFunc returns the privacy sentence a channel shows where people
// write, from its real retention setting, in "sv" or "en". serve passes the
// retention engine's ChannelPolicyText; the privacy register's richer
// notice (legal basis) replaces it there, and only there.
type NoticeFunc func(ctx context.Context, orgID, channelID int64, lang string) (string, error)

// Site implements gallra.SiteService and the staff side of the public site
// (settings, answers, moderation, public requests).
type Site struct {
	d      Deps
	notice NoticeFunc
	// notifyKey signs unsubscribe tokens (site_notify.go); empty: each
	// organisation's derived key (NotifyKey).
	notifyKey []byte
	// notify configures answer notifications (site_notify_mail.go).
	notify NotifyConfig
}

var _ gallra.SiteService = (*Site)(nil)

// NewSite builds the public-site service; notice gives each form's privacy
// sentence (nil: forms show only the IP-address sentence).
func NewSite(d Deps, notice NoticeFunc) *Site {
	if d.Clock == nil {
		d.Clock = gallra.SystemClock{}
	}
	return &Site{d: d, notice: notice}
}

var slugRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// NormalizeHost lower-cases a Host header and drops its port; "" when it is
// not a plausible host name (forged or malformed headers match no site).
func NormalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if len(h) == 0 || len(h) > 253 {
		return ""
	}
	for _, label := range strings.Split(h, ".") {
		if !slugRe.MatchString(label) {
			return ""
		}
	}
	return h
}

// SiteBySlug implements gallra.SiteService.
func (s *Site) SiteBySlug(ctx context.Context, slug string) (*gallra.Site, error) {
	if !slugRe.MatchString(slug) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no site here")
	}
	return s.d.DB.SiteBy(ctx, slug, false)
}

// SiteByHost implements gallra.SiteService.
func (s *Site) SiteByHost(ctx context.Context, host string) (*gallra.Site, error) {
	h := NormalizeHost(host)
	if h == "" {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "no site here")
	}
	return s.d.DB.SiteBy(ctx, h, true)
}

// ipSentence says how the site stores IP addresses.
func ipSentence(lang string, st gallra.IPStorage) string {
	sv := lang == "sv"
	switch st {
	case gallra.IPNone:
		if sv {
			return "Din IP-adress sparas inte."
		}
		return "Your IP address is not stored."
	case gallra.IPTruncated:
		if sv {
			return "Din IP-adress sparas bara förkortad (/24 för IPv4, /48 för IPv6), så att den inte pekar ut dig."
		}
		return "Your IP address is stored only shortened (/24 for IPv4, /48 for IPv6), so that it does not single you out."
	}
	if sv {
		return "Din IP-adress sparas i sin helhet."
	}
	return "Your IP address is stored in full."
}

// Notice implements gallra.SiteService: the channel's privacy sentence from
// its real retention setting followed by how IP addresses are stored. This
// is the one place the public site's notice is made.
func (s *Site) Notice(ctx context.Context, site *gallra.Site, channelID int64) (string, error) {
	c := site.Channel(channelID)
	if c == nil {
		return "", gallra.Errorf(gallra.ENOTFOUND, "channel %d not found", channelID)
	}
	lang := site.Org.Language
	ip := ipSentence(lang, site.Settings.IPStorage)
	if s.notice == nil || c.Module != gallra.ModuleForum {
		return ip, nil
	}
	text, err := s.notice(ctx, site.Org.ID, c.ID, lang)
	if err != nil {
		return "", err
	}
	return text + " " + ip, nil
}

// forum returns the site's forum channel (ENOTFOUND for anything else).
func forumOf(site *gallra.Site, id int64, m gallra.Module) (*gallra.Channel, error) {
	c := site.Channel(id)
	if c == nil || c.Module != m {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "channel %d not found", id)
	}
	return c, nil
}

// Topics implements gallra.SiteService.
func (s *Site) Topics(ctx context.Context, site *gallra.Site, channelID int64, sort gallra.TopicSort, beforeID int64, limit int) ([]gallra.SiteTopic, error) {
	c, err := forumOf(site, channelID, gallra.ModuleForum)
	if err != nil {
		return nil, err
	}
	switch sort {
	case "":
		sort = gallra.SortNew
	case gallra.SortNew, gallra.SortAnswered, gallra.SortUnanswered:
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "sort must be new, answered or unanswered")
	}
	if beforeID < 0 {
		return nil, gallra.Errorf(gallra.EINVALID, "before must be a positive id")
	}
	return s.d.DB.SiteTopics(ctx, site.Org.ID, c.ID, sort, beforeID, limit)
}

// Thread implements gallra.SiteService.
func (s *Site) Thread(ctx context.Context, site *gallra.Site, topicID, afterID int64, limit int) (*gallra.SiteThread, error) {
	if topicID <= 0 || afterID < 0 {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "topic not found")
	}
	th, err := s.d.DB.SiteThread(ctx, site.Org.ID, topicID, afterID, limit)
	if err != nil {
		return nil, err
	}
	if site.Channel(th.Topic.ChannelID) == nil || th.Topic.Status == gallra.StatusPending {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "topic %d not found", topicID)
	}
	return th, nil
}

// invisible are the characters that hide or reorder text without showing:
// bidirectional overrides and isolates, zero-width spaces and joiners, the
// byte-order mark. They are dropped from names and titles, where they could
// make one author look like another.
var invisible = strings.NewReplacer(
	"\u202a", "", "\u202b", "", "\u202c", "", "\u202d", "", "\u202e", "",
	"\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "", "\u200e", "", "\u200f", "",
	"\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "",
)

// CleanLine removes invisible and control characters from a one-line field
// (a name or title) and trims it.
func CleanLine(v string) string {
	v = invisible.Replace(v)
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

// spam refuses what a person does not send: a filled honeypot field, or a
// form sent faster than MinFillTime after it was issued (or with no valid
// issue time). EUNPROCESS says what to do.
func spam(honeypot string, elapsed time.Duration) error {
	if honeypot != "" {
		return gallra.Errorf(gallra.EUNPROCESS, "the form was filled in automatically; leave the hidden field empty")
	}
	if elapsed < gallra.MinFillTime {
		return gallra.Errorf(gallra.EUNPROCESS, "the form was sent too quickly; wait a few seconds and send it again")
	}
	return nil
}

// Write implements gallra.SiteService: spam checks, validation (name and
// title cleaned of invisible characters, body at most MaxPublicPostLen),
// the IP address reduced by the organisation's setting, then stored
// visible or pending moderation.
func (s *Site) Write(ctx context.Context, site *gallra.Site, in gallra.SiteWrite) (*gallra.SiteWritten, error) {
	if err := spam(in.Honeypot, in.Elapsed); err != nil {
		return nil, err
	}
	if in.TopicID == 0 {
		if _, err := forumOf(site, in.ChannelID, gallra.ModuleForum); err != nil {
			return nil, err
		}
		in.Title = CleanLine(in.Title)
		if err := gallra.ValidateText("title", in.Title, true, gallra.MaxTitleLen); err != nil {
			return nil, err
		}
	} else {
		if in.TopicID < 0 {
			return nil, gallra.Errorf(gallra.ENOTFOUND, "topic not found")
		}
		if in.ParentID != nil {
			if err := positiveID("parent_id", *in.ParentID); err != nil {
				return nil, err
			}
		}
		th, err := s.d.DB.SiteTopic(ctx, site.Org.ID, in.TopicID)
		if err != nil {
			return nil, err
		}
		if _, err := forumOf(site, th.ChannelID, gallra.ModuleForum); err != nil {
			return nil, err
		}
		in.Title = ""
	}
	in.Body = strings.TrimSpace(in.Body)
	if err := gallra.ValidateText("body", in.Body, true, gallra.MaxPublicPostLen); err != nil {
		return nil, err
	}
	in.Author.Name = CleanLine(in.Author.Name)
	if err := in.Author.Validate(true); err != nil {
		return nil, err
	}
	in.Author.IP = site.Settings.IPStorage.Apply(in.Author.IP)
	return s.d.DB.CreateSiteWrite(ctx, site.Org.ID, store.SiteWriteRow{SiteWrite: in, ModerateFirst: site.Settings.ModerateFirst})
}

// Articles implements gallra.SiteService.
func (s *Site) Articles(ctx context.Context, site *gallra.Site, channelID int64) ([]gallra.KnowledgeArticle, error) {
	c, err := forumOf(site, channelID, gallra.ModuleKnowledge)
	if err != nil {
		return nil, err
	}
	return s.d.DB.ListArticles(ctx, site.Org.ID, c.ID, gallra.Page{Limit: 200})
}

// Article implements gallra.SiteService.
func (s *Site) Article(ctx context.Context, site *gallra.Site, id int64) (*gallra.KnowledgeArticle, error) {
	if id <= 0 {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "article not found")
	}
	a, err := s.d.DB.GetArticle(ctx, site.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if _, err := forumOf(site, a.ChannelID, gallra.ModuleKnowledge); err != nil {
		return nil, err
	}
	return a, nil
}

// SitemapTopics implements gallra.SiteService.
func (s *Site) SitemapTopics(ctx context.Context, site *gallra.Site, limit int) ([]gallra.SiteTopic, error) {
	topics, err := s.d.DB.SiteTopicsForSitemap(ctx, site.Org.ID, limit)
	if err != nil {
		return nil, err
	}
	out := topics[:0]
	for _, t := range topics {
		if site.Channel(t.ChannelID) != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// Search implements gallra.SiteService.
func (s *Site) Search(ctx context.Context, site *gallra.Site, q string, limit int) ([]gallra.SiteHit, error) {
	if err := gallra.ValidateText("q", q, false, 200); err != nil {
		return nil, err
	}
	return s.d.DB.SearchSite(ctx, site.Org.ID, store.SearchTerms(q), limit)
}

// Request implements gallra.SiteService.
func (s *Site) Request(ctx context.Context, site *gallra.Site, in gallra.SiteRequest, honeypot string, elapsed time.Duration) (*gallra.SiteRequest, error) {
	if err := spam(honeypot, elapsed); err != nil {
		return nil, err
	}
	if in.Kind != gallra.RequestExport && in.Kind != gallra.RequestErase {
		return nil, gallra.Errorf(gallra.EINVALID, "kind must be export or erase")
	}
	in.Name, in.Email, in.Message = CleanLine(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Message)
	if err := gallra.ValidateText("name", in.Name, false, gallra.MaxNameLen); err != nil {
		return nil, err
	}
	if err := gallra.ValidateEmail("email", in.Email); err != nil {
		return nil, err
	}
	if err := gallra.ValidateText("message", in.Message, false, gallra.MaxSiteRequestMessage); err != nil {
		return nil, err
	}
	in.OrgID = site.Org.ID
	return s.d.DB.CreateSiteRequest(ctx, in)
}

// Settings returns the staff user's organisation's site settings (a
// default, unpublished one when it has none).
func (s *Site) Settings(ctx context.Context, staff *gallra.Staff) (*gallra.SiteSettings, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermManageOrganisation, 0); err != nil {
		return nil, err
	}
	st, err := s.d.DB.SiteSettings(ctx, org)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return &gallra.SiteSettings{OrgID: org, IPStorage: gallra.IPTruncated}, nil
	}
	return st, err
}

// SaveSettings publishes or changes the site (PermManageOrganisation):
// slug of lower-case letters, digits and hyphens; host a host name or
// empty; IP storage full, truncated or none. Audited.
func (s *Site) SaveSettings(ctx context.Context, staff *gallra.Staff, in gallra.SiteSettings) (*gallra.SiteSettings, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermManageOrganisation, 0); err != nil {
		return nil, err
	}
	in.OrgID = org
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	if !slugRe.MatchString(in.Slug) {
		return nil, gallra.Errorf(gallra.EINVALID, "slug must be 1 to 64 lower-case letters a-z, digits or hyphens, e.g. kommunen")
	}
	if h := strings.TrimSpace(in.Host); h != "" {
		in.Host = NormalizeHost(h)
		if in.Host == "" || strings.Contains(h, "/") {
			return nil, gallra.Errorf(gallra.EINVALID, "host must be a host name such as forum.kommunen.se, without https:// or a path")
		}
	} else {
		in.Host = ""
	}
	if !in.IPStorage.Valid() {
		return nil, gallra.Errorf(gallra.EINVALID, "ip_storage must be full, truncated or none")
	}
	if err := s.d.DB.SaveSiteSettings(ctx, actor(staff), in); err != nil {
		return nil, err
	}
	return &in, nil
}

// topicFor loads a topic of the staff user's organisation and checks
// permission p on its channel.
func (s *Site) topicFor(ctx context.Context, staff *gallra.Staff, p gallra.Permission, topicID int64) (*gallra.SiteTopic, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	t, err := s.d.DB.SiteTopic(ctx, org, topicID)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(p, t.ChannelID); err != nil {
		return nil, err
	}
	return t, nil
}

// Answer posts a staff answer in a topic (PermWorkChannel), marked as
// staff; with markAnswered the topic is marked answered by it. When the
// asker opted in to a notification, one mail is queued with it (at most
// one per question per notify window; docs/public-site.md). Audited.
func (s *Site) Answer(ctx context.Context, staff *gallra.Staff, topicID int64, body string, markAnswered bool) (*gallra.SiteWritten, error) {
	t, err := s.topicFor(ctx, staff, gallra.PermWorkChannel, topicID)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := gallra.ValidateText("body", body, true, gallra.MaxBodyLen); err != nil {
		return nil, err
	}
	// The asker's notification is prepared first and queued in the
	// answer's transaction. A failure to prepare it does not stop the
	// answer: it is logged (ids only) and no mail goes.
	n, err := s.answerNotice(ctx, t)
	if err != nil {
		s.log().Warn("site: answer notification not prepared", "org_id", t.OrgID, "topic_id", t.ID, "err", err)
		n = nil
	}
	w, queued, err := s.d.DB.CreateStaffAnswerNotify(ctx, staff, t.ID, body, markAnswered, n)
	if err != nil {
		return nil, err
	}
	w.Notified = queued
	return w, nil
}

// MarkAnswered marks a topic answered by one of its posts, or with postID
// 0 not answered (PermWorkChannel). Audited.
func (s *Site) MarkAnswered(ctx context.Context, staff *gallra.Staff, topicID, postID int64) error {
	t, err := s.topicFor(ctx, staff, gallra.PermWorkChannel, topicID)
	if err != nil {
		return err
	}
	if postID < 0 {
		return gallra.Errorf(gallra.EINVALID, "post_id must be a positive id, or 0")
	}
	return s.d.DB.SetTopicAnswered(ctx, actor(staff), t.OrgID, t.ID, postID)
}

// SetPostStatus approves (visible) or hides (hidden) a post
// (PermWorkChannel on its channel); hiding a topic's first post hides the
// topic. Edits and moderation never restart retention clocks. Audited.
func (s *Site) SetPostStatus(ctx context.Context, staff *gallra.Staff, postID int64, status string) error {
	org, err := orgOf(staff)
	if err != nil {
		return err
	}
	if status != gallra.StatusVisible && status != gallra.StatusHidden {
		return gallra.Errorf(gallra.EINVALID, "status must be visible or hidden")
	}
	p, err := s.d.DB.GetPost(ctx, org, postID)
	if err != nil {
		return err
	}
	if err := staff.Authorize(gallra.PermWorkChannel, p.ChannelID); err != nil {
		return err
	}
	return s.d.DB.SetPostStatus(ctx, actor(staff), org, p.ID, status)
}

// MoveTopic moves a topic to another forum (PermWorkChannel on both).
// Audited.
func (s *Site) MoveTopic(ctx context.Context, staff *gallra.Staff, topicID, channelID int64) error {
	t, err := s.topicFor(ctx, staff, gallra.PermWorkChannel, topicID)
	if err != nil {
		return err
	}
	if _, err := channelFor(ctx, s.d.DB, staff, gallra.PermWorkChannel, channelID, gallra.ModuleForum); err != nil {
		return err
	}
	return s.d.DB.MoveTopic(ctx, actor(staff), t.OrgID, t.ID, channelID)
}

// Queue lists posts waiting for moderation (status pending) or hidden, in
// the channels the staff user may work in.
func (s *Site) Queue(ctx context.Context, staff *gallra.Staff, status string) ([]gallra.ModerationItem, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if status != gallra.StatusPending && status != gallra.StatusHidden {
		return nil, gallra.Errorf(gallra.EINVALID, "status must be pending or hidden")
	}
	var channels []int64
	if staff.Role != gallra.RoleAdmin {
		channels = []int64{}
		for _, id := range staff.ChannelIDs {
			if staff.Allowed(gallra.PermWorkChannel, id) {
				channels = append(channels, id)
			}
		}
	}
	return s.d.DB.ModerationQueue(ctx, org, status, channels, 200)
}

// Requests lists the unverified requests sent from the privacy page
// (PermRequest is organisation-wide here: PermPersonData).
func (s *Site) Requests(ctx context.Context, staff *gallra.Staff) ([]gallra.SiteRequest, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.Authorize(gallra.PermPersonData, 0); err != nil {
		return nil, err
	}
	return s.d.DB.SiteRequests(ctx, org)
}

// ResolveRequest removes a public request once staff have verified the
// sender and registered a real request ("registered") or rejected it
// ("rejected"); the address goes with it. Audited.
func (s *Site) ResolveRequest(ctx context.Context, staff *gallra.Staff, id int64, outcome string) error {
	org, err := orgOf(staff)
	if err != nil {
		return err
	}
	if err := staff.Authorize(gallra.PermPersonData, 0); err != nil {
		return err
	}
	if outcome != "registered" && outcome != "rejected" {
		return gallra.Errorf(gallra.EINVALID, "outcome must be registered or rejected")
	}
	return s.d.DB.DeleteSiteRequest(ctx, actor(staff), org, id, outcome)
}

// StaffTopics lists a forum's visible topics for staff who may view it,
// newest first (sort as on the public site).
func (s *Site) StaffTopics(ctx context.Context, staff *gallra.Staff, channelID int64, sort gallra.TopicSort, limit int) ([]gallra.SiteTopic, error) {
	c, err := channelFor(ctx, s.d.DB, staff, gallra.PermViewChannel, channelID, gallra.ModuleForum)
	if err != nil {
		return nil, err
	}
	if sort == "" {
		sort = gallra.SortNew
	}
	return s.d.DB.SiteTopics(ctx, c.OrgID, c.ID, sort, 0, limit)
}

// StaffThread returns a page of a topic's visible posts for staff who may
// view its channel.
func (s *Site) StaffThread(ctx context.Context, staff *gallra.Staff, topicID, afterID int64) (*gallra.SiteThread, error) {
	t, err := s.topicFor(ctx, staff, gallra.PermViewChannel, topicID)
	if err != nil {
		return nil, err
	}
	if afterID < 0 {
		return nil, gallra.Errorf(gallra.EINVALID, "after must be a positive id")
	}
	th, err := s.d.DB.SiteThread(ctx, t.OrgID, t.ID, afterID, 50)
	if err != nil {
		return nil, err
	}
	return th, recordRead(ctx, s.d, staff, gallra.SubjectForumTopic, t.ID, gallra.AccessView, "")
}
