package web_test

import (
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

var (
	reControl = regexp.MustCompile(`(?is)<(input|select|textarea)\b([^>]*)>`)
	reAttr    = regexp.MustCompile(`(?is)([a-z-]+)(?:\s*=\s*"([^"]*)")?`)
	reLabel   = regexp.MustCompile(`(?is)<label\b[^>]*\bfor="([^"]+)"`)
	reID      = regexp.MustCompile(`(?is)\bid="([^"]+)"`)
	reDescBy  = regexp.MustCompile(`(?is)\baria-describedby="([^"]+)"`)
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range reAttr.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = m[2]
	}
	return out
}

// checkLabels reports every form control of body that has neither a
// <label for> nor an aria-label, every aria-describedby naming a missing
// id, and duplicate ids.
func checkLabels(t *testing.T, what, body string) (controls int) {
	t.Helper()
	labelled := map[string]bool{}
	for _, m := range reLabel.FindAllStringSubmatch(body, -1) {
		labelled[m[1]] = true
	}
	ids := map[string]int{}
	for _, m := range reID.FindAllStringSubmatch(body, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", what, id, n)
		}
	}
	for _, m := range reControl.FindAllStringSubmatch(body, -1) {
		a := attrs(m[2])
		if m[1] == "input" && (a["type"] == "hidden" || a["type"] == "submit" || a["type"] == "button") {
			continue
		}
		controls++
		if strings.TrimSpace(a["aria-label"]) != "" {
			continue
		}
		if a["id"] == "" || !labelled[a["id"]] {
			t.Errorf("%s: <%s%s> has no <label for> and no aria-label", what, m[1], m[2])
		}
	}
	for _, m := range reDescBy.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if ids[id] == 0 {
				t.Errorf("%s: aria-describedby names missing id %q", what, id)
			}
		}
	}
	return controls
}

// TestEveryInputLabelled fetches every page (including the error states
// of its forms) and checks that each input, select and textarea other than
// hidden fields and buttons has a <label for> or an aria-label, and that
// <html lang> follows the language switch.
func TestEveryInputLabelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		anon := e.client()
		checkLabels(t, "sign-in", anon.get("/login").Body)
		checkLabels(t, "failed sign-in", anon.post("/login", url.Values{"email": {e.fx.Admin.Email}, "password": {"wrong password!"}}).Body)

		c := e.client()
		c.login(e.fx.Admin.Email)
		req := e.openRequest(e.fx.Admin, gallra.ModuleForum)
		rp := "/requests/" + strconv.FormatInt(req.ID, 10)
		forum := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10)
		pages := map[string]string{}
		for _, p := range []string{"/", "/settings", forum, forum + "?hold=1",
			"/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleMail].ID, 10),
			"/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10),
			"/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleSocial].ID, 10),
			"/settings/defaults/forum", "/requests", rp, "/audit", "/admin", "/nowhere"} {
			r := c.get(p)
			if r.Status != http.StatusOK && p != "/nowhere" {
				t.Errorf("GET %s: %d", p, r.Status)
			}
			pages["GET "+p] = r.Body
		}
		pages["policy confirm"] = c.post(forum+"/preview", url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}}).Body
		pages["policy stale"] = c.post(forum, url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"1"}, "unit": {"y"}, "action": {"anonymize"}, "expect": {"0"}, "confirm": {"yes"}}).Body
		pages["policy refused"] = c.post("/settings/channels/"+strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10)+"/preview", url.Values{"mode": {"own"}, "keep": {"period"}, "n": {"6"}, "unit": {"m"}}).Body
		pages["request refused"] = c.post("/requests", url.Values{"kind": {"export"}, "email": {subjectEmail}, "module": {"forum"}, "method": {"email_reply"}}).Body
		pages["request no module"] = c.post("/requests", url.Values{"kind": {"export"}, "email": {subjectEmail}, "method": {"email_reply"}, "attest": {"yes"}}).Body
		pages["extend refused"] = c.post(rp+"/extend", url.Values{"months": {"1"}}).Body
		pages["cancel refused"] = c.post(rp+"/cancel", url.Values{}).Body
		pages["hold refused"] = c.post(forum+"/holds", url.Values{"subject_id": {"x"}}).Body
		pages["invite"] = c.post("/admin/staff", url.Values{"name": {"Nora Ny"}, "email": {"nora@kommunen.example"}, "role": {"editor"}}).Body
		total := 0
		for what, body := range pages {
			if !strings.Contains(body, `<html lang="sv">`) {
				t.Errorf("%s: no <html lang=\"sv\">", what)
			}
			total += checkLabels(t, what, body)
		}
		if total < 50 {
			t.Errorf("only %d form controls checked: the pages did not render", total)
		}
		// The error states point at their fields.
		for what, want := range map[string]string{
			"request refused":   `id="rq-attest" name="attest" value="yes" required  aria-describedby="rq-error"`,
			"request no module": `<fieldset aria-describedby="rq-modules-help rq-error">`,
			"extend refused":    `aria-describedby="ext-reason-help extend-error"`,
			"policy refused":    `aria-describedby="refused" aria-invalid="true"`,
			"policy stale":      `aria-describedby="stale"`,
			"hold refused":      `aria-describedby="hold-error" aria-invalid="true"`,
		} {
			if !strings.Contains(pages[what], want) {
				t.Errorf("%s: error not tied to its field (%s)", what, want)
			}
		}
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		if b := c.get("/requests").Body; !strings.Contains(b, `<html lang="en">`) {
			t.Error("the language switch does not set <html lang>")
		} else {
			checkLabels(t, "English requests", b)
		}
	})
}

// TestContrast computes the WCAG contrast of the stylesheet's text colours
// on the backgrounds they are used on: at least 4.5:1 (AA, normal text).
func TestContrast(t *testing.T) {
	css, err := os.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	col := func(s string) string {
		if strings.HasPrefix(s, "--") {
			if v, ok := vars[s[2:]]; ok {
				return v
			}
			t.Fatalf("no colour %s in style.css", s)
		}
		return s
	}
	for _, p := range [][2]string{
		{"--muted", "--bg"}, {"--muted", "--surface"}, {"--muted", "--danger-soft"}, {"--muted", "--warn-soft"}, {"--muted", "--brand-soft"},
		{"--muted", "#eef1ef"}, {"#36403d", "#eef1ef"}, {"--text", "--bg"}, {"--brand", "--surface"}, {"--brand", "--bg"},
		{"--danger", "--danger-soft"}, {"--danger", "--surface"}, {"--warn", "--warn-soft"}, {"--ok", "--ok-soft"},
		{"--brand-dark", "--brand-soft"}, {"#14502b", "--ok-soft"}, {"#7d1a14", "--danger-soft"}, {"#ffffff", "--brand"},
		{"#e8f1ed", "--brand-dark"}, {"#ffffff", "--danger"}, {"#36403d", "#e9ecea"},
	} {
		if r := contrast(col(p[0]), col(p[1])); r < 4.5 {
			t.Errorf("contrast of %s on %s is %.2f:1, want at least 4.5:1", p[0], p[1], r)
		}
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
