package site

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gallra/gallra"
)

// Slug makes the readable part of a URL from a title: lower-case letters
// and digits joined by hyphens, å/ä/ö folded, at most 60 bytes.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch r {
		case 'å', 'ä', 'á', 'à':
			r = 'a'
		case 'ö', 'ø', 'ó':
			r = 'o'
		case 'é', 'è', 'ë':
			r = 'e'
		case 'ü':
			r = 'u'
		}
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 60 {
				break
			}
		} else {
			dash = true
		}
	}
	return b.String()
}

// link is "/{kind}/{id}-{slug}".
func link(kind string, id int64, title string) string {
	s := strconv.FormatInt(id, 10)
	if sl := Slug(title); sl != "" {
		s += "-" + sl
	}
	return "/" + kind + "/" + s
}

// excerpt cuts text to n characters on a word boundary.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

func jsonLD(v any) template.JS {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	// json.Marshal escapes <, > and & so the script element cannot be
	// closed from the data.
	return template.JS(b)
}

type homeData struct {
	Forums, KBs []gallra.Channel
	Pending     bool // a new question waits for moderation
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, v *view) {
	d := homeData{Pending: r.URL.Query().Get("sent") == "pending"}
	for _, c := range v.Site.Channels {
		if c.Module == gallra.ModuleForum {
			d.Forums = append(d.Forums, c)
		} else {
			d.KBs = append(d.KBs, c)
		}
	}
	v.Title, v.D = v.Site.Org.Name, d
	v.Desc = v.L.T("forums") + " · " + v.L.T("kbs") + " · " + v.Site.Org.Name
	h.render(w, r, http.StatusOK, "home", v)
}

type forumData struct {
	Channel *gallra.Channel
	Sort    string
	Topics  []gallra.SiteTopic
	Older   string
	Sorts   []string
}

// TopicsPerPage is the length of a topic list page.
const TopicsPerPage = 20

func (h *Handler) forum(w http.ResponseWriter, r *http.Request, v *view, id int64) {
	c := v.Site.Channel(id)
	if c == nil || c.Module != gallra.ModuleForum {
		h.fail(w, r, v, gallra.Errorf(gallra.ENOTFOUND, "no forum"))
		return
	}
	q := r.URL.Query()
	sort := q.Get("sort")
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	topics, err := h.cfg.Service.Topics(r.Context(), v.Site, c.ID, gallra.TopicSort(sort), before, TopicsPerPage+1)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := forumData{Channel: c, Sort: sort, Topics: topics, Sorts: []string{"new", "answered", "unanswered"}}
	if d.Sort == "" {
		d.Sort = "new"
	}
	if len(topics) > TopicsPerPage {
		d.Topics = topics[:TopicsPerPage]
		vals := url.Values{"before": {strconv.FormatInt(d.Topics[TopicsPerPage-1].ID, 10)}}
		if sort != "" {
			vals.Set("sort", sort)
		}
		d.Older = v.URL(link("f", c.ID, c.Name)) + "?" + vals.Encode()
	}
	v.Canonical = strings.SplitN(v.Canonical, "?", 2)[0]
	if before > 0 || sort != "" {
		v.NoIndex = true
	}
	v.Title, v.D = c.Name, d
	v.Desc = c.Name + " · " + v.Site.Org.Name
	h.render(w, r, http.StatusOK, "forum", v)
}

// formData is a write form with the values sent and the error to show.
type formData struct {
	Channel *gallra.Channel
	Topic   *gallra.SiteThread
	Notice  string
	Stamp   string
	Error   string
	Title   string
	Body    string
	Name    string
	Email   string
	Notify  bool // the asker's "e-mail me when answered"
	Parent  int64
	Sent    string
	After   int64
}

