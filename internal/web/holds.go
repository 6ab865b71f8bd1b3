package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

type holdRow struct {
	store.Hold
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
	holds, err := h.db.ListHolds(ctx, v.Org.ID)
	if err != nil {
		return nil, err
	}
	for _, hd := range holds {
		if hd.ChannelID == c.ID {
			ch.Held = append(ch.Held, holdRow{Hold: hd, ChannelName: c.Name, Mine: true})
		}
	}
	pg := store.Page{Limit: holdItemsShown}
	switch c.Module {
	case gallra.ModuleForum:
		list, err := h.db.ListTopics(ctx, v.Org.ID, c.ID, pg)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			ch.Items = append(ch.Items, holdItem{ID: t.ID, Title: t.Title, When: t.LastActivityAt, Held: t.Hold != nil})
		}
	case gallra.ModuleMail:
		list, err := h.db.ListMailConversations(ctx, v.Org.ID, c.ID, pg)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			ch.Items = append(ch.Items, holdItem{ID: m.ID, Title: m.Subject, When: m.LastMessageAt, Held: m.Hold != nil})
		}
	case gallra.ModuleChat:
		list, err := h.db.ListChats(ctx, v.Org.ID, c.ID, "", pg)
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
// a reason. The store audits it (retention.hold_set).
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
		chID, held, err := h.holdSubject(r, v, st, id)
		switch {
		case gallra.ErrorCode(err) == gallra.ENOTFOUND || (err == nil && chID != c.ID):
			fe = fieldError{Field: "subject_id", Msg: l.T("hold.err.notfound", l.T("subject."+string(st)), id, c.Name)}
		case err != nil:
			return err
		case held:
			fe = fieldError{Field: "subject_id", Msg: l.T("hold.err.held", l.T("subject."+string(st)), id)}
			status = http.StatusConflict
		default:
			_, err := h.db.SetHold(r.Context(), v.actor(), v.Org.ID, st, id, f.Reason)
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

// holdSubject returns the channel of a topic or conversation and whether it
// is on hold already.
func (h *Handler) holdSubject(r *http.Request, v *viewer, st gallra.SubjectType, id int64) (int64, bool, error) {
	ctx := r.Context()
	switch st {
	case gallra.SubjectForumTopic:
		t, err := h.db.GetTopic(ctx, v.Org.ID, id)
		if err != nil {
			return 0, false, err
		}
		return t.ChannelID, t.Hold != nil, nil
	case gallra.SubjectMailConversation:
		m, err := h.db.GetMailConversation(ctx, v.Org.ID, id)
		if err != nil {
			return 0, false, err
		}
		return m.ChannelID, m.Hold != nil, nil
	case gallra.SubjectChatConversation:
		m, err := h.db.GetChat(ctx, v.Org.ID, id)
		if err != nil {
			return 0, false, err
		}
		return m.ChannelID, m.Hold != nil, nil
	}
	return 0, false, gallra.Errorf(gallra.EINVALID, "unknown subject type %q", st)
}

func (h *Handler) releaseHold(w http.ResponseWriter, r *http.Request, v *viewer) error {
	st := gallra.SubjectType(r.PathValue("type"))
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	holds, err := h.db.ListHolds(r.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	found := false
	for _, hd := range holds {
		if hd.SubjectType == st && hd.SubjectID == id {
			if !v.Staff.CanActOn(hd.ChannelID) {
				return gallra.Errorf(gallra.EFORBIDDEN, "you are not an editor of channel %d", hd.ChannelID)
			}
			found = true
		}
	}
	if !found {
		return gallra.Errorf(gallra.ENOTFOUND, "%s %d is not on hold", st, id)
	}
	if err := h.db.ReleaseHold(r.Context(), v.actor(), v.Org.ID, st, id); err != nil {
		return err
	}
	// From a channel's page, back to it; otherwise to the settings list.
	if back := r.PostFormValue("back"); strings.HasPrefix(back, "/settings/channels/") && safeNext(back) == back {
		return redirect(w, r, back+"?ok=hold_released#holds")
	}
	return redirect(w, r, "/settings?ok=hold_released")
}
