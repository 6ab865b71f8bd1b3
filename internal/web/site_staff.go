package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// SiteStaff is the staff side of the public site (service.Site): settings,
// answers, moderation and the requests sent from the privacy page. The
// service decides who may do what and audits it.
type SiteStaff interface {
	Settings(ctx context.Context, staff *gallra.Staff) (*gallra.SiteSettings, error)
	SaveSettings(ctx context.Context, staff *gallra.Staff, in gallra.SiteSettings) (*gallra.SiteSettings, error)
	StaffTopics(ctx context.Context, staff *gallra.Staff, channelID int64, sort gallra.TopicSort, limit int) ([]gallra.SiteTopic, error)
	StaffThread(ctx context.Context, staff *gallra.Staff, topicID, afterID int64) (*gallra.SiteThread, error)
	Answer(ctx context.Context, staff *gallra.Staff, topicID int64, body string, markAnswered bool) (*gallra.SiteWritten, error)
	MarkAnswered(ctx context.Context, staff *gallra.Staff, topicID, postID int64) error
	SetPostStatus(ctx context.Context, staff *gallra.Staff, postID int64, status string) error
	MoveTopic(ctx context.Context, staff *gallra.Staff, topicID, channelID int64) error
	Queue(ctx context.Context, staff *gallra.Staff, status string) ([]gallra.ModerationItem, error)
	Requests(ctx context.Context, staff *gallra.Staff) ([]gallra.SiteRequest, error)
	ResolveRequest(ctx context.Context, staff *gallra.Staff, id int64, outcome string) error
}

func (h *Handler) siteRoutes(mux *http.ServeMux) {
	if h.site == nil {
		return
	}
	mux.Handle("GET /site", h.auth(h.sitePage))
	mux.Handle("POST /site/settings", h.permitted(gallra.PermManageOrganisation, h.siteSettingsSave))
	mux.Handle("GET /site/topics/{id}", h.auth(h.siteTopic))
	mux.Handle("POST /site/topics/{id}/answer", h.auth(h.siteAnswer))
	mux.Handle("POST /site/topics/{id}/answered", h.auth(h.siteMarkAnswered))
	mux.Handle("POST /site/topics/{id}/move", h.auth(h.siteMove))
	mux.Handle("POST /site/posts/{id}/status", h.auth(h.sitePostStatus))
	mux.Handle("POST /site/posts/{id}/edit", h.auth(h.sitePostEdit))
	mux.Handle("POST /site/requests/{id}", h.permitted(gallra.PermPersonData, h.siteRequestResolve))
	h.kbRoutes(mux)
}

type siteForum struct {
	Channel gallra.Channel
	Topics  []gallra.SiteTopic
}

type sitePageData struct {
	Settings  *gallra.SiteSettings
	Err       string
	Pending   []gallra.ModerationItem
	Hidden    []gallra.ModerationItem
	Requests  []gallra.SiteRequest
	Forums    []siteForum
	PublicURL string
}

// sitePage is the staff's public-site page: the questions to answer per
// forum, the moderation queue, hidden posts, and for admins the site's
// settings and the requests sent from the privacy page.
func (h *Handler) sitePage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.renderSite(w, r, v, http.StatusOK, nil, "")
}

func (h *Handler) renderSite(w http.ResponseWriter, r *http.Request, v *viewer, status int, form *gallra.SiteSettings, msg string) error {
	ctx := r.Context()
	d := sitePageData{Err: msg}
	var err error
	if v.IsAdmin() {
		if d.Settings, err = h.site.Settings(ctx, v.Staff); err != nil {
			return err
		}
		if form != nil {
			d.Settings = form
		}
		if d.Requests, err = h.site.Requests(ctx, v.Staff); err != nil {
			return err
		}
		if d.Settings.Slug != "" {
			d.PublicURL = "/p/" + d.Settings.Slug + "/"
		}
	}
	if d.Pending, err = h.site.Queue(ctx, v.Staff, gallra.StatusPending); err != nil {
		return err
	}
	if d.Hidden, err = h.site.Queue(ctx, v.Staff, gallra.StatusHidden); err != nil {
		return err
	}
	channels, err := h.svc.Channels.ListChannels(ctx, v.Staff, gallra.ModuleForum, gallra.PermViewChannel)
	if err != nil {
		return err
	}
	for _, c := range channels {
		if !v.Staff.Allowed(gallra.PermViewChannel, c.ID) {
			continue
		}
		topics, err := h.site.StaffTopics(ctx, v.Staff, c.ID, gallra.SortUnanswered, 20)
		if err != nil {
			return err
		}
		d.Forums = append(d.Forums, siteForum{Channel: c, Topics: topics})
	}
	h.render(w, r, v, status, "site", d)
	return nil
}

