package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/retention"
)

// errNoRetention answers retention pages when no engine is configured.
var errNoRetention = gallra.Errorf(gallra.ENOTFOUND, "privacy settings are not available on this server")

// PolicyLabel renders a policy for people: "Anonymize after 3 years",
// "Never purge automatically".
func (l *lang) PolicyLabel(p gallra.Policy) string {
	if p.Period.IsNever() {
		return l.T("pol.never")
	}
	if p.Action == gallra.ActionAnonymize {
		return l.T("pol.anonymize", l.Period(p.Period))
	}
	return l.T("pol.delete", l.Period(p.Period))
}

// Period renders "3 years", "30 dagar".
func (l *lang) Period(p gallra.Period) string {
	if p.IsNever() {
		return l.T("pol.never")
	}
	n := "n"
	if p.N == 1 {
		n = "1"
	}
	return l.T("unit."+string(rune(p.Unit))+"."+n, p.N)
}

// Months renders "1 month", "2 månader".
func (l *lang) Months(n int) string {
	if n == 1 {
		return l.T("unit.m.1", n)
	}
	return l.T("unit.m.n", n)
}

// Source renders where a channel's policy comes from: its own setting or
// the module default (whether the organisation changed that default or not).
func (l *lang) Source(s string) string { return l.T("pol.source." + s) }

// DefaultSource renders where a module default comes from: chosen by the
// organisation or Gallra's preset.
func (l *lang) DefaultSource(s string) string { return l.T("pol.default." + s) }

// purged reports whether channels of m have a retention policy.
func purged(m gallra.Module) bool {
	return m == gallra.ModuleForum || m == gallra.ModuleMail || m == gallra.ModuleChat
}

type settingsRow struct {
	Channel gallra.Channel
	Policy  *gallra.RetentionResolved
}

type settingsData struct {
	Defaults []gallra.RetentionModuleDefault
	Channels []settingsRow
	Holds    []holdRow
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.retention == nil {
		return errNoRetention
	}
	chs, err := h.visibleChannels(r, v)
	if err != nil {
		return err
	}
	d := &settingsData{}
	if v.Staff.Allowed(gallra.PermSetRetention, 0) {
		if d.Defaults, err = h.retention.Defaults(r.Context(), v.Org.ID); err != nil {
			return err
		}
	}
	names := map[int64]string{}
	for _, c := range chs {
		names[c.ID] = c.Name
		row := settingsRow{Channel: c}
		if purged(c.Module) {
			if row.Policy, err = h.retention.ChannelPolicy(r.Context(), v.Org.ID, c.ID); err != nil {
				return err
			}
		}
		d.Channels = append(d.Channels, row)
	}
	holds, err := h.svc.Holds.Holds(r.Context(), v.Staff, 0)
	if err != nil {
		return err
	}
	for _, hd := range holds {
		d.Holds = append(d.Holds, holdRow{Hold: hd, ChannelName: names[hd.ChannelID], Mine: true})
	}
	h.render(w, r, v, http.StatusOK, "settings", d)
	return nil
}

// policyForm is the privacy-settings form as posted: which setting applies
// (own or the module default), how long to keep, and the action.
type policyForm struct {
	Mode   string // "own" or "inherit" (channels only)
	Keep   string // "period" or "never"
	N      int
	Unit   string // "d", "m", "y"
	Action string // "anonymize" or "delete"
	Expect int    // items the confirmed preview said would be purged now
}

func formFromPolicy(p gallra.Policy, mode string) policyForm {
	f := policyForm{Mode: mode, Keep: "period", N: p.Period.N, Unit: string(rune(p.Period.Unit)), Action: string(p.Action)}
	if p.Period.IsNever() {
		f.Keep, f.N, f.Unit = "never", 1, "y"
	}
	return f
}

func readPolicyForm(vals url.Values) policyForm {
	f := policyForm{Mode: vals.Get("mode"), Keep: vals.Get("keep"), Unit: vals.Get("unit"), Action: vals.Get("action")}
	f.N, _ = strconv.Atoi(strings.TrimSpace(vals.Get("n")))
	f.Expect, _ = strconv.Atoi(vals.Get("expect"))
	return f
}

// Query encodes the form for a "back and change" link.
func (f policyForm) Query() string {
	q := url.Values{"mode": {f.Mode}, "keep": {f.Keep}, "n": {strconv.Itoa(f.N)}, "unit": {f.Unit}, "action": {f.Action}}
	return q.Encode()
}

