package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// Knowledge-base articles in the staff UI: staff who may work in a
// knowledge channel write, edit and delete its articles (Markdown, shown
// on the public site). The knowledge service authorizes and audits.

type kbChannel struct {
	Channel  gallra.Channel
	Articles []gallra.KnowledgeArticle
}

type kbData struct {
	Channels []kbChannel
	Article  *gallra.KnowledgeArticle // the article edited, nil for the list
	Err      string
	Title    string
	Body     string
	Channel  int64
}

func (h *Handler) kbRoutes(mux *http.ServeMux) {
	mux.Handle("GET /site/kb", h.auth(h.kbList))
	mux.Handle("POST /site/kb", h.auth(h.kbCreate))
	mux.Handle("GET /site/kb/{id}", h.auth(h.kbEdit))
	mux.Handle("POST /site/kb/{id}", h.auth(h.kbUpdate))
	mux.Handle("POST /site/kb/{id}/delete", h.auth(h.kbDelete))
}

func (h *Handler) kbRender(w http.ResponseWriter, r *http.Request, v *viewer, status int, d kbData) error {
	channels, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, gallra.ModuleKnowledge, gallra.PermWorkChannel)
	if err != nil {
		return err
	}
	if d.Article == nil {
		for _, c := range channels {
			arts, err := h.svc.Knowledge.ListArticles(r.Context(), v.Staff, c.ID, gallra.Page{Limit: 200})
			if err != nil {
				return err
			}
			d.Channels = append(d.Channels, kbChannel{Channel: c, Articles: arts})
		}
	}
	h.render(w, r, v, status, "site_kb", d)
	return nil
}

func (h *Handler) kbList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return h.kbRender(w, r, v, http.StatusOK, kbData{})
}

func (h *Handler) kbForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.ETOOLARGE, "the article is too large")
	}
	return nil
}

// kbErr says what is wrong with an article in the page's language.
func kbErr(r *http.Request, v *viewer, err error) string {
	l := catalogs[language(r, v)]
	if strings.HasPrefix(gallra.ErrorMessage(err), "title") {
		return l.T("kb.err.title")
	}
	return l.T("kb.err.body")
}

func (h *Handler) kbCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := h.kbForm(w, r); err != nil {
		return err
	}
	ch, _ := strconv.ParseInt(r.PostFormValue("channel_id"), 10, 64)
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	a, err := h.svc.Knowledge.CreateArticle(r.Context(), v.Staff, ch, title, body)
	if err != nil {
		if gallra.ErrorCode(err) == gallra.EINVALID {
			return h.kbRender(w, r, v, http.StatusUnprocessableEntity, kbData{Err: kbErr(r, v, err), Title: title, Body: body, Channel: ch})
		}
		return err
	}
	return redirect(w, r, "/site/kb/"+strconv.FormatInt(a.ID, 10)+"?ok=kb_saved")
}

func (h *Handler) kbEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.svc.Knowledge.Article(r.Context(), v.Staff, id)
	if err != nil {
		return err
	}
	return h.kbRender(w, r, v, http.StatusOK, kbData{Article: a, Title: a.Title, Body: a.Body})
}

func (h *Handler) kbUpdate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := h.kbForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	if _, err := h.svc.Knowledge.UpdateArticle(r.Context(), v.Staff, id, title, body); err != nil {
		if gallra.ErrorCode(err) == gallra.EINVALID {
			a, aerr := h.svc.Knowledge.Article(r.Context(), v.Staff, id)
			if aerr != nil {
				return aerr
			}
			return h.kbRender(w, r, v, http.StatusUnprocessableEntity, kbData{Article: a, Err: kbErr(r, v, err), Title: title, Body: body})
		}
		return err
	}
	return redirect(w, r, "/site/kb/"+strconv.FormatInt(id, 10)+"?ok=kb_saved")
}

func (h *Handler) kbDelete(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := h.kbForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Knowledge.DeleteArticle(r.Context(), v.Staff, id); err != nil {
		return err
	}
	return redirect(w, r, "/site/kb?ok=kb_deleted")
}
