package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// The staff workspace: one list of the conversations of every channel the
// viewer may view, and a conversation page to read, answer, annotate,
// assign, close or hold it. Every rule is the WorkspaceService's (and the
// MailService's and HoldService's it builds on), the same as in the API;
// these handlers translate forms to calls.

func (h *Handler) workspaceRoutes(mux *http.ServeMux) {
	mux.Handle("GET /workspace", h.auth(h.workspaceList))
	mux.Handle("GET /workspace/mail/{id}", h.auth(h.workspaceConversation))
	mux.Handle("POST /workspace/mail/{id}/reply", h.auth(h.workspaceReply))
	mux.Handle("POST /workspace/mail/{id}/note", h.auth(h.workspaceNote))
	mux.Handle("POST /workspace/mail/{id}/assign", h.auth(h.workspaceAssign))
	mux.Handle("POST /workspace/mail/{id}/status", h.auth(h.workspaceStatus))
	mux.Handle("POST /workspace/mail/{id}/hold", h.auth(h.workspaceHold))
	mux.Handle("POST /workspace/mail/{id}/release", h.auth(h.workspaceRelease))
	mux.Handle("GET /workspace/attachments/{id}", h.auth(h.workspaceAttachment))
	mux.Handle("GET /profile", h.auth(h.profileForm))
	mux.Handle("POST /profile", h.auth(h.profileSave))
}

// inboxPageSize is how many conversations the list shows at a time.
const inboxPageSize = 25

// inboxRow is a conversation as the list shows it.
type inboxRow struct {
	gallra.InboxItem
	ChannelName  string
	AssigneeName string
}

// inboxData is the workspace list page.
type inboxData struct {
	Rows     []inboxRow
	Channels []gallra.Channel
	Filter   inboxForm
	Next     string // query string of the next page, "" on the last
	Paged    bool   // this is not the first page
	Statuses []gallra.ConversationStatus
}

// inboxForm is the list's filter as submitted (GET query).
type inboxForm struct {
	Channel, Status, Assignee, Q string
}

// Query is the filter as a query string (without the cursor), for links.
func (f inboxForm) Query() string { return f.query().Encode() }

// query is the filter as query values (without the cursor).
func (f inboxForm) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"channel": f.Channel, "status": f.Status, "assignee": f.Assignee, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

var statuses = []gallra.ConversationStatus{gallra.StatusOpen, gallra.StatusWaiting, gallra.StatusClosed}

