package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/imapfetch/imaptest"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestIMAPSettingsPage: an admin connects an inbox to a mailbox on an IMAP
// server from the admin page, sees refusals in Swedish next to the field,
// fetches now and disconnects; editors cannot open the page.
func TestIMAPSettingsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		srv := imaptest.Start(t, gallra.IMAPNone)
		inbox := e.fx.Channels[gallra.ModuleMail].ID
		path := "/admin/channels/" + strconv.FormatInt(inbox, 10) + "/imap"

		ed := e.client()
		ed.login(e.fx.Editor.Email)
		if r := ed.get(path); r.Status != http.StatusForbidden {
			t.Errorf("editor opened the IMAP page: %d", r.Status)
		}

		c := e.client()
		c.login(e.fx.Admin.Email)
		mustContain(t, "admin page", c.get("/admin").Body, `href="`+path+`"`, "Hämta e-post (IMAP)")
		page := c.get(path)
		mustContain(t, "IMAP page", page.Body, "Koppla en brevlåda", `name="password"`, "Radera meddelandet (rekommenderas")
		checkLabels(t, "IMAP page", page.Body)

		form := url.Values{"host": {"127.0.0.1"}, "port": {strconv.Itoa(srv.Port)}, "security": {"none"}, "username": {"username"},
			"password": {"password"}, "folder": {"INBOX"}, "after_import": {"delete"}, "enabled": {"on"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("host", "imap.example.se")
		r := c.post(path, bad)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("clear text to a remote host: %d", r.Status)
		}
		mustContain(t, "refused form", r.Body, "bara tillåten till localhost", `value="imap.example.se"`)
		if strings.Contains(r.Body, `value="password"`) {
			t.Error("the refused form echoes the password")
		}
		if !regexp.MustCompile(`id="imap-security"[^>]*aria-invalid="true"`).MatchString(r.Body) {
			t.Error("the refusal is not tied to the connection field")
		}
		bad.Set("host", "127.0.0.1")
		bad.Set("port", "99999")
		mustContain(t, "bad port", c.post(path, bad).Body, "Porten ska vara ett tal")

		r = c.post(path, form)
		if r.Status != http.StatusSeeOther || r.Location != path+"?ok=imap_saved" {
			t.Fatalf("save: %d %q %s", r.Status, r.Location, r.Body)
		}
		mustContain(t, "saved", c.get(path+"?ok=imap_saved").Body, "Inställningarna för IMAP är sparade.", "Aldrig", "Hämta nu", "Lämna tomt för att behålla")

		r = c.post(path+"/fetch", nil)
		mustContain(t, "fetched", r.Body, "Hämtningen är klar: 1 hämtade, 0 nekade, 1 borttagna")
		if left := srv.UIDs(t, "INBOX"); len(left) != 0 {
			t.Errorf("left on the server: %v", left)
		}
		// A failed fetch says in the page's language what to do.
		wrong := url.Values{}
		for k, v := range form {
			wrong[k] = v
		}
		wrong.Set("password", "fel-losenord")
		if r := c.post(path, wrong); r.Status != http.StatusSeeOther {
			t.Fatalf("save a wrong password: %d", r.Status)
		}
		r = c.post(path+"/fetch", nil)
		mustContain(t, "failed fetch", r.Body, "Hämtningen misslyckades:", "godtog inte användarnamnet eller lösenordet")
		if strings.Contains(r.Body, "refused the user name") {
			t.Error("the Swedish page shows the fetch error in English")
		}
		r = c.post(path+"/delete", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("disconnect: %d", r.Status)
		}
		mustContain(t, "disconnected", c.get(path+"?ok=imap_removed").Body, "Brevlådan är bortkopplad", "Koppla en brevlåda")
	})
}
