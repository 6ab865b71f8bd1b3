package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/httpstatus"
)

// holdRow is a legal hold as the settings pages list it.
type holdRow struct {
	gallra.Hold
	ChannelName string
	Mine        bool
}

// holdItemsShown is how many of a channel's latest topics or conversations
// the hold section lists.
const holdItemsShown = 8

// channelHolds is the legal-hold section of a channel's settings page.
type channelHolds struct {
	Type  gallra.SubjectType
	Held  []holdRow
	Items []holdItem // the latest topics or conversations, newest first
	Form  holdForm
	Err   fieldError
}

// holdItem is one topic or conversation offered for a hold. Title is the
// topic title or mail subject (empty for chats, whose only name is the
// participant's).
type holdItem struct {
	ID    int64
	Title string
	When  time.Time
	Held  bool
}

type holdForm struct {
	ID     string
	Reason string
}

// subjectTypeOf is what a legal hold in a channel of module m is placed on.
func subjectTypeOf(m gallra.Module) gallra.SubjectType {
	switch m {
	case gallra.ModuleForum:
		return gallra.SubjectForumTopic
	case gallra.ModuleMail:
		return gallra.SubjectMailConversation
	case gallra.ModuleChat:
		return gallra.SubjectChatConversation
	}
	return ""
}

// loadChannelHolds lists the channel's holds and its latest items.
func (h *Handler) loadChannelHolds(r *http.Request, v *viewer, c *gallra.Channel) (*channelHolds, error) {
	ctx := r.Context()
	ch := &channelHolds{Type: subjectTypeOf(c.Module)}
	holds, err := h.svc.Holds.Holds(ctx, v.Staff, c.ID)
	if err != nil {
		return nil, err
	}
	for _, hd := range holds {
		ch.Held = append(ch.Held, holdRow{Hold: hd, ChannelName: c.Name, Mine: true})
	}
	pg := gallra.Page{Limit: holdItemsShown}
	switch c.Module {
	case gallra.ModuleForum:
		list, err := h.svc.Forum.ListTopics(ctx, v.Staff, c.ID, pg)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			ch.Items = append(ch.Items, holdItem{ID: t.ID, Title: t.Title, When: t.LastActivityAt, Held: t.Hold != nil})
		}
	case gallra.ModuleMail:
		list, err := h.svc.Mail.ListConversations(ctx, v.Staff, c.ID, pg)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			ch.Items = append(ch.Items, holdItem{ID: m.ID, Title: m.Subject, When: m.LastMessageAt, Held: m.Hold != nil})
		}
	case gallra.ModuleChat:
		list, err := h.svc.Chat.ListChats(ctx, v.Staff, c.ID, "", pg)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			ch.Items = append(ch.Items, holdItem{ID: m.ID, When: m.LastMessageAt, Held: m.Hold != nil})
		}
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("hold"), 10, 64); err == nil && id > 0 {
		ch.Form.ID = strconv.FormatInt(id, 10)
	}
	return ch, nil
}