// policy turns the form into a policy for module m: nil for "follow the
// module default". Malformed input is EINVALID with a message naming the
// field.
func (f policyForm) policy(m gallra.Module) (*gallra.Policy, error) {
	if f.Mode == "inherit" {
		return nil, nil
	}
	period := "never"
	if f.Keep != "never" {
		if f.N <= 0 {
			return nil, gallra.Errorf(gallra.EINVALID, "the period must be a whole number of at least 1")
		}
		if f.Unit != "d" && f.Unit != "m" && f.Unit != "y" {
			return nil, gallra.Errorf(gallra.EINVALID, "the unit must be days, months or years")
		}
		period = strconv.Itoa(f.N) + f.Unit
	}
	action := f.Action
	if m != gallra.ModuleForum {
		action = string(gallra.ActionDelete)
	}
	p, err := gallra.ParsePolicy(m, period, action)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// policyFormData is the edit form of a channel's or a module default's
// policy.
type policyFormData struct {
	Channel *gallra.Channel // nil for a module default
	Module  gallra.Module
	Current gallra.Policy
	Source  string
	Default *gallra.RetentionModuleDefault // the module default (channels only)
	Form    policyForm
	Cap     *gallra.Period
	Texts   *policyTexts
	Refused string // why the setting cannot be saved
	// ReadOnly is set for staff who may preview a setting but not save it
	// (editors: gallra.PermSetRetention is for administrators).
	ReadOnly bool
	Action   string // form action (preview URL)
	Cancel   string
	// Holds are the legal holds of the channel, its latest topics or
	// conversations and the form to place a hold (channels with customer
	// data only).
	Holds *channelHolds
}

type policyTexts struct{ SV, EN string }

// texts returns the customer-facing policy text in both languages, or nil
// for modules without one.
func texts(m gallra.Module, org string, p gallra.Policy) *policyTexts {
	sv, err1 := retention.PolicyText("sv", m, org, p)
	en, err2 := retention.PolicyText("en", m, org, p)
	if err1 != nil || err2 != nil {
		return nil
	}
	return &policyTexts{SV: sv, EN: en}
}

func (h *Handler) moduleDefault(r *http.Request, v *viewer, m gallra.Module) (*gallra.RetentionModuleDefault, error) {
	defs, err := h.retention.Defaults(r.Context(), v.Org.ID)
	if err != nil {
		return nil, err
	}
	for i := range defs {
		if defs[i].Module == m {
			return &defs[i], nil
		}
	}
	return nil, gallra.Errorf(gallra.EUNPROCESS, "%s channels have no retention setting", m)
}

// channelPolicyData loads the form of a channel, with the form values from
// vals when given (back from the confirm page, or a refused preview).
func (h *Handler) channelPolicyData(r *http.Request, v *viewer, vals url.Values) (*policyFormData, error) {
	if h.retention == nil {
		return nil, errNoRetention
	}
	c, err := h.channelFor(r, v)
	if err != nil {
		return nil, err
	}
	d := &policyFormData{Channel: c, Module: c.Module, Action: "/settings/channels/" + strconv.FormatInt(c.ID, 10) + "/preview", Cancel: "/settings",
		ReadOnly: !v.Staff.Allowed(gallra.PermSetRetention, c.ID)}
	if !purged(c.Module) {
		d.Refused = catalogs[language(r, v)].T("set." + string(c.Module))
		return d, nil
	}
	cur, err := h.retention.ChannelPolicy(r.Context(), v.Org.ID, c.ID)
	if err != nil {
		return nil, err
	}
	if d.Default, err = h.moduleDefault(r, v, c.Module); err != nil {
		return nil, err
	}
	d.Current, d.Source, d.Cap = cur.Policy, cur.Source, capOf(h.retention.Caps(), c.Module)
	if d.Holds, err = h.loadChannelHolds(r, v, c); err != nil {
		return nil, err
	}
	mode := "own"
	if cur.Source != "channel" {
		mode = "inherit"
	}
	d.Form = formFromPolicy(cur.Policy, mode)
	if vals != nil && vals.Get("keep") != "" {
		d.Form = readPolicyForm(vals)
	}
	d.Texts = texts(c.Module, v.Org.Name, cur.Policy)
	if p, err := d.Form.policy(c.Module); err == nil {
		if p == nil {
			p = &d.Default.Policy
		}
		d.Texts = texts(c.Module, v.Org.Name, *p)
	}
	return d, nil
}

func (h *Handler) channelPolicyForm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.channelPolicyData(r, v, r.URL.Query())
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "policy_form", d)
	return nil
}

