package web

import (
	"fmt"
	"net/http"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/takeout"
)

// requestPreviewData is the preview page of a request: what it would reach
// per channel and what an erasure would leave, with the form that confirms
// it (the same fields, hidden, and the preview's fingerprint).
type requestPreviewData struct {
	P    *takeout.Preview
	Form requestForm
	// Error is the message of a refused confirmation (not ticked, or the
	// numbers changed since the preview: then P holds the fresh ones).
	Error string
	Stale bool
}

// requestPreview shows the preview of in (the first of the two steps of a
// request; also the answer to a refused confirmation, with reason).
func (h *Handler) requestPreview(w http.ResponseWriter, r *http.Request, v *viewer, f requestForm, in takeout.NewRequest, reason string, status int) error {
	p, err := h.requests.Preview(r.Context(), v.Staff, in)
	if err != nil {
		return err
	}
	return h.renderPreview(w, r, v, f, in, p, reason, status)
}

// renderPreview renders the preview page of p.
func (h *Handler) renderPreview(w http.ResponseWriter, r *http.Request, v *viewer, f requestForm, in takeout.NewRequest, p *takeout.Preview, reason string, status int) error {
	d := &requestPreviewData{P: p, Form: f, Stale: reason == takeout.ReasonPreviewStale}
	if reason != "" {
		d.Error = catalogs[language(r, v)].T("rqerr." + reason)
	}
	if in.Kind != gallra.RequestErase {
		d.Form.ForumAction = ""
	}
	h.render(w, r, v, status, "request_preview", d)
	return nil
}

// heldLink is where staff see a held topic or conversation.
func heldLink(st gallra.SubjectType, id int64) string {
	switch st {
	case gallra.SubjectForumTopic:
		return fmt.Sprintf("/site/topics/%d", id)
	case gallra.SubjectMailConversation:
		return fmt.Sprintf("/workspace/mail/%d", id)
	case gallra.SubjectChatConversation:
		return fmt.Sprintf("/workspace/chats/%d", id)
	}
	return ""
}

// requestFormFor shows the request form filled in with f (kind and
// address), the modules preselected as on the request list.
func (h *Handler) requestFormFor(w http.ResponseWriter, r *http.Request, v *viewer, f requestForm) error {
	if f.Kind != string(gallra.RequestErase) {
		f.Kind = string(gallra.RequestExport)
	}
	f.ForumAction, f.Attest, f.Modules = takeout.ForumDelete, false, nil
	chs, err := h.visibleChannels(r, v)
	if err != nil {
		return err
	}
	for _, m := range takeout.RequestModules() {
		for _, c := range chs {
			if c.Module == m {
				f.Modules = append(f.Modules, string(m))
				break
			}
		}
	}
	d, err := h.requestsPage(r, v, f)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "requests", d)
	return nil
}