// workspaceList shows the conversations the viewer may view, filtered.
func (h *Handler) workspaceList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	qs := r.URL.Query()
	f := inboxForm{Channel: qs.Get("channel"), Status: qs.Get("status"), Assignee: qs.Get("assignee"), Q: strings.TrimSpace(qs.Get("q"))}
	filter := gallra.InboxFilter{Status: gallra.ConversationStatus(f.Status), Assignee: f.Assignee, Q: f.Q, Cursor: qs.Get("cursor"), Limit: inboxPageSize}
	if f.Channel != "" {
		id, err := strconv.ParseInt(f.Channel, 10, 64)
		if err != nil || id <= 0 {
			return gallra.Errorf(gallra.EINVALID, "channel must be a channel id")
		}
		filter.ChannelID = id
	}
	page, err := h.svc.Workspace.ListInbox(ctx, v.Staff, filter)
	if err != nil {
		return err
	}
	chs, err := h.svc.Channels.ListChannels(ctx, v.Staff, gallra.ModuleMail, gallra.PermViewChannel)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, c := range chs {
		names[c.ID] = c.Name
	}
	d := &inboxData{Channels: chs, Filter: f, Paged: filter.Cursor != "", Statuses: statuses}
	staffNames := map[int64]string{}
	for _, it := range page.Items {
		row := inboxRow{InboxItem: it, ChannelName: names[it.ChannelID]}
		if it.AssigneeID != nil {
			row.AssigneeName, err = h.staffName(r, v, staffNames, *it.AssigneeID)
			if err != nil {
				return err
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if page.Next != "" {
		q := f.query()
		q.Set("cursor", page.Next)
		d.Next = q.Encode()
	}
	h.render(w, r, v, http.StatusOK, "workspace", d)
	return nil
}

// staffName returns a colleague's display name (cached in seen for one
// page); a colleague who no longer exists shows as "#id".
func (h *Handler) staffName(r *http.Request, v *viewer, seen map[int64]string, id int64) (string, error) {
	if n, ok := seen[id]; ok {
		return n, nil
	}
	n, err := h.svc.Staff.ColleagueName(r.Context(), v.Staff, id)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		n, err = "#"+strconv.FormatInt(id, 10), nil
	}
	if err != nil {
		return "", err
	}
	seen[id] = n
	return n, nil
}

// convData is the conversation page.
type convData struct {
	Paged        bool // a later page of the thread is shown
	WC           *gallra.WorkspaceConversation
	C            *gallra.MailConversation
	ChannelName  string
	AssigneeName string
	AssigneeID   int64 // 0: nobody
	Assignees    []gallra.StaffRef
	CanWork      bool
	CanHold      bool
	Statuses     []gallra.ConversationStatus
	Reply        replyForm
	Note         string
	HoldReason   string
	Err          fieldError // Form: "reply", "note", "assign", "status", "hold"
	HasSignature bool
}

// replyForm is the reply form as submitted.
type replyForm struct {
	To, Cc, Body string
	Signature    bool
}

// convID reads the conversation id of the path ({id}).
func convID(r *http.Request) (int64, error) { return pathID(r, "id") }

// loadConversation reads a conversation for its page (recording the read,
// see WorkspaceService.Conversation) and what the page shows beside it.
func (h *Handler) loadConversation(r *http.Request, v *viewer, id int64) (*convData, error) {
	ctx := r.Context()
	var page gallra.ThreadPage
	if a := r.URL.Query().Get("after_id"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return nil, gallra.Errorf(gallra.EINVALID, "after_id must be a message id")
		}
		page.AfterID = n
	}
	wc, err := h.svc.Workspace.Conversation(ctx, v.Staff, id, page)
	if err != nil {
		return nil, err
	}
	c := wc.Conversation
	d := &convData{Paged: page.AfterID > 0, WC: wc, C: c, Statuses: statuses, CanWork: v.Staff.Allowed(gallra.PermWorkChannel, c.ChannelID), CanHold: v.Staff.Allowed(gallra.PermHold, c.ChannelID)}
	ch, err := h.svc.Channels.GetChannel(ctx, v.Staff, c.ChannelID, gallra.ModuleMail, gallra.PermViewChannel)
	if err != nil {
		return nil, err
	}
	d.ChannelName = ch.Name
	if d.Assignees, err = h.svc.Workspace.Assignees(ctx, v.Staff, gallra.SubjectMailConversation, id); err != nil {
		return nil, err
	}
	if c.AssigneeID != nil {
		d.AssigneeID = *c.AssigneeID
		if d.AssigneeName, err = h.staffName(r, v, map[int64]string{}, *c.AssigneeID); err != nil {
			return nil, err
		}
	}
	sig, err := h.svc.Workspace.Signature(ctx, v.Staff)
	if err != nil {
		return nil, err
	}
	d.HasSignature = strings.TrimSpace(sig) != ""
	d.Reply = replyForm{To: wc.ReplyTo, Signature: d.HasSignature}
	return d, nil
}

// workspaceConversation shows a conversation.
func (h *Handler) workspaceConversation(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convID(r)
	if err != nil {
		return err
	}
	d, err := h.loadConversation(r, v, id)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "workspace_conv", d)
	return nil
}

// convForm parses a conversation page's form (bounded) and its id.
func convForm(w http.ResponseWriter, r *http.Request) (int64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		return 0, gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	return convID(r)
}

// convDone redirects back to the conversation with a message.
func convDone(w http.ResponseWriter, r *http.Request, id int64, ok, anchor string) error {
	return redirect(w, r, "/workspace/mail/"+strconv.FormatInt(id, 10)+"?ok="+ok+anchor)
}

// convRefused shows the conversation again with a form's error (EINVALID
// from the service) next to the form; other errors are the error page's.
func (h *Handler) convRefused(w http.ResponseWriter, r *http.Request, v *viewer, id int64, form string, err error, keep func(*convData)) error {
	if gallra.ErrorCode(err) != gallra.EINVALID {
		return err
	}
	d, lerr := h.loadConversation(r, v, id)
	if lerr != nil {
		return lerr
	}
	d.Err = fieldError{Form: form, Msg: gallra.ErrorMessage(err)}
	if keep != nil {
		keep(d)
	}
	h.render(w, r, v, http.StatusUnprocessableEntity, "workspace_conv", d)
	return nil
}

// addresses splits a recipients field (commas, semicolons or spaces).
func addresses(s string) []string {
	var out []string
	for _, a := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		out = append(out, a)
	}
	return out
}