func (h *Handler) siteSettingsSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	in := gallra.SiteSettings{Slug: r.PostFormValue("slug"), Host: r.PostFormValue("host"),
		IPStorage: gallra.IPStorage(r.PostFormValue("ip_storage")), ModerateFirst: r.PostFormValue("moderate_first") == "on"}
	if _, err := h.site.SaveSettings(r.Context(), v.Staff, in); err != nil {
		switch gallra.ErrorCode(err) {
		case gallra.EINVALID, gallra.ECONFLICT:
			return h.renderSite(w, r, v, http.StatusUnprocessableEntity, &in, h.siteErr(r, v, err))
		}
		return err
	}
	return redirect(w, r, "/site?ok=site_saved")
}

// siteErr says what is wrong with the settings in the page's language.
func (h *Handler) siteErr(r *http.Request, v *viewer, err error) string {
	l := catalogs[language(r, v)]
	msg := gallra.ErrorMessage(err)
	switch {
	case gallra.ErrorCode(err) == gallra.ECONFLICT:
		return l.T("site.err.taken")
	case strings.HasPrefix(msg, "slug"):
		return l.T("site.err.slug")
	case strings.HasPrefix(msg, "host"):
		return l.T("site.err.host")
	}
	return l.T("site.err.ip")
}

type siteTopicData struct {
	Thread *gallra.SiteThread
	Forums []gallra.Channel
	Public string
	Err    string
	Body   string
	// AnsweredID is the post that answers the topic (0: none).
	AnsweredID int64
}

func (h *Handler) siteTopic(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.renderSiteTopic(w, r, v, http.StatusOK, "", "")
}

func (h *Handler) renderSiteTopic(w http.ResponseWriter, r *http.Request, v *viewer, status int, msg, body string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	th, err := h.site.StaffThread(r.Context(), v.Staff, id, after)
	if err != nil {
		return err
	}
	channels, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, gallra.ModuleForum, gallra.PermWorkChannel)
	if err != nil {
		return err
	}
	d := siteTopicData{Thread: th, Err: msg, Body: body}
	if th.Topic.AnsweredPostID != nil {
		d.AnsweredID = *th.Topic.AnsweredPostID
	}
	for _, c := range channels {
		if v.Staff.Allowed(gallra.PermWorkChannel, c.ID) {
			d.Forums = append(d.Forums, c)
		}
	}
	h.render(w, r, v, status, "site_topic", d)
	return nil
}

func (h *Handler) siteForm(w http.ResponseWriter, r *http.Request) (int64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 512<<10)
	if err := r.ParseForm(); err != nil {
		return 0, gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	return pathID(r, "id")
}

func (h *Handler) siteAnswer(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	written, err := h.site.Answer(r.Context(), v.Staff, id, body, r.PostFormValue("mark") == "on")
	if err != nil {
		if gallra.ErrorCode(err) == gallra.EINVALID {
			return h.renderSiteTopic(w, r, v, http.StatusUnprocessableEntity, catalogs[language(r, v)].T("site.err.body"), body)
		}
		return err
	}
	ok := "site_answered"
	if written.Notified {
		ok = "site_answered_notified"
	}
	return redirect(w, r, "/site/topics/"+strconv.FormatInt(id, 10)+"?ok="+ok)
}

func (h *Handler) siteMarkAnswered(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	post, _ := strconv.ParseInt(r.PostFormValue("post_id"), 10, 64)
	if err := h.site.MarkAnswered(r.Context(), v.Staff, id, post); err != nil {
		return err
	}
	return redirect(w, r, "/site/topics/"+strconv.FormatInt(id, 10)+"?ok=site_marked")
}

func (h *Handler) siteMove(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	to, _ := strconv.ParseInt(r.PostFormValue("channel_id"), 10, 64)
	if err := h.site.MoveTopic(r.Context(), v.Staff, id, to); err != nil {
		return err
	}
	return redirect(w, r, "/site/topics/"+strconv.FormatInt(id, 10)+"?ok=site_moved")
}

func (h *Handler) sitePostStatus(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	status := r.PostFormValue("status")
	if err := h.site.SetPostStatus(r.Context(), v.Staff, id, status); err != nil {
		return err
	}
	back := safeNext(r.PostFormValue("back"))
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	return redirect(w, r, back+sep+"ok=site_"+status)
}

func (h *Handler) sitePostEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	p, err := h.svc.Forum.EditPost(r.Context(), v.Staff, id, r.PostFormValue("body"))
	if err != nil {
		return err
	}
	return redirect(w, r, "/site/topics/"+strconv.FormatInt(p.TopicID, 10)+"?ok=site_edited")
}

func (h *Handler) siteRequestResolve(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := h.siteForm(w, r)
	if err != nil {
		return err
	}
	outcome := r.PostFormValue("outcome")
	if err := h.site.ResolveRequest(r.Context(), v.Staff, id, outcome); err != nil {
		return err
	}
	return redirect(w, r, "/site?ok=site_request_"+outcome)
}