// confirmData is the confirmation page between preview and save.
type confirmData struct {
	Channel  *gallra.Channel
	Module   gallra.Module
	From     gallra.Policy
	To       gallra.Policy
	Inherit  bool
	Form     policyForm
	Total    int    // purged at the next run
	ItemType string // what is counted
	Action   gallra.Action
	Held     int
	Soon     int // becomes due within 30 days
	Rows     []confirmRow
	Texts    *policyTexts
	Save     string // form action
	Back     string
	Stale    bool
	ReadOnly bool // the viewer may not save (see policyFormData.ReadOnly)
	// Weakens: the change keeps data longer (gallra.KeepsLonger), so the
	// page warns and asks for a reason; NeedReason: it was sent without.
	Weakens    bool
	NeedReason bool
	Reason     string
}

type confirmRow struct {
	Channel gallra.Channel
	Count   int
}

// refuse re-renders the form with the reason a setting was refused.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, v *viewer, d *policyFormData, f policyForm, err error) error {
	code := gallra.ErrorCode(err)
	if code != gallra.EINVALID && code != gallra.EUNPROCESS {
		return err
	}
	d.Form = f
	d.Refused = h.reason(r, v, d.Module, f, err)
	h.render(w, r, v, http.StatusUnprocessableEntity, "policy_form", d)
	return nil
}

// reason explains a refused setting in the viewer's language when it is the
// operator's cap; otherwise it shows the engine's message.
func (h *Handler) reason(r *http.Request, v *viewer, m gallra.Module, f policyForm, err error) string {
	l := catalogs[language(r, v)]
	if c := capOf(h.retention.Caps(), m); c != nil {
		if p, perr := f.policy(m); perr == nil && p != nil && p.Period.Longer(*c) {
			return l.T("pf.cap", l.Module(m), l.Period(*c))
		}
	}
	return gallra.ErrorMessage(err)
}

func (h *Handler) channelPolicyPreview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	pp, done, err := h.postedChannelPolicy(w, r, v)
	if done || err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "policy_confirm", pp.cd)
	return nil
}

// postedPolicy is a posted channel policy form with its confirm page.
type postedPolicy struct {
	d  *policyFormData
	f  policyForm
	cd *confirmData
}

// postedChannelPolicy reads a posted channel policy form and builds its
// confirm page from a fresh preview. done reports that a refusal page has
// been written (err, if any, is the refusal's rendering error).
func (h *Handler) postedChannelPolicy(w http.ResponseWriter, r *http.Request, v *viewer) (*postedPolicy, bool, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return nil, false, gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	d, err := h.channelPolicyData(r, v, nil)
	if err != nil {
		return nil, false, err
	}
	if d.Refused != "" {
		h.render(w, r, v, http.StatusUnprocessableEntity, "policy_form", d)
		return nil, true, nil
	}
	f := readPolicyForm(r.PostForm)
	cd, err := h.channelConfirm(r, v, d, f)
	if err != nil {
		return nil, true, h.refuse(w, r, v, d, f, err)
	}
	return &postedPolicy{d: d, f: f, cd: cd}, false, nil
}

func (h *Handler) channelConfirm(r *http.Request, v *viewer, d *policyFormData, f policyForm) (*confirmData, error) {
	p, err := f.policy(d.Module)
	if err != nil {
		return nil, err
	}
	to := d.Default.Policy
	if p != nil {
		to = *p
	}
	pv, err := h.retention.Preview(r.Context(), v.Org.ID, d.Channel.ID, &to)
	if err != nil {
		return nil, err
	}
	id := strconv.FormatInt(d.Channel.ID, 10)
	cd := &confirmData{Channel: d.Channel, Module: d.Module, From: d.Current, To: to, Inherit: p == nil, Form: f, ReadOnly: d.ReadOnly,
		Total: pv.DueNow.Count, ItemType: pv.ItemType, Action: pv.Action, Held: pv.Held.Count, Soon: pv.Next30Days.Count,
		Texts: texts(d.Module, v.Org.Name, to), Save: "/settings/channels/" + id, Back: "/settings/channels/" + id + "?" + f.Query()}
	cd.Form.Expect = cd.Total
	cd.Weakens = gallra.KeepsLonger(cd.From, cd.To)
	return cd, nil
}

