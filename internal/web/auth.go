package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
)

// Cookie names. The session cookie holds the session's secret id; the
// language cookie only "sv" or "en".
const (
	sessionCookie = "gallra_session"
	langCookie    = "gallra_lang"
)

func (h *Handler) isSecure(r *http.Request) bool { return h.secure || r.TLS != nil }

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: h.isSecure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(gallra.SessionMax / time.Second)})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookie); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: h.isSecure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type loginData struct {
	Email string
	Next  string
	Error string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if v, err := h.session(r); err == nil && v != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.render(w, r, nil, http.StatusOK, "login", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

// login checks e-mail and password, rate-limited per client IP and per
// account. Failures say the same thing whatever was wrong.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	email := strings.TrimSpace(r.PostFormValue("email"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	now := h.clock.Now()
	data := loginData{Email: email, Next: next}
	ipOK := h.ipLimit.Allow(h.clientIP(r), now)
	acctOK := h.acctLimit.Allow(gallra.NormalizeEmail(email), now)
	if !ipOK || !acctOK {
		h.log.Warn("web: sign-in rate limited", "by_ip", !ipOK, "by_account", !acctOK)
		data.Error = "login.ratelimited"
		w.Header().Set("Retry-After", "60")
		h.render(w, r, nil, http.StatusTooManyRequests, "login", data)
		return
	}
	staff, secret, err := h.svc.Staff.SignIn(r.Context(), email, pw)
	if err != nil {
		if gallra.ErrorCode(err) == gallra.ERATELIMIT {
			h.log.Warn("web: sign-in refused, password hashing busy")
			data.Error = "login.busy"
			w.Header().Set("Retry-After", hashlimit.RetryAfter)
			h.render(w, r, nil, http.StatusTooManyRequests, "login", data)
			return
		}
		if gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			h.fail(w, r, nil, err)
			return
		}
		h.log.Info("web: sign-in failed")
		data.Error = "login.failed"
		h.render(w, r, nil, http.StatusUnauthorized, "login", data)
		return
	}
	h.log.Info("web: signed in", "org_id", staff.OrgID, "staff_id", staff.ID)
	h.setSessionCookie(w, r, secret)
	if next == "/" && !staff.Allowed(gallra.PermManageOrganisation, 0) {
		next = "/workspace" // editors land where they work
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session in the database (so a copied cookie stops
// working too) and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.svc.Staff.SignOut(r.Context(), c.Value); err != nil {
			h.fail(w, r, nil, err)
			return
		}
	}
	h.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?bye=1", http.StatusSeeOther)
}

type linkData struct {
	Staff   *gallra.Staff
	Purpose string
	Error   string
	Detail  string
}

func (h *Handler) linkForm(w http.ResponseWriter, r *http.Request) {
	staff, err := h.svc.Staff.LookupLoginLink(r.Context(), r.PathValue("secret"))
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.render(w, r, nil, http.StatusOK, "link", linkData{Staff: staff})
}

// useLink sets the password chosen on a one-time link and signs in. The
// link is rate limited like a sign-in (its secret is as good as a password).
func (h *Handler) useLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	secret := r.PathValue("secret")
	if !h.ipLimit.Allow(h.clientIP(r), h.clock.Now()) {
		w.Header().Set("Retry-After", "60")
		h.fail(w, r, nil, gallra.Errorf(gallra.ERATELIMIT, "too many attempts, wait a minute"))
		return
	}
	pw, again := r.PostFormValue("password"), r.PostFormValue("password2")
	staff, err := h.svc.Staff.LookupLoginLink(r.Context(), secret)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if pw != again {
		h.render(w, r, nil, http.StatusBadRequest, "link", linkData{Staff: staff, Error: "link.mismatch"})
		return
	}
	if err := gallra.ValidatePassword(pw); err != nil {
		h.render(w, r, nil, http.StatusBadRequest, "link", linkData{Staff: staff, Error: "link.tooshort"})
		return
	}
	linked := staff
	staff, sess, err := h.svc.Staff.UseLoginLink(r.Context(), secret, pw)
	if gallra.ErrorCode(err) == gallra.ERATELIMIT {
		// The link is not used up: the same form can be sent again.
		h.log.Warn("web: login link refused, password hashing busy")
		w.Header().Set("Retry-After", hashlimit.RetryAfter)
		h.render(w, r, nil, http.StatusTooManyRequests, "link", linkData{Staff: linked, Error: "login.busy"})
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.log.Info("web: password set with login link", "org_id", staff.OrgID, "staff_id", staff.ID)
	h.setSessionCookie(w, r, sess)
	http.Redirect(w, r, "/?ok=password_set", http.StatusSeeOther)
}

// setLang stores the chosen UI language in a cookie and goes back.
func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	lang := r.PostFormValue("lang")
	if lang != "sv" && lang != "en" {
		lang = "sv"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", HttpOnly: true, Secure: h.isSecure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, safeNextAny(r.PostFormValue("next")), http.StatusSeeOther)
}

// safeNextAny is safeNext that also allows going back to the sign-in page.
func safeNextAny(s string) string {
	if strings.HasPrefix(s, "/login") && !strings.HasPrefix(s, "/login/") {
		return s
	}
	return safeNext(s)
}
