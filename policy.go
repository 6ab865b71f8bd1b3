package gallra

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Unit is the unit of a retention period.
type Unit byte

// Period units.
const (
	Days   Unit = 'd'
	Months Unit = 'm'
	Years  Unit = 'y'
)

// Period is how long data is kept: N days, months or years, or never purged
// automatically (the zero Period). Months and years are calendar months and
// years, counted back from now in UTC.
type Period struct {
	N    int
	Unit Unit
}

// Never returns the period of "no automatic purge" (the zero Period).
func Never() Period { return Period{} }

// MaxPeriodDays bounds a period (100 years): anything longer is a typo.
const MaxPeriodDays = 36600

var periodRE = regexp.MustCompile(`^(\d{1,5})\s*(d|days?|m|months?|y|years?)$`)

// ParsePeriod reads "never", "30d", "1m", "3y" (also "30 days", "2 months",
// "1 year"). Malformed input is EINVALID.
func ParsePeriod(s string) (Period, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "never" {
		return Never(), nil
	}
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, Errorf(EINVALID, "period must be never or a number of days, months or years such as 30d, 1m or 3y")
	}
	n, _ := strconv.Atoi(m[1])
	p := Period{N: n, Unit: Unit(m[2][0])}
	if n < 1 || p.maxDays() > MaxPeriodDays {
		return Period{}, Errorf(EINVALID, "period must be between 1 day and 100 years")
	}
	return p, nil
}

// IsNever reports whether p means no automatic purge.
func (p Period) IsNever() bool { return p.N == 0 }

// String is the canonical form: "never", "30d", "1m", "3y".
func (p Period) String() string {
	if p.IsNever() {
		return "never"
	}
	return strconv.Itoa(p.N) + string(p.Unit)
}

// Cutoff returns the instant before which an item's clock must lie for it to
// be due at now. Months and years are calendar months counted back from now
// with the day clamped (AddMonths): on Mar 31 a one-month cutoff is
// Feb 28, not Mar 3 as time.AddDate would make it. So an item is never purged
// before it is N calendar months old; at month ends it may wait up to three
// days longer (an item from Jan 29–31 with a one-month period goes on Mar 1).
// It panics on a never period (callers check IsNever).
func (p Period) Cutoff(now time.Time) time.Time {
	now = now.UTC()
	switch p.Unit {
	case Days:
		return now.AddDate(0, 0, -p.N)
	case Months:
		return AddMonths(now, -p.N)
	case Years:
		return AddMonths(now, -12*p.N)
	}
	panic("retention: cutoff of a never period")
}

// maxDays is the longest the period can be, in days (for the sanity limit).
func (p Period) maxDays() int {
	switch p.Unit {
	case Months:
		return 31 * p.N
	case Years:
		return 366 * p.N
	}
	return p.N
}

// months is a month- or year-based period in months (a year is 12).
func (p Period) months() int {
	if p.Unit == Years {
		return 12 * p.N
	}
	return p.N
}

// Longer reports whether p may keep data longer than q allows (never is
// longest). Periods of the same kind compare exactly (a year is 12 months).
// Across kinds: a period of days fits under a cap of months when it is at
// most 30 days a month (365 a year) — so the shipped "30 days after close"
// chat default fits the "at most one month" cap — and a period of months
// fits under a cap of days only when even its longest months (31 days, 366
// a year) fit.
func (p Period) Longer(q Period) bool {
	switch {
	case p.IsNever():
		return !q.IsNever()
	case q.IsNever():
		return false
	}
	pDays, qDays := p.Unit == Days, q.Unit == Days
	switch {
	case pDays && qDays:
		return p.N > q.N
	case !pDays && !qDays:
		return p.months() > q.months()
	case pDays: // days under a cap of months or years
		limit := 30 * q.N
		if q.Unit == Years {
			limit = 365 * q.N
		}
		return p.N > limit
	default: // months or years under a cap of days
		longest := 31 * p.N
		if p.Unit == Years {
			longest = 366 * p.N
		}
		return longest > q.N
	}
}

// MarshalJSON writes the canonical string.
func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a period string.
func (p *Period) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "period must be a string such as \"3y\" or \"never\"")
	}
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Action is what happens to data whose period has passed.
type Action string

// Actions. Forum supports both; mail and chat only delete.
const (
	ActionAnonymize Action = "anonymize"
	ActionDelete    Action = "delete"
)

// ParseAction reads "anonymize" or "delete"; anything else is EINVALID.
func ParseAction(s string) (Action, error) {
	switch a := Action(strings.ToLower(strings.TrimSpace(s))); a {
	case ActionAnonymize, ActionDelete:
		return a, nil
	}
	return "", Errorf(EINVALID, "action must be anonymize or delete")
}

