package gallra

import (
	"context"
	"net/netip"
	"strings"
	"time"
)

// IPStorage says how the public site stores the IP address of someone who
// writes a post: in full, truncated to its network (/24 for IPv4, /48 for
// IPv6) or not at all. The privacy notice on every form says which.
type IPStorage string

// IP storage settings.
const (
	IPFull      IPStorage = "full"
	IPTruncated IPStorage = "truncated"
	IPNone      IPStorage = "none"
)

// Valid reports whether s is a known setting.
func (s IPStorage) Valid() bool { return s == IPFull || s == IPTruncated || s == IPNone }

// Apply returns the address as the setting stores it: ip itself, its
// network address (/24 or /48) or "". An unparsable address is stored as "".
func (s IPStorage) Apply(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil || s == IPNone {
		return ""
	}
	a = a.Unmap()
	if s == IPFull {
		return a.String()
	}
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}

// SiteSettings configure an organisation's public site. A site exists once
// it has a slug (served at /p/{slug}/); Host optionally serves it at the
// root of a host name of its own.
type SiteSettings struct {
	OrgID         int64     `json:"org_id"`
	Slug          string    `json:"slug"`
	Host          string    `json:"host"`
	IPStorage     IPStorage `json:"ip_storage"`
	ModerateFirst bool      `json:"moderate_first"`
}

// Site is an organisation's public site as a visitor sees it: the
// organisation, its settings and its public channels (forums and knowledge
// bases), oldest first.
type Site struct {
	Org      Organisation
	Settings SiteSettings
	Channels []Channel
}

// Channel returns the site's channel with the id, or nil.
func (s *Site) Channel(id int64) *Channel {
	for i := range s.Channels {
		if s.Channels[i].ID == id {
			return &s.Channels[i]
		}
	}
	return nil
}

// TopicSort orders and filters a forum's topic list.
type TopicSort string

// Topic list sorts: newest first, only answered, only unanswered.
const (
	SortNew        TopicSort = "new"
	SortAnswered   TopicSort = "answered"
	SortUnanswered TopicSort = "unanswered"
)

// Publication states of topics and posts.
const (
	StatusVisible = "visible"
	StatusPending = "pending" // waits for a moderator
	StatusHidden  = "hidden"  // hidden by staff
)

// SiteTopic is a forum topic as listed on the public site.
type SiteTopic struct {
	ID             int64
	OrgID          int64
	ChannelID      int64
	Title          string
	Status         string
	AnsweredPostID *int64
	Posts          int // visible posts and comments
	CreatedAt      time.Time
	LastActivityAt time.Time
}

// SitePost is a post or comment as shown on the public site. AuthorName is
// empty when the post is anonymized or removed (the page shows "Anonym" or
// the placeholder); e-mail and IP address never leave the store here.
type SitePost struct {
	ID         int64
	TopicID    int64
	ParentID   *int64
	AuthorName string
	Body       string
	Status     string
	Staff      bool // written by staff
	Anonymized bool
	Removed    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Comments   []SitePost
}

// SiteThread is one page of a topic: its top-level posts (oldest first)
// with their comments, and the cursor of the next page (nil on the last).
type SiteThread struct {
	Topic       SiteTopic
	Posts       []SitePost
	NextAfterID *int64
	// Gone is true for a topic that was hidden or whose first post was
	// removed: the page answers 410 Gone and shows nothing of it.
	Gone bool
}

// SiteHit is one search result on the public site.
type SiteHit struct {
	Type      string // forum_post or knowledge_article
	ID        int64  // post or article id
	ChannelID int64
	TopicID   int64 // for posts
	Title     string
	Snippet   string
}

// SiteWrite is a post written on the public site: a new topic (Title set,
// ChannelID set) or a reply (TopicID set, ParentID for a comment). Honeypot
// is the hidden field people leave empty; Elapsed is how long the form was
// open, from the signed time the form was issued.
type SiteWrite struct {
	ChannelID int64
	TopicID   int64
	ParentID  *int64
	Title     string
	Body      string
	Author    Author
	Honeypot  string
	Elapsed   time.Duration
	// Notify is the asker's opt-in, on a new topic only: mail the address
	// they gave when staff answer (docs/public-site.md). Unticked by default.
	Notify bool
}

// SiteWritten says what became of a SiteWrite: published, or waiting for
// moderation (Pending).
type SiteWritten struct {
	TopicID int64
	PostID  int64
	Pending bool
	// Notified is set on a staff answer that queued a mail to the asker.
	Notified bool
}

// SiteRequest is a data-subject request sent from the public privacy page.
// Its status is "unverified" until staff have checked who sent it; staff
// then register a real request (SubjectRequest) or reject it. It never acts
// on its own.
type SiteRequest struct {
	ID         int64
	OrgID      int64
	Kind       RequestKind
	Status     string
	Name       string
	Email      string
	Message    string
	ReceivedAt time.Time
}

// SiteRequestUnverified is the status of a public request whose sender's
// identity has not been verified.
const SiteRequestUnverified = "unverified"

// Limits of the public site's forms.
const (
	MaxSiteRequestMessage = 2000
	// MinFillTime is how long a person takes at least to fill in a form;
	// faster submissions are refused as automated.
	MinFillTime = 3 * time.Second
)

// ModerationItem is a post waiting for a moderator, or hidden.
type ModerationItem struct {
	Post       SitePost
	TopicTitle string
	ChannelID  int64
	FirstPost  bool // the post started its topic
}

// SiteService is the public site: what visitors read and write (no staff
// user: the site is resolved from its slug or host name first), and what
// staff do to moderate and answer. Input is validated and spam refused
// here, for every transport.
type SiteService interface {
	// SiteBySlug and SiteByHost resolve a published site of an active
	// organisation (ENOTFOUND otherwise).
	SiteBySlug(ctx context.Context, slug string) (*Site, error)
	SiteByHost(ctx context.Context, host string) (*Site, error)
	// Notice is the privacy notice shown where people write in the channel,
	// from its real retention setting, saying how IP addresses are stored.
	Notice(ctx context.Context, site *Site, channelID int64) (string, error)
	// Topics lists a page of a forum's visible topics, newest first.
	Topics(ctx context.Context, site *Site, channelID int64, sort TopicSort, beforeID int64, limit int) ([]SiteTopic, error)
	// Thread returns a page of a topic (Gone when hidden or removed;
	// ENOTFOUND when absent or pending).
	Thread(ctx context.Context, site *Site, topicID, afterID int64, limit int) (*SiteThread, error)
	// Write publishes a topic or reply, or queues it for moderation.
	Write(ctx context.Context, site *Site, in SiteWrite) (*SiteWritten, error)
	// Articles and Article read a knowledge base.
	Articles(ctx context.Context, site *Site, channelID int64) ([]KnowledgeArticle, error)
	Article(ctx context.Context, site *Site, id int64) (*KnowledgeArticle, error)
	// SitemapTopics lists the site's visible topics, newest first.
	SitemapTopics(ctx context.Context, site *Site, limit int) ([]SiteTopic, error)
	// Search finds visible posts and articles of the site.
	Search(ctx context.Context, site *Site, q string, limit int) ([]SiteHit, error)
	// Request records a data-subject request from the privacy page as
	// unverified.
	Request(ctx context.Context, site *Site, in SiteRequest, honeypot string, elapsed time.Duration) (*SiteRequest, error)
	// Unsubscribe turns off answer notifications for the post named by a
	// signed one-click unsubscribe token (EINVALID when forged).
	Unsubscribe(ctx context.Context, site *Site, token string) error
}
