package retention

import (
	"testing"
	"time"

	"github.com/gallra/gallra"
)

func TestPolicyText(t *testing.T) {
	y3 := Policy{Period: Period{3, Years}, Action: Anonymize}
	tests := []struct {
		name, lang string
		module     gallra.Module
		p          Policy
		want       string
	}{
		{"sv forum anonymize 3 years", "sv", gallra.ModuleForum, y3,
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress) i högst 3 år. Därefter anonymiseras inlägget: namn, e-postadress och IP-adress tas bort medan texten finns kvar."},
		{"sv forum delete 1 year", "sv", gallra.ModuleForum, Policy{Period{1, Years}, Delete},
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress) i högst 1 år. Därefter raderas ditt inlägg eller din kommentar."},
		{"sv forum never", "sv", gallra.ModuleForum, Policy{Never(), Anonymize},
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress). De gallras inte automatiskt; kontakta Kommunen om du vill att de tas bort."},
		{"en forum anonymize 1 year", "en", gallra.ModuleForum, Policy{Period{1, Years}, Anonymize},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address) for at most 1 year. After that your post is anonymized: your name, e-mail address and IP address are removed and the text remains."},
		{"en forum delete 3 years", "en", gallra.ModuleForum, Policy{Period{3, Years}, Delete},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address) for at most 3 years. After that your post or comment is deleted."},
		{"en forum never", "en", gallra.ModuleForum, Policy{Never(), Delete},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address). It is not deleted automatically; contact Kommunen if you want it removed."},
		{"sv chat 30 days", "sv", gallra.ModuleChat, Policy{Period{30, Days}, Delete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 30 dagar efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 day", "sv", gallra.ModuleChat, Policy{Period{1, Days}, Delete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 1 dag efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 month", "sv", gallra.ModuleChat, Policy{Period{1, Months}, Delete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 1 månad efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"en chat 1 month", "en", gallra.ModuleChat, Policy{Period{1, Months}, Delete},
			"By chatting with us you agree that Kommunen stores the chat conversation and the personal data you give in it for at most 1 month after the chat has ended. After that the whole conversation is deleted."},
		{"en chat never", "en", gallra.ModuleChat, Policy{Never(), Delete},
			"By chatting with us you agree that Kommunen stores the chat conversation and the personal data you give in it. It is not deleted automatically; contact Kommunen if you want it removed."},
		{"sv mail 2 months", "sv", gallra.ModuleMail, Policy{Period{2, Months}, Delete},
			"När du mejlar oss lagrar Kommunen e-postkonversationen och de personuppgifter du lämnar i den i högst 2 månader efter det senaste meddelandet. Därefter raderas hela konversationen."},
		{"sv mail never", "sv", gallra.ModuleMail, Policy{Never(), Delete},
			"När du mejlar oss lagrar Kommunen e-postkonversationen och de personuppgifter du lämnar i den. Den raderas inte automatiskt; kontakta Kommunen om du vill att den tas bort."},
		{"en mail 2 years", "en", gallra.ModuleMail, Policy{Period{2, Years}, Delete},
			"When you e-mail us, Kommunen stores the e-mail conversation and the personal data you give in it for at most 2 years after its last message. After that the whole conversation is deleted."},
		{"en mail 1 day", "en", gallra.ModuleMail, Policy{Period{1, Days}, Delete},
			"When you e-mail us, Kommunen stores the e-mail conversation and the personal data you give in it for at most 1 day after its last message. After that the whole conversation is deleted."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PolicyText(tc.lang, tc.module, "Kommunen", tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	for _, m := range []gallra.Module{gallra.ModuleSocial, gallra.ModuleKnowledge} {
		if _, err := PolicyText("sv", m, "K", y3); gallra.ErrorCode(err) != gallra.EUNPROCESS {
			t.Errorf("%s: err %v, want EUNPROCESS", m, err)
		}
	}
	if _, err := PolicyText("de", gallra.ModuleForum, "K", y3); gallra.ErrorCode(err) != gallra.EINVALID {
		t.Errorf("lang de: err %v, want EINVALID", err)
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want string
		code string
	}{
		{"never", "never", ""}, {"30d", "30d", ""}, {"30 days", "30d", ""}, {"1m", "1m", ""}, {"2 months", "2m", ""},
		{"3y", "3y", ""}, {" 1 Year ", "1y", ""}, {"0d", "", gallra.EINVALID}, {"3w", "", gallra.EINVALID},
		{"", "", gallra.EINVALID}, {"-1y", "", gallra.EINVALID}, {"101y", "", gallra.EINVALID},
	}
	for _, tc := range tests {
		p, err := ParsePeriod(tc.in)
		if gallra.ErrorCode(err) != tc.code {
			t.Errorf("ParsePeriod(%q): err %v, want code %q", tc.in, err, tc.code)
			continue
		}
		if err == nil && p.String() != tc.want {
			t.Errorf("ParsePeriod(%q) = %s, want %s", tc.in, p, tc.want)
		}
	}
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	if got := (Period{3, Years}).Cutoff(now); !got.Equal(time.Date(2023, 3, 15, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("3y cutoff = %v", got)
	}
	if got := (Period{1, Months}).Cutoff(now); !got.Equal(time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("1m cutoff = %v", got)
	}
}

func TestCapsValidate(t *testing.T) {
	caps := Caps{}
	if err := caps.Set(gallra.ModuleChat, "1m"); err != nil {
		t.Fatal(err)
	}
	if err := caps.Set(gallra.ModuleChat, "never"); gallra.ErrorCode(err) != gallra.EINVALID {
		t.Fatalf("cap never: %v", err)
	}
	tests := []struct {
		name   string
		module gallra.Module
		p      Policy
		code   string
	}{
		{"chat 30 days fits 1 month cap", gallra.ModuleChat, Policy{Period{30, Days}, Delete}, ""},
		{"chat 1 month equals cap", gallra.ModuleChat, Policy{Period{1, Months}, Delete}, ""},
		{"chat 31 days over cap", gallra.ModuleChat, Policy{Period{31, Days}, Delete}, gallra.EUNPROCESS},
		{"chat 1 year over cap", gallra.ModuleChat, Policy{Period{1, Years}, Delete}, gallra.EUNPROCESS},
		{"chat never under cap", gallra.ModuleChat, Policy{Never(), Delete}, gallra.EUNPROCESS},
		{"chat anonymize unsupported", gallra.ModuleChat, Policy{Period{7, Days}, Anonymize}, gallra.EUNPROCESS},
		{"mail anonymize unsupported", gallra.ModuleMail, Policy{Period{1, Years}, Anonymize}, gallra.EUNPROCESS},
		{"mail never without cap", gallra.ModuleMail, Policy{Never(), Delete}, ""},
		{"forum delete", gallra.ModuleForum, Policy{Period{5, Years}, Delete}, ""},
		{"forum bad action", gallra.ModuleForum, Policy{Period{5, Years}, "shred"}, gallra.EINVALID},
		{"social refused", gallra.ModuleSocial, Policy{Period{1, Years}, Delete}, gallra.EUNPROCESS},
		{"knowledge refused", gallra.ModuleKnowledge, Policy{Period{1, Years}, Delete}, gallra.EUNPROCESS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := caps.Validate(tc.module, tc.p)
			if gallra.ErrorCode(err) != tc.code {
				t.Fatalf("err %v, want code %q", err, tc.code)
			}
		})
	}
	p, capped := caps.Clamp(gallra.ModuleChat, Policy{Period{2, Years}, Delete})
	if !capped || p.Period != (Period{1, Months}) {
		t.Errorf("Clamp = %v %v", p, capped)
	}
	env := map[string]string{"GALLRA_RETENTION_CAP_CHAT": "1m", "GALLRA_RETENTION_CAP_FORUM": "5y"}
	c, err := CapsFromEnv(func(k string) string { return env[k] })
	if err != nil || c[gallra.ModuleChat] != (Period{1, Months}) || c[gallra.ModuleForum] != (Period{5, Years}) || len(c) != 2 {
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
		if gallra.AddMonths(cut.Add(-time.Millisecond), 1).After(now) {
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
