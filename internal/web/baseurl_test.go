package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/web"
)

// TestLoginLinksUseBaseURL: with a base URL configured (GALLRA_BASE_URL),
// the invitation and reset links an admin is shown are built from it, so a
// forged Host header does not reach them; without one, the request's Host
// is the documented fallback.
func TestLoginLinksUseBaseURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		post := func(c *client, path string, form url.Values, host string) string {
			t.Helper()
			req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			// The jar leaves its cookies out of a request to another Host:
			// the session cookie is added by hand.
			req.Host = host
			u, _ := url.Parse(e.srv.URL)
			for _, ck := range c.http.Jar.Cookies(u) {
				req.AddCookie(ck)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", c.ip)
			res, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("POST %s: %d %s", path, res.StatusCode, res.Header.Get("Location"))
			}
			return string(b)
		}
		editor := "/admin/staff/" + strconv.FormatInt(e.fx.Editor.ID, 10) + "/link"

		// Without a base URL: the Host the browser used.
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		mustContain(t, "reset link without a base URL", post(ad, editor, url.Values{}, "gallra.internal:8080"), "http://gallra.internal:8080/login/link/")

		// With one: the forged Host reaches no link.
		ui, err := web.New(web.Config{Services: e.svc, Clock: clock, Retention: e.ret, Requests: e.tk, TrustedProxyHeader: "X-Forwarded-For", BaseURL: "https://gallra.example.se/"})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(ui)
		t.Cleanup(srv.Close)
		e.srv = srv
		ad = e.client()
		ad.ip = "198.51.100.9"
		ad.login(e.fx.Admin.Email)
		for name, body := range map[string]string{
			"invite": post(ad, "/admin/staff", url.Values{"name": {"Nora Ny"}, "email": {"nora@kommunen.example"}, "role": {"editor"}}, "evil.example"),
			"reset":  post(ad, editor, url.Values{}, "evil.example"),
		} {
			mustContain(t, name+" link", body, `https://gallra.example.se/login/link/`)
			if strings.Contains(body, "evil.example") {
				t.Errorf("%s link page holds the forged host", name)
			}
		}
	})
}