// placeHold puts a topic or conversation of the channel on legal hold with
// a reason, through the HoldService (which decides who may, and audits it as
// retention.hold_set). A subject that is not in this channel is a form
// error, as if it did not exist.
func (h *Handler) placeHold(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.retention == nil {
		return errNoRetention
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	c, err := h.channelFor(r, v)
	if err != nil {
		return err
	}
	st := subjectTypeOf(c.Module)
	if st == "" {
		return gallra.Errorf(gallra.EUNPROCESS, "%s channels hold nothing that can be put on hold", c.Module)
	}
	l := catalogs[language(r, v)]
	f := holdForm{ID: strings.TrimSpace(r.PostFormValue("subject_id")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	id, perr := strconv.ParseInt(strings.TrimPrefix(f.ID, "#"), 10, 64)
	var fe fieldError
	status := http.StatusUnprocessableEntity
	switch {
	case perr != nil || id <= 0:
		fe = fieldError{Field: "subject_id", Msg: l.T("hold.err.id")}
	case f.Reason == "":
		fe = fieldError{Field: "reason", Msg: l.T("hold.err.reason")}
	default:
		sub, err := h.svc.Holds.HoldSubject(r.Context(), v.Staff, st, id)
		switch code := gallra.ErrorCode(err); {
		case code == gallra.ENOTFOUND || (code == gallra.EFORBIDDEN && !refusedOn(err, c.ID)) || (err == nil && sub.ChannelID != c.ID):
			// Not in this channel: whether it exists elsewhere is not
			// this page's business.
			fe = fieldError{Field: "subject_id", Msg: l.T("hold.err.notfound", l.T("subject."+string(st)), id, c.Name)}
		case err != nil:
			return err
		case sub.Hold != nil:
			fe = fieldError{Field: "subject_id", Msg: l.T("hold.err.held", l.T("subject."+string(st)), id)}
			status = http.StatusConflict
		default:
			_, err := h.svc.Holds.PlaceHold(r.Context(), v.Staff, st, id, f.Reason)
			if err == nil {
				h.log.Info("web: legal hold placed", "org_id", v.Org.ID, "channel_id", c.ID, "subject_type", string(st), "subject_id", id, "staff_id", v.Staff.ID)
				return redirect(w, r, "/settings/channels/"+strconv.FormatInt(c.ID, 10)+"?ok=hold_set#holds")
			}
			if gallra.ErrorCode(err) != gallra.EINVALID {
				return err
			}
			fe = fieldError{Field: "reason", Msg: gallra.ErrorMessage(err)}
		}
	}
	d, err := h.channelPolicyData(r, v, nil)
	if err != nil {
		return err
	}
	if d.Holds != nil {
		d.Holds.Form, d.Holds.Err = f, fe
	}
	h.render(w, r, v, status, "policy_form", d)
	return nil
}

// refusedOn reports whether err is a refusal that names the channel.
func refusedOn(err error, channelID int64) bool {
	var ge *gallra.Error
	if !errors.As(err, &ge) {
		return false
	}
	id, ok := ge.Details["channel_id"].(int64)
	return ok && id == channelID
}

// releaseHold releases a legal hold through the HoldService.
func (h *Handler) releaseHold(w http.ResponseWriter, r *http.Request, v *viewer) error {
	st := gallra.SubjectType(r.PathValue("type"))
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Holds.ReleaseHoldWithReason(r.Context(), v.Staff, st, id, r.PostFormValue("reason")); err != nil {
		return h.holdFailed(w, r, v, err)
	}
	// From a channel's page, back to it; otherwise to the settings list.
	if back := r.PostFormValue("back"); strings.HasPrefix(back, "/settings/channels/") && safeNext(back) == back {
		return redirect(w, r, back+"?ok=hold_released#holds")
	}
	return redirect(w, r, "/settings?ok=hold_released")
}

// holdRefusal is the message key of a refused hold release the UI words
// itself (sv/en), or "".
func holdRefusal(err error) string {
	switch gallra.ErrorDetails(err)["reason"] {
	case gallra.ReasonHoldNotYours:
		return "hold.release.admin_only"
	case gallra.ReasonHoldNeedsReason:
		return "hold.release.reason_missing"
	case gallra.ReasonHoldNotHeld:
		return "hold.release.not_held"
	}
	return ""
}

// holdFailed shows a refused hold release in the viewer's language, or
// returns other errors as they are.
func (h *Handler) holdFailed(w http.ResponseWriter, r *http.Request, v *viewer, err error) error {
	k := holdRefusal(err)
	if k == "" {
		return err
	}
	code := gallra.ErrorCode(err)
	h.render(w, r, v, httpstatus.Code(code), "error", map[string]any{"Code": code, "Message": catalogs[language(r, v)].T(k), "Status": httpstatus.Code(code)})
	return nil
}