// workspaceReply sends a reply through WorkspaceService.Reply (which goes
// through MailService.Reply).
func (h *Handler) workspaceReply(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	f := replyForm{To: strings.TrimSpace(r.PostFormValue("to")), Cc: strings.TrimSpace(r.PostFormValue("cc")), Body: r.PostFormValue("body"), Signature: r.PostFormValue("signature") == "yes"}
	_, err = h.svc.Workspace.Reply(r.Context(), v.Staff, id, gallra.WorkspaceReply{Body: f.Body, To: addresses(f.To), Cc: addresses(f.Cc), Signature: f.Signature})
	if err != nil {
		return h.convRefused(w, r, v, id, "reply", err, func(d *convData) { d.Reply = f })
	}
	h.log.Info("web: workspace reply", "org_id", v.Org.ID, "conversation_id", id, "staff_id", v.Staff.ID)
	return convDone(w, r, id, "reply_sent", "#thread-end")
}

// workspaceNote adds an internal note.
func (h *Handler) workspaceNote(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	if _, err := h.svc.Workspace.AddNote(r.Context(), v.Staff, gallra.SubjectMailConversation, id, body); err != nil {
		return h.convRefused(w, r, v, id, "note", err, func(d *convData) { d.Note = body })
	}
	return convDone(w, r, id, "note_added", "#notes")
}

// workspaceAssign assigns the conversation ("0": nobody).
func (h *Handler) workspaceAssign(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	to, perr := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
	if perr != nil {
		err = gallra.Errorf(gallra.EINVALID, "assignee_id must be a staff id, or 0 for nobody")
	} else {
		err = h.svc.Workspace.Assign(r.Context(), v.Staff, gallra.SubjectMailConversation, id, to)
	}
	if err != nil {
		return h.convRefused(w, r, v, id, "assign", err, nil)
	}
	return convDone(w, r, id, "assigned", "")
}

// workspaceStatus sets the status (the close button posts "closed").
func (h *Handler) workspaceStatus(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	st := gallra.ConversationStatus(r.PostFormValue("status"))
	if err := h.svc.Workspace.SetStatus(r.Context(), v.Staff, gallra.SubjectMailConversation, id, st); err != nil {
		return h.convRefused(w, r, v, id, "status", err, nil)
	}
	return convDone(w, r, id, "status_"+string(st), "")
}

// workspaceHold places a legal hold through the HoldService.
func (h *Handler) workspaceHold(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	if _, err := h.svc.Workspace.Channel(r.Context(), v.Staff, gallra.SubjectMailConversation, id); err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	if _, err := h.svc.Holds.PlaceHold(r.Context(), v.Staff, gallra.SubjectMailConversation, id, reason); err != nil {
		return h.convRefused(w, r, v, id, "hold", err, func(d *convData) { d.HoldReason = reason })
	}
	h.log.Info("web: legal hold placed", "org_id", v.Org.ID, "subject_type", string(gallra.SubjectMailConversation), "subject_id", id, "staff_id", v.Staff.ID)
	return convDone(w, r, id, "hold_set", "#hold")
}

// workspaceRelease releases the conversation's legal hold.
func (h *Handler) workspaceRelease(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := convForm(w, r)
	if err != nil {
		return err
	}
	if _, err := h.svc.Workspace.Channel(r.Context(), v.Staff, gallra.SubjectMailConversation, id); err != nil {
		return err
	}
	if err := h.svc.Holds.ReleaseHoldWithReason(r.Context(), v.Staff, gallra.SubjectMailConversation, id, r.PostFormValue("reason")); err != nil {
		return h.holdFailed(w, r, v, err)
	}
	return convDone(w, r, id, "hold_released", "#hold")
}

// workspaceAttachment downloads an attachment through the MailService, as
// a file (never rendered inline: it is the customer's content).
func (h *Handler) workspaceAttachment(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.svc.Mail.Attachment(r.Context(), v.Staff, id)
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", attachmentDisposition(a.Filename))
	hd.Set("Content-Length", strconv.Itoa(len(a.Content)))
	hd.Set("Content-Security-Policy", "sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Content)
	return nil
}

// attachmentDisposition is a Content-Disposition for a download named
// name: an ASCII fallback and the UTF-8 name (RFC 6266).
func attachmentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, name)
	if fallback == "" {
		fallback = "attachment"
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// profileData is the profile page: the viewer's signature.
type profileData struct {
	Signature string
	Err       string
}

func (h *Handler) profileForm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	sig, err := h.svc.Workspace.Signature(r.Context(), v.Staff)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "profile", &profileData{Signature: sig})
	return nil
}

func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	sig := r.PostFormValue("signature")
	if err := h.svc.Workspace.SetSignature(r.Context(), v.Staff, sig); err != nil {
		if gallra.ErrorCode(err) != gallra.EINVALID {
			return err
		}
		h.render(w, r, v, http.StatusUnprocessableEntity, "profile", &profileData{Signature: sig, Err: gallra.ErrorMessage(err)})
		return nil
	}
	return redirect(w, r, "/profile?ok=signature_saved")
}
