package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/retention"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
	"github.com/gallra/gallra/internal/takeout"
)

// browser starts one headless Chromium for a test function and returns its
// context. Without Chromium the test is skipped locally and fails in CI
// (CI=true), where .ci/run installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("GALLRA_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install chromium); browser tests must run in CI")
		}
		t.Skip("chromium not found: browser tests skipped (install chromium or set GALLRA_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first Run starts the browser; it lives as long as bctx.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// tab opens a tab with its own cookie jar (a new browser context), so that
// the SQLite and PostgreSQL halves do not share sessions.
func tab(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return tctx
}

// screenshotDir is where the tests save page screenshots for people to look
// at: $GALLRA_SCREENSHOT_DIR or a folder in the temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("GALLRA_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gallra-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // screenshot name prefix
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to path and waits for the page's main element.
func (p *page) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// text returns the visible text of the page's main element.
func (p *page) text() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		p.t.Fatalf("read page text: %v", err)
	}
	return s
}

func (p *page) location() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimPrefix(s, p.base)
}

func (p *page) want(what string, wants ...string) {
	p.t.Helper()
	txt := p.text()
	for _, w := range wants {
		if !strings.Contains(txt, w) {
			p.t.Errorf("%s: page does not show %q (location %s)", what, w, p.location())
		}
	}
}

// screenshot saves a full-page PNG named after the page.
func (p *page) screenshot(name string) {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(p.t), p.shot+"-"+name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// narrow opens path at a phone's width (390 CSS pixels), saves a
// screenshot and checks that the page does not scroll sideways: wide
// tables stack or scroll inside their own box. The desktop size (1280 px,
// as the browser starts) is restored after.
func (p *page) narrow(path, name string) {
	p.t.Helper()
	p.do("phone viewport", chromedp.EmulateViewport(390, 844))
	p.open(path)
	over, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil || over > 0 {
		wide, _ := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map(e => e.tagName + "." + e.className + "#" + e.id).slice(0, 8)`))
		p.t.Errorf("%s at 390 px: the page is %d px wider than the screen (%v); too wide: %v", path, over, err, wide)
	}
	p.screenshot(name)
	p.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
}

// tick ticks a checkbox with the keyboard (focus, Space) and checks that it
// got ticked and shows the focus ring.
func (p *page) tick(sel string) {
	p.t.Helper()
	p.do("tick "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(" "))
	got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => { const el = document.querySelector(`+strconv.Quote(sel)+`);
		return el.checked + " " + (document.activeElement === el) + " " + getComputedStyle(el).outlineStyle; })()`))
	if err != nil || got != "true true solid" {
		p.t.Errorf("%s with the keyboard: checked, focused, outline = %q (%v)", sel, got, err)
	}
}

// submit clicks a submit button and waits for the next page.
func (p *page) submit(sel string) {
	p.t.Helper()
	p.do("submit "+sel, chromedp.Click(chromedp.CSS(sel)), chromedp.Sleep(50*time.Millisecond), chromedp.WaitVisible(chromedp.CSS("main")))
}