func (h *Handler) ask(w http.ResponseWriter, r *http.Request, v *view, id int64) {
	c := v.Site.Channel(id)
	if c == nil || c.Module != gallra.ModuleForum {
		h.fail(w, r, v, gallra.Errorf(gallra.ENOTFOUND, "no forum"))
		return
	}
	notice, err := h.cfg.Service.Notice(r.Context(), v.Site, c.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &formData{Channel: c, Notice: notice, Stamp: h.formStamp(v.Site.Org.ID)}
	v.Title, v.D, v.NoIndex = v.L.T("ask")+" · "+c.Name, d, true
	if r.Method == http.MethodGet {
		h.render(w, r, http.StatusOK, "ask", v)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxForm)
	if err := r.ParseForm(); err != nil {
		d.Error = v.L.formError(gallra.Errorf(gallra.EINVALID, "body is longer than %d characters", gallra.MaxPublicPostLen))
		h.render(w, r, http.StatusRequestEntityTooLarge, "ask", v)
		return
	}
	d.Title, d.Body, d.Name, d.Email = r.PostFormValue("title"), r.PostFormValue("body"), r.PostFormValue("name"), r.PostFormValue("email")
	d.Notify = r.PostFormValue("notify") == "1"
	written, err := h.write(r, v, gallra.SiteWrite{ChannelID: c.ID, Title: d.Title, Body: d.Body, Notify: d.Notify})
	if err != nil {
		d.Error = v.L.formError(err)
		h.render(w, r, statusOf(err), "ask", v)
		return
	}
	h.afterWrite(w, r, v, written)
}

// MaxForm bounds a posted form: room for MaxPublicPostLen characters of up
// to four bytes, each percent-encoded, with the other fields.
const MaxForm = 256 << 10

// write fills in what every write carries (author, honeypot, elapsed time,
// IP address) and calls the service.
func (h *Handler) write(r *http.Request, v *view, in gallra.SiteWrite) (*gallra.SiteWritten, error) {
	ip, err := h.allowWrite(r)
	if err != nil {
		return nil, err
	}
	elapsed, err := h.elapsed(v.Site.Org.ID, r.PostFormValue("ts"))
	if err != nil {
		return nil, err
	}
	in.Author = gallra.Author{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), IP: ip}
	in.Honeypot, in.Elapsed = r.PostFormValue("website"), elapsed
	return h.cfg.Service.Write(r.Context(), v.Site, in)
}

