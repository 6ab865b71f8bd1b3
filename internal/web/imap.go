package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
)

// imapData is the IMAP settings page of one inbox.
type imapData struct {
	Channel *gallra.Channel
	Account *gallra.IMAPAccount // nil: not set up
	Form    gallra.IMAPSettings // what the form shows (after a refusal: what was posted, without the password)
	// Error is the catalogue key of a refusal, Field the form field it is
	// about ("" for the whole form).
	Error, Field string
	Run          *gallra.IMAPRun // the outcome of "fetch now"
}

// imapFields are the form fields a service refusal can be about; its
// message names the field first.
var imapFields = []string{"host", "port", "security", "username", "password", "folder", "move_to", "after_import"}

func (h *Handler) imapData(r *http.Request, v *viewer) (*imapData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Channels.GetChannel(r.Context(), v.Staff, id, gallra.ModuleMail, gallra.PermManageChannels)
	if err != nil {
		return nil, err
	}
	d := &imapData{Channel: c}
	a, err := h.svc.IMAP.IMAPAccount(r.Context(), v.Staff, id)
	switch gallra.ErrorCode(err) {
	case "":
		d.Account = a
		d.Form = gallra.IMAPSettings{Host: a.Host, Port: a.Port, Security: a.Security, Username: a.Username, Folder: a.Folder,
			AfterImport: a.AfterImport, MoveTo: a.MoveTo, Enabled: &a.Enabled}
	case gallra.ENOTFOUND:
		on := true
		d.Form = gallra.IMAPSettings{Port: 993, Security: gallra.IMAPTLS, Folder: "INBOX", AfterImport: gallra.IMAPDelete, Enabled: &on}
	default:
		return nil, err
	}
	return d, nil
}

func (h *Handler) imapPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.imapData(r, v)
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "imap", d)
	return nil
}

func (h *Handler) imapSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.imapData(r, v)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	on := r.PostFormValue("enabled") == "on"
	in := gallra.IMAPSettings{Host: r.PostFormValue("host"), Security: gallra.IMAPSecurity(r.PostFormValue("security")), Username: r.PostFormValue("username"),
		Password: r.PostFormValue("password"), Folder: r.PostFormValue("folder"), AfterImport: gallra.IMAPAfterImport(r.PostFormValue("after_import")),
		MoveTo: r.PostFormValue("move_to"), Enabled: &on}
	if p := strings.TrimSpace(r.PostFormValue("port")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		in.Port = n
	}
	if _, err := h.svc.IMAP.SetIMAPAccount(r.Context(), v.Staff, d.Channel.ID, in); err != nil {
		code := gallra.ErrorCode(err)
		if code != gallra.EINVALID && code != gallra.EUNPROCESS {
			return err
		}
		in.Password = ""
		d.Form, d.Error = in, "imap.err.form"
		if code == gallra.EUNPROCESS {
			d.Error = "imap.err.nokey"
		}
		msg := gallra.ErrorMessage(err)
		for _, f := range imapFields {
			if strings.HasPrefix(msg, f+" ") {
				d.Field, d.Error = f, "imap.err."+f
				break
			}
		}
		if strings.Contains(msg, "only allowed to localhost") {
			d.Field, d.Error = "security", "imap.err.cleartext"
		}
		h.render(w, r, v, http.StatusUnprocessableEntity, "imap", d)
		return nil
	}
	return redirect(w, r, "/admin/channels/"+strconv.FormatInt(d.Channel.ID, 10)+"/imap?ok=imap_saved")
}

func (h *Handler) imapFetch(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.imapData(r, v)
	if err != nil {
		return err
	}
	run, err := h.svc.IMAP.FetchIMAPNow(r.Context(), v.Staff, d.Channel.ID)
	if err != nil {
		return err
	}
	if d, err = h.imapData(r, v); err != nil {
		return err
	}
	d.Run = &run
	h.render(w, r, v, http.StatusOK, "imap", d)
	return nil
}

func (h *Handler) imapDelete(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.imapData(r, v)
	if err != nil {
		return err
	}
	if err := h.svc.IMAP.DeleteIMAPAccount(r.Context(), v.Staff, d.Channel.ID); err != nil {
		return err
	}
	return redirect(w, r, "/admin/channels/"+strconv.FormatInt(d.Channel.ID, 10)+"/imap?ok=imap_removed")
}

// imapErrorKeys map the words a fetch stores as its error (imapfetch and
// the IMAP service, in English for the API and logs) to the catalogue, by
// their distinctive part; the first match wins.
func imapErrorKeys() [][2]string {
	return [][2]string{
		{"refused the user name or password", "imap.run.login"},
		{"has no folder", "imap.run.folder"},
		{"could not connect", "imap.run.connect"},
		{"did not greet as an IMAP server", "imap.run.connect"},
		{"does not offer STARTTLS", "imap.run.nostarttls"},
		{"TLS handshake", "imap.run.tls"},
		{"STARTTLS with the IMAP server failed", "imap.run.tls"},
		{"refused to move messages", "imap.run.move"},
		{"GALLRA_SECRET_KEY", "imap.run.key"},
		{"password could not be opened", "imap.run.key"},
		{"the inbox could not take the mail", "imap.run.internal"},
		{"internal error", "imap.run.internal"},
	}
}

// IMAPError says in the page's language what a fetch's stored error means
// and what to do; an error it does not know is shown as stored.
func (l *lang) IMAPError(text string) string {
	for _, k := range imapErrorKeys() {
		if strings.Contains(text, k[0]) {
			return l.T(k[1])
		}
	}
	return l.T("imap.run.other", text)
}
