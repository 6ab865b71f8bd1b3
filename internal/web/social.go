package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// socialData is a social channel's page: its connection to the platform
// (the form for administrators), its mirrored items with their platform
// state, and the deletions carried to the platform.
type socialData struct {
	Channel   *gallra.Channel
	Account   *gallra.SocialAccount // nil: not connected
	CanManage bool
	Form      gallra.SocialAccountSettings
	Error     string // catalogue key of a refusal
	Detail    string // the service's words (no personal data)
	Items     []gallra.SocialItem
	Deletions []gallra.SocialDeletionState
}

func (h *Handler) socialRoutes(mux *http.ServeMux) {
	mux.Handle("GET /workspace/social/{id}", h.auth(h.socialPage))
	mux.Handle("POST /workspace/social/{id}/items/{item}/reply", h.auth(h.socialReply))
	mux.Handle("POST /workspace/social/{id}/items/{item}/delete", h.auth(h.socialDelete))
	mux.Handle("POST /admin/channels/{id}/social", h.permitted(gallra.PermManageChannels, h.socialConnect))
	mux.Handle("POST /admin/channels/{id}/social/delete", h.permitted(gallra.PermManageChannels, h.socialDisconnect))
	mux.HandleFunc("GET /social/deletion/{code}", h.socialDeletionStatus)
}

func (h *Handler) socialData(r *http.Request, v *viewer) (*socialData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Channels.GetChannel(r.Context(), v.Staff, id, gallra.ModuleSocial, gallra.PermViewChannel)
	if err != nil {
		return nil, err
	}
	d := &socialData{Channel: c, CanManage: v.Staff.Allowed(gallra.PermManageChannels, c.ID)}
	a, err := h.svc.SocialConnect.Account(r.Context(), v.Staff, id)
	switch gallra.ErrorCode(err) {
	case "":
		d.Account = a
		d.Form = gallra.SocialAccountSettings{PageID: a.PageID, IGAccountID: a.IGAccountID, Enabled: &a.Enabled}
	case gallra.ENOTFOUND:
		on := true
		d.Form.Enabled = &on
	default:
		return nil, err
	}
	if d.Items, err = h.svc.Social.ListItems(r.Context(), v.Staff, id, gallra.Page{Limit: 100}); err != nil {
		return nil, err
	}
	if d.Deletions, err = h.svc.SocialConnect.Deletions(r.Context(), v.Staff, id, 50); err != nil {
		return nil, err
	}
	return d, nil
}

func (h *Handler) socialPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.socialData(r, v)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "social", d)
	return nil
}

func socialURL(id int64) string { return "/workspace/social/" + strconv.FormatInt(id, 10) }

func (h *Handler) socialConnect(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.socialData(r, v)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	on := r.PostFormValue("enabled") == "on"
	in := gallra.SocialAccountSettings{PageID: r.PostFormValue("page_id"), IGAccountID: r.PostFormValue("ig_account_id"), AccessToken: r.PostFormValue("access_token"), Enabled: &on}
	if _, err := h.svc.SocialConnect.Connect(r.Context(), v.Staff, d.Channel.ID, in); err != nil {
		code := gallra.ErrorCode(err)
		if code != gallra.EINVALID && code != gallra.EUNPROCESS && code != gallra.ECONFLICT {
			return err
		}
		in.AccessToken = ""
		d.Form, d.Error, d.Detail = in, "so.err."+code, gallra.ErrorMessage(err)
		for _, f := range []string{"page_id", "ig_account_id", "access_token"} {
			if strings.HasPrefix(d.Detail, f+" ") {
				d.Error = "so.err." + f
			}
		}
		h.render(w, r, v, http.StatusUnprocessableEntity, "social", d)
		return nil
	}
	return redirect(w, r, socialURL(d.Channel.ID)+"?ok=social_connected")
}

func (h *Handler) socialDisconnect(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.SocialConnect.Disconnect(r.Context(), v.Staff, id); err != nil {
		return err
	}
	return redirect(w, r, socialURL(id)+"?ok=social_disconnected")
}

func (h *Handler) socialReply(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, err := pathID(r, "item")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if _, err := h.svc.SocialConnect.Reply(r.Context(), v.Staff, id, item, r.PostFormValue("body")); err != nil {
		code := gallra.ErrorCode(err)
		if code != gallra.EINVALID && code != gallra.EUNPROCESS && code != gallra.EUNAVAILABLE {
			return err
		}
		d, derr := h.socialData(r, v)
		if derr != nil {
			return derr
		}
		d.Error, d.Detail = "so.err.reply."+code, gallra.ErrorMessage(err)
		h.render(w, r, v, http.StatusUnprocessableEntity, "social", d)
		return nil
	}
	return redirect(w, r, socialURL(id)+"?ok=social_replied")
}

func (h *Handler) socialDelete(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, err := pathID(r, "item")
	if err != nil {
		return err
	}
	if _, err := h.svc.SocialConnect.Delete(r.Context(), v.Staff, id, item); err != nil {
		return err
	}
	return redirect(w, r, socialURL(id)+"?ok=social_deleted")
}

// socialDeletionStatus is the public page Meta links a person to after a
// data deletion request: its state in words, no personal data.
func (h *Handler) socialDeletionStatus(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.SocialPlatform.DataDeletionStatus(r.Context(), r.PathValue("code"))
	if err != nil {
		h.render(w, r, nil, http.StatusNotFound, "social_deletion", (*gallra.SocialDeletionRequestState)(nil))
		return
	}
	h.render(w, r, nil, http.StatusOK, "social_deletion", st)
}