func statusOf(err error) int {
	switch gallra.ErrorCode(err) {
	case gallra.ERATELIMIT:
		return http.StatusTooManyRequests
	case gallra.ENOTFOUND:
		return http.StatusNotFound
	case gallra.EINVALID, gallra.EUNPROCESS:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// afterWrite sends the writer to the topic (POST-redirect-GET), saying
// whether the post waits for moderation.
func (h *Handler) afterWrite(w http.ResponseWriter, r *http.Request, v *view, wr *gallra.SiteWritten) {
	sent := "ok"
	if wr.Pending {
		sent = "pending"
	}
	target := v.URL(fmt.Sprintf("/t/%d", wr.TopicID)) + "?sent=" + sent
	if wr.Pending && wr.PostID > 0 {
		// A pending new topic is not shown yet: back to its forum.
		if th, err := h.cfg.Service.Thread(r.Context(), v.Site, wr.TopicID, 0, 1); err != nil || th.Topic.Status != gallra.StatusVisible {
			target = v.URL("/") + "?sent=pending"
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// PostsPerPage is how many posts a topic page shows.
const PostsPerPage = 20

func (h *Handler) topic(w http.ResponseWriter, r *http.Request, v *view, id int64, form *formData) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	th, err := h.cfg.Service.Thread(r.Context(), v.Site, id, after, PostsPerPage)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if th.Gone {
		h.gone(w, r, v)
		return
	}
	notice, err := h.cfg.Service.Notice(r.Context(), v.Site, th.Topic.ChannelID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	status := http.StatusOK
	if form == nil {
		form = &formData{Sent: r.URL.Query().Get("sent")}
	} else {
		status = statusOfForm(form)
	}
	form.Topic, form.Notice, form.Stamp, form.After = th, notice, h.formStamp(v.Site.Org.ID), after
	form.Channel = v.Site.Channel(th.Topic.ChannelID)
	v.Title, v.D = th.Topic.Title, form
	canon := v.URL(link("t", th.Topic.ID, th.Topic.Title))
	v.Canonical = v.Canonical[:len(v.Canonical)-len(r.URL.Path)] + canon
	if after > 0 {
		v.Canonical += "?after=" + strconv.FormatInt(after, 10)
	}
	if len(th.Posts) > 0 && !th.Posts[0].Removed {
		v.Desc = excerpt(th.Posts[0].Body, 160)
	}
	v.JSONLD = jsonLD(qaPage(v, th))
	h.render(w, r, status, "topic", v)
}

// statusOfForm is the status of a re-shown form with an error.
func statusOfForm(f *formData) int {
	if f.Error != "" {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// qaPage is the schema.org QAPage of a topic: names are never published
// in it (only "Anonym"/staff labels are shown on the page anyway).
func qaPage(v *view, th *gallra.SiteThread) map[string]any {
	q := map[string]any{"@type": "Question", "name": th.Topic.Title, "answerCount": th.Topic.Posts - 1,
		"dateCreated": th.Topic.CreatedAt.Format(time.RFC3339)}
	if len(th.Posts) > 0 && !th.Posts[0].Removed {
		q["text"] = excerpt(th.Posts[0].Body, 500)
	}
	var answers []map[string]any
	for _, p := range th.Posts[min(1, len(th.Posts)):] {
		if p.Removed {
			continue
		}
		a := map[string]any{"@type": "Answer", "text": excerpt(p.Body, 500), "dateCreated": p.CreatedAt.Format(time.RFC3339),
			"url": v.Canonical + "#p" + strconv.FormatInt(p.ID, 10)}
		if th.Topic.AnsweredPostID != nil && *th.Topic.AnsweredPostID == p.ID {
			q["acceptedAnswer"] = a
		} else {
			answers = append(answers, a)
		}
	}
	if len(answers) > 0 {
		q["suggestedAnswer"] = answers
	}
	return map[string]any{"@context": "https://schema.org", "@type": "QAPage", "mainEntity": q}
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, v *view, id int64) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxForm)
	form := &formData{}
	if err := r.ParseForm(); err != nil {
		form.Error = v.L.formError(gallra.Errorf(gallra.EINVALID, "body is longer than %d characters", gallra.MaxPublicPostLen))
		h.topic(w, r, v, id, form)
		return
	}
	form.Body, form.Name, form.Email = r.PostFormValue("body"), r.PostFormValue("name"), r.PostFormValue("email")
	in := gallra.SiteWrite{TopicID: id, Body: form.Body}
	if p, err := strconv.ParseInt(r.PostFormValue("parent"), 10, 64); err == nil && p != 0 {
		in.ParentID, form.Parent = &p, p
	}
	written, err := h.write(r, v, in)
	if err != nil {
		if gallra.ErrorCode(err) == gallra.ENOTFOUND {
			h.fail(w, r, v, err)
			return
		}
		form.Error = v.L.formError(err)
		h.topic(w, r, v, id, form)
		return
	}
	h.afterWrite(w, r, v, written)
}

type categoryData struct {
	Channel  *gallra.Channel
	Articles []gallra.KnowledgeArticle
}

func (h *Handler) category(w http.ResponseWriter, r *http.Request, v *view, id int64) {
	c := v.Site.Channel(id)
	if c == nil || c.Module != gallra.ModuleKnowledge {
		h.fail(w, r, v, gallra.Errorf(gallra.ENOTFOUND, "no knowledge base"))
		return
	}
	arts, err := h.cfg.Service.Articles(r.Context(), v.Site, c.ID)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Title, v.D = c.Name, categoryData{Channel: c, Articles: arts}
	v.Desc = c.Name + " · " + v.Site.Org.Name
	h.render(w, r, http.StatusOK, "category", v)
}

type articleData struct {
	Article *gallra.KnowledgeArticle
	Channel *gallra.Channel
	HTML    template.HTML
}

func (h *Handler) article(w http.ResponseWriter, r *http.Request, v *view, id int64) {
	a, err := h.cfg.Service.Article(r.Context(), v.Site, id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Title = a.Title
	v.D = articleData{Article: a, Channel: v.Site.Channel(a.ChannelID), HTML: h.md.render(a.Body)}
	v.Canonical = v.Canonical[:len(v.Canonical)-len(r.URL.Path)] + v.URL(link("a", a.ID, a.Title))
	v.Desc = excerpt(a.Body, 160)
	v.JSONLD = jsonLD(map[string]any{"@context": "https://schema.org", "@type": "Article", "headline": a.Title,
		"datePublished": a.CreatedAt.Format(time.RFC3339), "dateModified": a.UpdatedAt.Format(time.RFC3339),
		"publisher": map[string]any{"@type": "Organization", "name": v.Site.Org.Name}, "mainEntityOfPage": v.Canonical})
	h.render(w, r, http.StatusOK, "article", v)
}

type searchData struct {
	Q    string
	Hits []gallra.SiteHit
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, v *view) {
	q := r.URL.Query().Get("q")
	d := searchData{Q: q}
	if strings.TrimSpace(q) != "" {
		hits, err := h.cfg.Service.Search(r.Context(), v.Site, q, 20)
		if err != nil {
			if gallra.ErrorCode(err) != gallra.EINVALID {
				h.fail(w, r, v, err)
				return
			}
			d.Q = ""
		}
		d.Hits = hits
	}
	v.Title, v.D, v.NoIndex = v.L.T("search"), d, true
	h.render(w, r, http.StatusOK, "search", v)
}

type privacyData struct {
	Notices []channelNotice
	Stamp   string
	Error   string
	Sent    bool
	Kind    string
	Name    string
	Email   string
	Message string
}

type channelNotice struct {
	Channel gallra.Channel
	Notice  string
}

func (h *Handler) privacy(w http.ResponseWriter, r *http.Request, v *view) {
	d := &privacyData{Stamp: h.formStamp(v.Site.Org.ID), Sent: r.URL.Query().Get("sent") == "1", Kind: "export"}
	for _, c := range v.Site.Channels {
		if c.Module != gallra.ModuleForum {
			continue
		}
		n, err := h.cfg.Service.Notice(r.Context(), v.Site, c.ID)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		d.Notices = append(d.Notices, channelNotice{Channel: c, Notice: n})
	}
	v.Title, v.D = v.L.T("privacy"), d
	if r.Method == http.MethodGet {
		h.render(w, r, http.StatusOK, "privacy", v)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		d.Error = v.L.formError(gallra.Errorf(gallra.EINVALID, "message is longer than %d characters", gallra.MaxSiteRequestMessage))
		h.render(w, r, http.StatusRequestEntityTooLarge, "privacy", v)
		return
	}
	d.Kind, d.Name, d.Email, d.Message = r.PostFormValue("kind"), r.PostFormValue("name"), r.PostFormValue("email"), r.PostFormValue("message")
	err := func() error {
		if _, err := h.allowWrite(r); err != nil {
			return err
		}
		elapsed, err := h.elapsed(v.Site.Org.ID, r.PostFormValue("ts"))
		if err != nil {
			return err
		}
		_, err = h.cfg.Service.Request(r.Context(), v.Site, gallra.SiteRequest{Kind: gallra.RequestKind(d.Kind), Name: d.Name, Email: d.Email, Message: d.Message},
			r.PostFormValue("website"), elapsed)
		return err
	}()
	if err != nil {
		if gallra.ErrorCode(err) == gallra.EINVALID && strings.HasPrefix(gallra.ErrorMessage(err), "kind") {
			d.Kind = "export"
		}
		d.Error = v.L.formError(err)
		h.render(w, r, statusOf(err), "privacy", v)
		return
	}
	http.Redirect(w, r, v.URL("/privacy")+"?sent=1", http.StatusSeeOther)
}

type urlset struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []smURL  `xml:"url"`
}

type smURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// SitemapTopics bounds the topics listed in sitemap.xml (the protocol's
// limit is 50,000 URLs per file).
const SitemapTopics = 40_000

func (h *Handler) sitemap(w http.ResponseWriter, r *http.Request, v *view, root string) {
	set := urlset{URLs: []smURL{{Loc: root + "/"}, {Loc: root + "/privacy"}}}
	for _, c := range v.Site.Channels {
		kind := "f"
		if c.Module == gallra.ModuleKnowledge {
			kind = "kb"
			arts, err := h.cfg.Service.Articles(r.Context(), v.Site, c.ID)
			if err != nil {
				h.fail(w, r, v, err)
				return
			}
			for _, a := range arts {
				set.URLs = append(set.URLs, smURL{Loc: root + link("a", a.ID, a.Title), LastMod: a.UpdatedAt.Format("2006-01-02")})
			}
		}
		set.URLs = append(set.URLs, smURL{Loc: root + link(kind, c.ID, c.Name)})
	}
	topics, err := h.cfg.Service.SitemapTopics(r.Context(), v.Site, SitemapTopics)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	for _, t := range topics {
		set.URLs = append(set.URLs, smURL{Loc: root + link("t", t.ID, t.Title), LastMod: t.LastActivityAt.Format("2006-01-02")})
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	if err := enc.Encode(set); err != nil {
		h.log.Warn("site: sitemap", "err", err)
	}
}

// TopicPath is a topic's canonical path under its site's base: the link
// answer notifications carry (service.NotifyConfig.TopicPath).
func TopicPath(id int64, title string) string { return link("t", id, title) }