// channelPolicySave saves a confirmed setting. The preview is taken again:
// if more items would now be purged than the person confirmed, the confirm
// page is shown again instead of saving.
func (h *Handler) channelPolicySave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	pp, done, err := h.postedChannelPolicy(w, r, v)
	if done || err != nil {
		return err
	}
	d, f, cd := pp.d, pp.f, pp.cd
	if r.PostFormValue("confirm") != "yes" || cd.Total > f.Expect {
		cd.Stale = cd.Total > f.Expect
		h.render(w, r, v, http.StatusConflict, "policy_confirm", cd)
		return nil
	}
	p, _ := f.policy(d.Module)
	cd.Reason = r.PostFormValue("reason")
	if _, err := h.retention.ChangeChannelPolicy(r.Context(), v.Staff, d.Channel.ID, p, cd.Reason); err != nil {
		if needsReason(err) {
			return h.askReason(w, r, v, cd)
		}
		return h.refuse(w, r, v, d, f, err)
	}
	h.log.Info("web: channel policy saved", "org_id", v.Org.ID, "channel_id", d.Channel.ID, "staff_id", v.Staff.ID)
	return redirect(w, r, "/settings?ok=policy_saved")
}

// defaultPolicyData loads the form of a module default (admins only).
func (h *Handler) defaultPolicyData(r *http.Request, v *viewer, vals url.Values) (*policyFormData, error) {
	if h.retention == nil {
		return nil, errNoRetention
	}
	m := gallra.Module(r.PathValue("module"))
	if !purged(m) {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "page not found")
	}
	def, err := h.moduleDefault(r, v, m)
	if err != nil {
		return nil, err
	}
	d := &policyFormData{Module: m, Current: def.Policy, Source: def.Source, Cap: capOf(h.retention.Caps(), m),
		Action: "/settings/defaults/" + string(m) + "/preview", Cancel: "/settings", Form: formFromPolicy(def.Policy, "own")}
	if vals != nil && vals.Get("keep") != "" {
		d.Form = readPolicyForm(vals)
		d.Form.Mode = "own"
	}
	d.Texts = texts(m, v.Org.Name, def.Policy)
	if p, err := d.Form.policy(m); err == nil && p != nil {
		d.Texts = texts(m, v.Org.Name, *p)
	}
	return d, nil
}

func (h *Handler) defaultPolicyForm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, err := h.defaultPolicyData(r, v, r.URL.Query())
	if err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "policy_form", d)
	return nil
}

// defaultConfirm previews a module default on every channel that follows
// it (channels with their own setting are not affected).
func (h *Handler) defaultConfirm(r *http.Request, v *viewer, d *policyFormData, f policyForm) (*confirmData, error) {
	f.Mode = "own"
	p, err := f.policy(d.Module)
	if err != nil {
		return nil, err
	}
	if err := h.retention.Caps().Validate(d.Module, *p); err != nil {
		return nil, err
	}
	cd := &confirmData{Module: d.Module, From: d.Current, To: *p, Form: f, ItemType: retention.ItemType(d.Module), Action: p.Action,
		Texts: texts(d.Module, v.Org.Name, *p), Save: "/settings/defaults/" + string(d.Module), Back: "/settings/defaults/" + string(d.Module) + "?" + f.Query(),
		Weakens: gallra.KeepsLonger(d.Current, *p)}
	chs, err := h.svc.Channels.ListChannels(r.Context(), v.Staff, d.Module, gallra.PermViewChannel)
	if err != nil {
		return nil, err
	}
	for _, c := range chs {
		cur, err := h.retention.ChannelPolicy(r.Context(), v.Org.ID, c.ID)
		if err != nil {
			return nil, err
		}
		if cur.Source == "channel" {
			continue
		}
		pv, err := h.retention.Preview(r.Context(), v.Org.ID, c.ID, p)
		if err != nil {
			return nil, err
		}
		cd.Total += pv.DueNow.Count
		cd.Held += pv.Held.Count
		cd.Soon += pv.Next30Days.Count
		cd.Rows = append(cd.Rows, confirmRow{Channel: c, Count: pv.DueNow.Count})
	}
	cd.Form.Expect = cd.Total
	cd.Weakens = gallra.KeepsLonger(cd.From, cd.To)
	return cd, nil
}

