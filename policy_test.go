package gallra

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want string
		code string
	}{
		{"never", "never", ""}, {"30d", "30d", ""}, {"30 days", "30d", ""}, {"1m", "1m", ""}, {"2 months", "2m", ""},
		{"3y", "3y", ""}, {" 1 Year ", "1y", ""}, {"0d", "", EINVALID}, {"3w", "", EINVALID},
		{"", "", EINVALID}, {"-1y", "", EINVALID}, {"101y", "", EINVALID},
	}
	for _, tc := range tests {
		p, err := ParsePeriod(tc.in)
		if ErrorCode(err) != tc.code {
			t.Errorf("ParsePeriod(%q): err %v, want code %q", tc.in, err, tc.code)
			continue
		}
		if err == nil && p.String() != tc.want {
			t.Errorf("ParsePeriod(%q) = %s, want %s", tc.in, p, tc.want)
		}
	}
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	if got := (Period{N: 3, Unit: Years}).Cutoff(now); !got.Equal(time.Date(2023, 3, 15, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("3y cutoff = %v", got)
	}
	if got := (Period{N: 1, Unit: Months}).Cutoff(now); !got.Equal(time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("1m cutoff = %v", got)
	}
}

func TestCapsValidate(t *testing.T) {
	caps := Caps{}
	if err := caps.Set(ModuleChat, "1m"); err != nil {
		t.Fatal(err)
	}
	if err := caps.Set(ModuleChat, "never"); ErrorCode(err) != EINVALID {
		t.Fatalf("cap never: %v", err)
	}
	tests := []struct {
		name   string
		module Module
		p      Policy
		code   string
	}{
		{"chat 30 days fits 1 month cap", ModuleChat, Policy{Period: Period{N: 30, Unit: Days}, Action: ActionDelete}, ""},
		{"chat 1 month equals cap", ModuleChat, Policy{Period: Period{N: 1, Unit: Months}, Action: ActionDelete}, ""},
		{"chat 31 days over cap", ModuleChat, Policy{Period: Period{N: 31, Unit: Days}, Action: ActionDelete}, EUNPROCESS},
		{"chat 1 year over cap", ModuleChat, Policy{Period: Period{N: 1, Unit: Years}, Action: ActionDelete}, EUNPROCESS},
		{"chat never under cap", ModuleChat, Policy{Period: Never(), Action: ActionDelete}, EUNPROCESS},
		{"chat anonymize unsupported", ModuleChat, Policy{Period: Period{N: 7, Unit: Days}, Action: ActionAnonymize}, EUNPROCESS},
		{"mail anonymize unsupported", ModuleMail, Policy{Period: Period{N: 1, Unit: Years}, Action: ActionAnonymize}, EUNPROCESS},
		{"mail never without cap", ModuleMail, Policy{Period: Never(), Action: ActionDelete}, ""},
		{"forum delete", ModuleForum, Policy{Period: Period{N: 5, Unit: Years}, Action: ActionDelete}, ""},
		{"forum bad action", ModuleForum, Policy{Period: Period{N: 5, Unit: Years}, Action: "shred"}, EINVALID},
		{"social refused", ModuleSocial, Policy{Period: Period{N: 1, Unit: Years}, Action: ActionDelete}, EUNPROCESS},
		{"knowledge refused", ModuleKnowledge, Policy{Period: Period{N: 1, Unit: Years}, Action: ActionDelete}, EUNPROCESS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := caps.Validate(tc.module, tc.p)
			if ErrorCode(err) != tc.code {
				t.Fatalf("err %v, want code %q", err, tc.code)
			}
		})
	}
	p, capped := caps.Clamp(ModuleChat, Policy{Period: Period{N: 2, Unit: Years}, Action: ActionDelete})
	if !capped || p.Period != (Period{N: 1, Unit: Months}) {
		t.Errorf("Clamp = %v %v", p, capped)
	}
	env := map[string]string{"GALLRA_RETENTION_CAP_CHAT": "1m", "GALLRA_RETENTION_CAP_FORUM": "5y"}
	c, err := CapsFromEnv(func(k string) string { return env[k] })
	if err != nil || c[ModuleChat] != (Period{N: 1, Unit: Months}) || c[ModuleForum] != (Period{N: 5, Unit: Years}) || len(c) != 2 {
		t.Errorf("CapsFromEnv = %v, %v", c, err)
	}
	env["GALLRA_RETENTION_CAP_MAIL"] = "soon"
	if _, err := CapsFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("bad cap accepted")
	}
}

func TestCutoffCalendarMonths(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	cases := []struct {
		period string
		now    time.Time
		want   time.Time
	}{
		// time.AddDate would give Mar 3 and purge chats only 29 days old.
		{"1m", at(2025, 3, 31), at(2025, 2, 28)},
		{"1m", at(2028, 3, 31), at(2028, 2, 29)},
		{"1y", at(2028, 2, 29), at(2027, 2, 28)},
		{"3y", at(2026, 5, 31), at(2023, 5, 31)},
		{"2m", at(2026, 1, 15), at(2025, 11, 15)},
		{"30d", at(2025, 3, 31), at(2025, 3, 1)},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Cutoff(c.now); !got.Equal(c.want) {
			t.Errorf("%s before %s: cutoff %s, want %s", c.period, c.now.Format(time.DateOnly), got.Format(time.DateOnly), c.want.Format(time.DateOnly))
		}
	}
}

// An item is never due before it is N calendar months old.
func TestCutoffNeverEarly(t *testing.T) {
	p, _ := ParsePeriod("1m")
	start := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for day := 0; day < 2*366; day++ {
		now := start.AddDate(0, 0, day)
		cut := p.Cutoff(now)
		// The newest due item is just before cut; it must be a month old.
		if AddMonths(cut.Add(-time.Millisecond), 1).After(now) {
			t.Fatalf("at %s an item from %s is due before it is one month old", now.Format(time.DateOnly), cut.Format(time.DateOnly))
		}
	}
}

func TestLongerAcrossUnits(t *testing.T) {
	cases := []struct {
		p, cap string
		over   bool
	}{
		{"30d", "1m", false}, // the shipped chat default fits the seed's one-month cap
		{"31d", "1m", true},
		{"1m", "30d", true}, // some months have 31 days
		{"1m", "31d", false},
		{"1y", "12m", false},
		{"13m", "1y", true},
		{"12m", "1y", false},
		{"365d", "1y", false},
		{"366d", "1y", true},
		{"1y", "365d", true},
		{"1y", "366d", false},
		{"never", "5y", true},
		{"5y", "never", false},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParsePeriod(c.cap)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Longer(q); got != c.over {
			t.Errorf("%s longer than %s = %v, want %v", c.p, c.cap, got, c.over)
		}
	}
}
