package web

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"golang.org/x/time/rate"
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
		SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionMax / time.Second)})
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
	ipOK := h.ipLimit.allow(h.clientIP(r), now)
	acctOK := h.acctLimit.allow(gallra.NormalizeEmail(email), now)
	if !ipOK || !acctOK {
		h.log.Warn("web: sign-in rate limited", "by_ip", !ipOK, "by_account", !acctOK)
		data.Error = "login.ratelimited"
		w.Header().Set("Retry-After", "60")
		h.render(w, r, nil, http.StatusTooManyRequests, "login", data)
		return
	}
	staff, err := h.db.CheckPassword(r.Context(), email, pw)
	if err != nil {
		if gallra.ErrorCode(err) != gallra.EUNAUTHORIZED {
			h.fail(w, r, nil, err)
			return
		}
		h.log.Info("web: sign-in failed")
		data.Error = "login.failed"
		h.render(w, r, nil, http.StatusUnauthorized, "login", data)
		return
	}
	secret, err := h.db.CreateSession(r.Context(), staff)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.log.Info("web: signed in", "org_id", staff.OrgID, "staff_id", staff.ID)
	h.setSessionCookie(w, r, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session in the database (so a copied cookie stops
// working too) and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.db.DeleteSession(r.Context(), c.Value); err != nil {
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
	_, staff, err := h.db.LookupLoginLink(r.Context(), r.PathValue("secret"))
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
	if !h.ipLimit.allow(h.clientIP(r), h.clock.Now()) {
		w.Header().Set("Retry-After", "60")
		h.fail(w, r, nil, gallra.Errorf(gallra.ERATELIMIT, "too many attempts, wait a minute"))
		return
	}
	pw, again := r.PostFormValue("password"), r.PostFormValue("password2")
	link, staff, err := h.db.LookupLoginLink(r.Context(), secret)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	_ = link
	if pw != again {
		h.render(w, r, nil, http.StatusBadRequest, "link", linkData{Staff: staff, Error: "link.mismatch"})
		return
	}
	if err := store.ValidatePassword(pw); err != nil {
		h.render(w, r, nil, http.StatusBadRequest, "link", linkData{Staff: staff, Error: "link.tooshort"})
		return
	}
	staff, sess, err := h.db.UseLoginLink(r.Context(), secret, pw)
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

// limiter is a set of token buckets keyed by client IP or account. It holds
// at most max keys; idle full buckets are evicted first.
type limiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(limit rate.Limit, burst, max int) *limiter {
	return &limiter{limit: limit, burst: burst, max: max, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket at time now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets unused long enough to have refilled, and if that is
// not enough, the whole map (an attacker with many keys then gains little:
// each new key starts with only a burst).
func (l *limiter) evict(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.max {
		clear(l.buckets)
	}
}