// postedDefaultPolicy reads a posted module-default form and takes its
// preview; done reports that a refusal was already rendered.
func (h *Handler) postedDefaultPolicy(w http.ResponseWriter, r *http.Request, v *viewer) (*policyFormData, policyForm, *confirmData, bool, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return nil, policyForm{}, nil, false, gallra.Errorf(gallra.EINVALID, "unreadable form")
	}
	d, err := h.defaultPolicyData(r, v, nil)
	if err != nil {
		return nil, policyForm{}, nil, false, err
	}
	f := readPolicyForm(r.PostForm)
	cd, err := h.defaultConfirm(r, v, d, f)
	if err != nil {
		return nil, f, nil, true, h.refuse(w, r, v, d, f, err)
	}
	return d, f, cd, false, nil
}

func (h *Handler) defaultPolicyPreview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	_, _, cd, done, err := h.postedDefaultPolicy(w, r, v)
	if done || err != nil {
		return err
	}
	h.render(w, r, v, http.StatusOK, "policy_confirm", cd)
	return nil
}

func (h *Handler) defaultPolicySave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	d, f, cd, done, err := h.postedDefaultPolicy(w, r, v)
	if done || err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" || cd.Total > f.Expect {
		cd.Stale = cd.Total > f.Expect
		h.render(w, r, v, http.StatusConflict, "policy_confirm", cd)
		return nil
	}
	cd.Reason = r.PostFormValue("reason")
	if _, err := h.retention.ChangeDefault(r.Context(), v.Staff, d.Module, &cd.To, cd.Reason); err != nil {
		if needsReason(err) {
			return h.askReason(w, r, v, cd)
		}
		return h.refuse(w, r, v, d, f, err)
	}
	h.log.Info("web: module default saved", "org_id", v.Org.ID, "module", string(d.Module), "staff_id", v.Staff.ID)
	return redirect(w, r, "/settings?ok=policy_saved")
}

// policyTextFragment answers the form's script with the customer-facing
// texts of the policy being edited, or why it would be refused, as JSON.
// Without JavaScript the same texts appear on the confirm page.
func (h *Handler) policyTextFragment(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.retention == nil {
		return errNoRetention
	}
	q := r.URL.Query()
	m := gallra.Module(q.Get("module"))
	if !purged(m) {
		return gallra.Errorf(gallra.EINVALID, "module must be forum, mail or chat")
	}
	f := readPolicyForm(q)
	out := map[string]string{}
	p, err := f.policy(m)
	if err == nil && p == nil {
		var def *gallra.RetentionModuleDefault
		if def, err = h.moduleDefault(r, v, m); err == nil {
			p = &def.Policy
		}
	}
	if err == nil {
		err = h.retention.Caps().Validate(m, *p)
	}
	if err != nil {
		if c := gallra.ErrorCode(err); c != gallra.EINVALID && c != gallra.EUNPROCESS {
			return err
		}
		out["refused"] = h.reason(r, v, m, f, err)
	} else if t := texts(m, v.Org.Name, *p); t != nil {
		out["sv"], out["en"] = t.SV, t.EN
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}

// isCode reports whether err carries the code.
func isCode(err error, code string) bool {
	var ge *gallra.Error
	return errors.As(err, &ge) && ge.Code == code
}

// capOf returns the operator's cap of a module, nil when it has none.
func capOf(c gallra.Caps, m gallra.Module) *gallra.Period {
	if p, ok := c[m]; ok {
		return &p
	}
	return nil
}

// needsReason reports whether err refuses a change that keeps data longer
// because it came without a reason.
func needsReason(err error) bool {
	return gallra.ErrorDetails(err)["reason"] == gallra.ReasonRetentionWeakened
}

// askReason shows the confirm page again, asking for the reason.
func (h *Handler) askReason(w http.ResponseWriter, r *http.Request, v *viewer, cd *confirmData) error {
	cd.Weakens, cd.NeedReason = true, true
	h.render(w, r, v, http.StatusUnprocessableEntity, "policy_confirm", cd)
	return nil
}