// TestBrowserAdminJourney signs in as the admin in a real browser and walks
// through every page: overview, a policy change with preview and
// confirmation, an export (downloaded) and an erasure, the receipt, the
// audit log and the staff page, checking what the page shows and what the
// database holds afterwards. Screenshots of each page are saved.
func TestBrowserAdminJourney(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect())}
		forumID := e.fx.Channels[gallra.ModuleForum].ID

		// Sign in: the protected page sends us to the sign-in form.
		p.open("/settings")
		if loc := p.location(); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("not sent to sign-in: %s", loc)
		}
		p.screenshot("01-login")
		p.do("fill sign-in form",
			chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Admin.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		if loc := p.location(); loc != "/settings" {
			t.Fatalf("after sign-in at %s, want /settings", loc)
		}

		// Overview: policies, what is due soon, and an overdue request
		// (received 40 days ago, never processed).
		clock.Set(storetest.Start().AddDate(0, 0, -40))
		late, err := e.tk.Create(ctx, e.fx.Admin, takeout.NewRequest{Kind: gallra.RequestExport, Email: "sen@example.se",
			Attestation: takeout.Statements()[1], VerificationMethod: takeout.MethodPhoneCall})
		clock.Set(storetest.Start())
		if err != nil {
			t.Fatalf("create late request: %v", err)
		}
		p.open("/")
		p.want("overview", "Översikt", e.fx.Channels[gallra.ModuleForum].Name, "Anonymisera efter 3 år", "Gallras inte automatiskt", "Inga kunduppgifter",
			late.Reference, "Försenad")
		if n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.overdue").length`)); err != nil || n != 1 {
			t.Errorf("overdue rows highlighted: %d, %v", n, err)
		}
		p.screenshot("02-overview")
		p.narrow("/", "02n-overview-narrow")

		// Privacy settings: change the forum to one year, preview, confirm.
		p.open("/settings")
		p.want("settings", "Standard per modul", "Spärrar (legal hold)", "Ärendet är överklagat")
		p.screenshot("03-settings")
		p.narrow("/settings", "03n-settings-narrow")
		p.open("/settings")
		p.submit(`form[action="/holds/forum_topic/` + strconv.FormatInt(e.Held, 10) + `/release"] button`)
		p.want("hold released", "Spärren är hävd.", "Inga spärrar.")
		if holds, _ := db.ListHolds(ctx, e.fx.Org.ID); len(holds) != 0 {
			t.Errorf("holds after release: %d", len(holds))
		}
		p.open("/settings/channels/" + strconv.FormatInt(forumID, 10))
		p.do("choose 1 year",
			chromedp.Click(chromedp.CSS(`input[name="mode"][value="own"]`)),
			chromedp.SetValue(chromedp.CSS("#n"), "1"),
			chromedp.SetValue(chromedp.CSS("#unit"), "y"),
			chromedp.Click(chromedp.CSS(`input[name="action"][value="anonymize"]`)),
			chromedp.SendKeys(chromedp.CSS("#n"), ""), // an input event: the live text updates
		)
		if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.querySelector('[data-lang="sv"]').textContent.includes("i högst 1 år")`)); err != nil {
			t.Fatalf("live policy text: %v", err)
		}
		p.want("policy form", "Text som kunderna ser", "i högst 1 år", "for at most 1 year")
		p.screenshot("04-policy-form")
		p.submit(`form.policy-form button[type="submit"]`)
		p.want("confirm page", "Bekräfta ändringen", "anonymiseras 6 inlägg", "Anonymisera efter 1 år")
		p.screenshot("05-policy-confirm")
		if r, _ := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forumID); r.Source == "channel" {
			t.Fatal("the preview saved the policy")
		}
		p.tick("#confirm")
		p.submit(`form.confirm button[type="submit"]`)
		p.want("after save", "Inställningen är sparad.")
		got, err := e.ret.ChannelPolicy(ctx, e.fx.Org.ID, forumID)
		if err != nil || got.Source != "channel" || got.Policy.String() != "anonymize after 1y" {
			t.Fatalf("stored policy after confirming: %+v, %v", got, err)
		}

		// A legal hold from the channel's page: "Hold…" on a listed topic
		// fills in its number; the reason is required.
		topics, _ := db.ListTopics(ctx, e.fx.Org.ID, forumID, gallra.Page{})
		var snow int64
		for _, tp := range topics {
			if tp.Title == "Snöröjning" {
				snow = tp.ID
			}
		}
		forumPage := "/settings/channels/" + strconv.FormatInt(forumID, 10)
		p.open(forumPage)
		p.submit(`a[href="` + forumPage + `?hold=` + strconv.FormatInt(snow, 10) + `"]`)
		if v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#hold-id").value + "/" + document.activeElement.id`)); err != nil || v != strconv.FormatInt(snow, 10)+"/hold-reason" {
			t.Errorf("Hold… link: number and focus %q, %v", v, err)
		}
		p.do("hold reason", chromedp.SendKeys(chromedp.CSS("#hold-reason"), "Tvist om snöröjningen"))
		p.submit(`form#place-hold button[type="submit"]`)
		p.want("hold placed", "Spärren är lagd.", "Tvist om snöröjningen")
		p.screenshot("06a-channel-hold")
		if tp, _ := db.GetTopic(ctx, e.fx.Org.ID, snow); tp.Hold == nil || tp.Hold.Reason != "Tvist om snöröjningen" {
			t.Errorf("hold in the database: %+v", tp.Hold)
		}
		p.narrow(forumPage, "06n-channel-narrow")

		// A refused setting: chat over the processor's cap.
		p.open("/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleChat].ID, 10))
		p.do("choose 6 months", chromedp.Click(chromedp.CSS(`input[name="mode"][value="own"]`)), chromedp.SetValue(chromedp.CSS("#n"), "6"), chromedp.SetValue(chromedp.CSS("#unit"), "m"))
		p.submit(`form.policy-form button[type="submit"]`)
		p.want("refused", "Inställningen kan inte sparas", "1 månad")
		p.screenshot("06-policy-refused")

		// Export request, then download it from the browser session.
		p.open("/requests")
		p.screenshot("07-requests")
		p.do("fill export form",
			chromedp.SendKeys(chromedp.CSS("#rq-email"), subjectEmail),
			chromedp.SetValue(chromedp.CSS("#rq-method"), "email_reply"),
			chromedp.Click(chromedp.CSS(`input[name="attest"]`)))
		p.submit(`form[action="/requests"] button[type="submit"]`)
		p.want("export preview", "Förhandsgranska begäran")
		p.tick("#rqp-confirm-box")
		p.submit("#rqp-submit")
		p.want("export request", "Begäran är registrerad.", "Klar", "Ladda ner exporten (ZIP)")
		p.screenshot("08-request-export")
		loc := p.location()
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/requests/"), "?ok=request_created")
		zip, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch("/requests/`+id+`/download").then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 2)) + ":" + b.byteLength)`, chromedp.EvalAwaitPromise))
		if err != nil || !strings.HasPrefix(zip, "PK:") {
			t.Fatalf("download from the browser: %q, %v", zip, err)
		}
		if a, _ := db.ListAudit(ctx, e.fx.Org.ID, gallra.AuditFilter{Action: "request.artefact_downloaded"}); len(a) != 1 {
			t.Errorf("download audit entries: %d", len(a))
		}
		p.open("/requests/" + id + "/receipt")
		p.want("receipt", "Bekräftelse på registerutdrag", "Confirmation of data export")
		p.screenshot("09-receipt")

		// Erasure request: the person's posts are gone afterwards.
		p.open("/requests")
		p.do("fill erasure form",
			chromedp.Click(chromedp.CSS(`input[name="kind"][value="erase"]`)),
			chromedp.SendKeys(chromedp.CSS("#rq-email"), subjectEmail),
			chromedp.SetValue(chromedp.CSS("#rq-method"), "phone_call"),
			chromedp.Click(chromedp.CSS(`input[name="attest"]`)))
		p.submit(`form[action="/requests"] button[type="submit"]`)
		p.want("erasure preview", "Vad som blir kvar, och varför")
		p.tick("#rqp-confirm-box")
		p.submit("#rqp-submit")
		p.want("erasure request", "Radering", "Klar", "Raderade foruminlägg")
		p.screenshot("10-request-erase")
		reqs, _ := db.ListSubjectRequests(ctx, e.fx.Org.ID, gallra.RequestFilter{Kind: gallra.RequestErase})
		if len(reqs) != 1 || reqs[0].Status != gallra.StatusCompleted {
			t.Fatalf("erasure in the database: %+v", reqs)
		}
		for _, id := range e.Posts {
			if post, err := db.GetPost(ctx, e.fx.Org.ID, id); err == nil && post.AuthorEmail == subjectEmail {
				t.Errorf("post %d still holds the person's e-mail", id)
			}
		}

		// The overdue request: staff opened it an hour before its due date
		// and filled in an extension, but submit after the due date: the
		// extension is refused (Art. 12(3)), the request stays overdue; the
		// page then offers no extension. Cancelling needs a reason.
		lp := "/requests/" + strconv.FormatInt(late.ID, 10)
		clock.Set(late.DueAt.Add(-time.Hour))
		p.open(lp)
		p.want("open request", "Förläng tidsfristen", "Avbryt eller avslå begäran", late.Reference)
		p.screenshot("10a-request-open")
		p.do("extend by two months", chromedp.Click(chromedp.CSS("#ext-2")), chromedp.SendKeys(chromedp.CSS("#ext-reason"), "Många begäranden samtidigt"))
		p.tick("#ext-confirm")
		clock.Set(storetest.Start())
		p.submit(`form#extend button[type="submit"]`)
		p.want("extension refused", "Sista dagen har redan passerat", "Försenad")
		p.screenshot("10b-request-extension-refused")
		if got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, late.ID); got.ExtendedMonths != 0 || !got.Overdue {
			t.Errorf("a refused extension changed the request: %d months, overdue %v", got.ExtendedMonths, got.Overdue)
		}
		p.open(lp)
		p.want("overdue request", "Sista dagen har passerat")
		if n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll("form#extend").length`)); err != nil || n != 0 {
			t.Errorf("an overdue request still offers the extension: %d, %v", n, err)
		}
		p.do("cancel reason", chromedp.SendKeys(chromedp.CSS("#close-reason"), "Personen drog tillbaka begäran"))
		p.tick("#cancel-confirm")
		p.submit(`form#cancel button[type="submit"]`)
		p.want("cancelled", "Begäran är avslutad.", "Personen drog tillbaka begäran")
		if got, _ := db.GetSubjectRequest(ctx, e.fx.Org.ID, late.ID); got.Status != gallra.StatusCancelled || got.CloseReason == "" {
			t.Errorf("late request in the database: %s, reason %q", got.Status, got.CloseReason)
		}

		// A purge run: the overview lists it with its counts.
		res, err := e.ret.Run(ctx, retention.RunOptions{Trigger: "cli", OrgID: e.fx.Org.ID})
		if err != nil || res.Anonymized == 0 {
			t.Fatalf("purge run: %+v, %v", res, err)
		}
		p.open("/")
		p.want("overview after purge", "Senaste gallringarna", "Kommandorad")

		// Audit log: intact chain, the policy change is there, filtering.
		p.open("/audit")
		// Actions and subjects in words, the request by its reference.
		p.want("audit", "Kedjan är obruten", "Kanalens lagringstid ändrad", "Begäran avbruten", "Begäran "+late.Reference, "Gallring körd")
		p.screenshot("11-audit")
		p.do("filter", chromedp.SetValue(chromedp.CSS("#f-action"), "retention."))
		p.submit(`form.filters button[type="submit"]`)
		if txt, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("table.audit tbody"))); err != nil || strings.Contains(txt, "Inloggning") || !strings.Contains(txt, "Gallring körd") {
			t.Errorf("the audit filter does not filter (%v)", err)
		}
		// The raw details open on demand.
		p.do("expand raw", chromedp.Click(chromedp.CSS(`table.audit details summary`)))
		p.want("raw details", "retention.purge_run")

		// Channels and staff: invite an editor, see the one-time link.
		p.open("/admin")
		p.do("fill invite form",
			chromedp.SendKeys(chromedp.CSS("#st-name"), "Nora Ny"),
			chromedp.SendKeys(chromedp.CSS("#st-email"), "nora@kommunen.example"))
		p.submit(`form[action="/admin/staff"] button[type="submit"]`)
		p.want("invite", "Inloggningslänk skapad", "Nora Ny")
		p.screenshot("12-admin")
		if _, err := db.StaffByEmail(ctx, e.fx.Org.ID, "nora@kommunen.example"); err != nil {
			t.Errorf("invited staff user: %v", err)
		}

		// An inbox's IMAP fetch: the form from the admin page, a refusal
		// tied to its field, then saved.
		imapPath := "/admin/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleMail].ID, 10) + "/imap"
		p.open(imapPath)
		p.want("IMAP page", "Koppla en brevlåda", "Radera meddelandet (rekommenderas")
		p.do("fill IMAP form",
			chromedp.SendKeys(chromedp.CSS("#imap-host"), "imap.example.se"),
			chromedp.SetValue(chromedp.CSS("#imap-security"), "none"),
			chromedp.SendKeys(chromedp.CSS("#imap-user"), "kontakt@kommunen.example"),
			chromedp.SendKeys(chromedp.CSS("#imap-pw"), "app-losenord"))
		p.submit(`form[action="` + imapPath + `"] button[type="submit"]`)
		p.want("IMAP refusal", "bara tillåten till localhost")
		p.screenshot("12a-imap-refused")
		p.do("choose TLS", chromedp.SetValue(chromedp.CSS("#imap-security"), "tls"), chromedp.SendKeys(chromedp.CSS("#imap-pw"), "app-losenord"))
		p.submit(`form[action="` + imapPath + `"] button[type="submit"]`)
		p.want("IMAP saved", "Inställningarna för IMAP är sparade.", "Hämta nu")
		p.screenshot("12b-imap-saved")
		p.narrow(imapPath, "12c-imap-narrow")

		// English, by the switch in the header.
		p.open("/")
		p.submit(`form.lang button[value="en"]`)
		p.want("English overview", "Overview", "Anonymize after 1 year", "No customer data")
		if l, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || l != "en" {
			t.Errorf("<html lang> after the switch: %q, %v", l, err)
		}
		p.screenshot("13-overview-en")
		p.open(imapPath)
		p.want("IMAP page in English", "Fetch mail into", "Delete the message (recommended", "Leave empty to keep the stored password.")
		p.screenshot("13a-imap-en")
		p.open("/")

		// Keyboard: the skip link is the first stop and shows when focused.
		p.do("tab to skip link", chromedp.KeyEvent("\t"))
		focused, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.activeElement.className`))
		if err != nil || focused != "skip" {
			t.Errorf("first Tab stop: %q, %v", focused, err)
		}
	})
}

// TestBrowserEditor signs in as an editor: only their channels, no admin
// navigation, and the editor can file a request on their own channels.
func TestBrowserEditor(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect()) + "-editor"}
		p.open("/login")
		p.do("sign in",
			chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Editor.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		if loc := p.location(); loc != "/workspace" {
			t.Errorf("editor landed on %s, want the workspace", loc)
		}
		p.open("/")
		p.want("editor overview", e.fx.Channels[gallra.ModuleForum].Name, e.fx.Channels[gallra.ModuleMail].Name)
		if txt := p.text(); strings.Contains(txt, e.fx.Channels[gallra.ModuleChat].Name) {
			t.Error("editor sees a channel they are not a member of")
		}
		nav, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("header nav")))
		if err != nil || strings.Contains(nav, "Granskningslogg") || strings.Contains(nav, "Kanaler och personal") {
			t.Errorf("editor navigation: %q, %v", nav, err)
		}
		p.screenshot("01-overview")
		p.open("/admin")
		p.want("admin refused", "Inte tillåtet")
		p.screenshot("02-forbidden")

		// A retention setting: the editor may preview a change but not save
		// it (administrators only, as in the API): the form says so and the
		// preview offers no save button.
		forum := "/settings/channels/" + strconv.FormatInt(e.fx.Channels[gallra.ModuleForum].ID, 10)
		p.open(forum)
		p.want("editor's policy form", "Bara administratörer kan ändra lagringstiden")
		p.narrow(forum, "03-policy-readonly-390")
		p.open(forum)
		p.submit(`form.policy-form button[type="submit"]`)
		p.want("editor's preview", "Bara administratörer kan ändra lagringstiden")
		if n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.confirm").length`)); err != nil || n != 0 {
			t.Errorf("editor's preview offers the save form (%d, %v)", n, err)
		}
		p.screenshot("04-policy-preview-readonly")
	})
}