// Policy is a retention setting: keep for Period, then apply Action.
type Policy struct {
	Period Period `json:"period"`
	Action Action `json:"action"`
}

// String renders "anonymize after 3y", "delete after 30d" or "never".
func (p Policy) String() string {
	if p.Period.IsNever() {
		return "never"
	}
	return fmt.Sprintf("%s after %s", p.Action, p.Period)
}

// ParsePolicy reads a period and an action; with a never period the action
// may be empty (it then defaults to the module's only or default action).
func ParsePolicy(m Module, period, action string) (Policy, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return Policy{}, err
	}
	if strings.TrimSpace(action) == "" {
		return Policy{Period: p, Action: Shipped(m).Action}, nil
	}
	a, err := ParseAction(action)
	if err != nil {
		return Policy{}, err
	}
	return Policy{Period: p, Action: a}, nil
}

// Shipped returns the built-in default of a module: forum anonymize after 3
// years, mail delete after 2 years, chat delete 30 days after close.
func Shipped(m Module) Policy {
	switch m {
	case ModuleForum:
		return Policy{Period: Period{3, Years}, Action: ActionAnonymize}
	case ModuleMail:
		return Policy{Period: Period{2, Years}, Action: ActionDelete}
	case ModuleChat:
		return Policy{Period: Period{30, Days}, Action: ActionDelete}
	}
	return Policy{Period: Never(), Action: ActionDelete}
}

// PurgedModules lists the modules with retention policies.
func PurgedModules() []Module {
	return []Module{ModuleForum, ModuleMail, ModuleChat}
}

// Caps are the operator's (processor's) maximum periods per module. A module
// without a cap allows any period, including never.
type Caps map[Module]Period

// CapEnv returns the environment variable of a module's cap, e.g.
// GALLRA_RETENTION_CAP_CHAT.
func CapEnv(m Module) string { return "GALLRA_RETENTION_CAP_" + strings.ToUpper(string(m)) }

// CapsFromEnv reads GALLRA_RETENTION_CAP_FORUM, _MAIL and _CHAT (period
// syntax, e.g. 1m; empty means no cap) through getenv.
func CapsFromEnv(getenv func(string) string) (Caps, error) {
	caps := Caps{}
	for _, m := range PurgedModules() {
		if err := caps.Set(m, getenv(CapEnv(m))); err != nil {
			return nil, fmt.Errorf("%s: %w", CapEnv(m), err)
		}
	}
	return caps, nil
}

// Set parses and sets one module's cap; "" removes it. A cap of never is
// refused: it would not cap anything.
func (c Caps) Set(m Module, s string) error {
	if strings.TrimSpace(s) == "" {
		delete(c, m)
		return nil
	}
	p, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	if p.IsNever() {
		return Errorf(EINVALID, "a cap must be a period such as 1m, not never")
	}
	c[m] = p
	return nil
}

// Validate checks a policy for a module against the rules and the caps and
// returns an error naming the rule it breaks: EUNPROCESS for social and
// knowledge channels, an action the module does not support, never under a
// cap, or a period over the cap.
func (c Caps) Validate(m Module, p Policy) error {
	if err := CheckPurgedModule(m); err != nil {
		return err
	}
	if p.Action != ActionAnonymize && p.Action != ActionDelete {
		return Errorf(EINVALID, "action must be anonymize or delete")
	}
	if m != ModuleForum && p.Action != ActionDelete {
		return Errorf(EUNPROCESS, "%s supports only the action delete: the whole conversation is deleted", m)
	}
	if limit, ok := c[m]; ok {
		if p.Period.IsNever() {
			return Errorf(EUNPROCESS, "the operator caps %s retention at %s: never (no automatic purge) is not allowed", m, limit)
		}
		if p.Period.Longer(limit) {
			return Errorf(EUNPROCESS, "the operator caps %s retention at %s: %s is longer", m, limit, p.Period)
		}
	}
	return nil
}

// CheckPurgedModule refuses modules without retention policies: social (the
// external platform is the source) and knowledge (no end-customer data).
func CheckPurgedModule(m Module) error {
	switch m {
	case ModuleSocial:
		return Errorf(EUNPROCESS, "social channels have no retention policy: they are never purged automatically because the external platform is the source")
	case ModuleKnowledge:
		return Errorf(EUNPROCESS, "knowledge bases hold no end-customer data: there is no retention policy to set")
	case ModuleForum, ModuleMail, ModuleChat:
		return nil
	}
	return Errorf(EINVALID, "module must be forum, mail or chat")
}

// Clamp returns p shortened to the module's cap (and whether it was), so a
// policy saved before a cap was lowered is still never exceeded.
func (c Caps) Clamp(m Module, p Policy) (Policy, bool) {
	limit, ok := c[m]
	if !ok || !p.Period.Longer(limit) {
		return p, false
	}
	p.Period = limit
	return p, true
}
