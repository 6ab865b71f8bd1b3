package retention

import (
	"strings"
	"testing"

	"github.com/gallra/gallra"
)

func TestPolicyText(t *testing.T) {
	y3 := gallra.Policy{Period: gallra.Period{N: 3, Unit: gallra.Years}, Action: gallra.ActionAnonymize}
	tests := []struct {
		name, lang string
		module     gallra.Module
		p          gallra.Policy
		want       string
	}{
		{"sv forum anonymize 3 years", "sv", gallra.ModuleForum, y3,
			"Inlägg och kommentarer sparas i högst 3 år. Därefter anonymiseras de: namn, e-postadress och IP-adress tas bort medan texten finns kvar."},
		{"sv forum delete 1 year", "sv", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"Inlägg och kommentarer sparas i högst 1 år. Därefter raderas de."},
		{"sv forum never", "sv", gallra.ModuleForum, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize},
			"Inlägg och kommentarer gallras inte automatiskt; kontakta Kommunen om du vill att dina tas bort."},
		{"en forum anonymize 1 year", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionAnonymize},
			"Posts and comments are kept for at most 1 year. After that they are anonymized: name, e-mail address and IP address are removed and the text remains."},
		{"en forum delete 3 years", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 3, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"Posts and comments are kept for at most 3 years. After that they are deleted."},
		{"en forum never", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"Posts and comments are not deleted automatically; contact Kommunen if you want yours removed."},
		{"sv chat 30 days", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 30, Unit: gallra.Days}, Action: gallra.ActionDelete},
			"Chattkonversationen sparas i högst 30 dagar efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 day", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Days}, Action: gallra.ActionDelete},
			"Chattkonversationen sparas i högst 1 dag efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 month", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"Chattkonversationen sparas i högst 1 månad efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"en chat 1 month", "en", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"The chat conversation is kept for at most 1 month after the chat has ended. After that the whole conversation is deleted."},
		{"en chat never", "en", gallra.ModuleChat, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"The chat conversation is not deleted automatically; contact Kommunen if you want it removed."},
		{"sv mail 2 months", "sv", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"E-postkonversationen sparas i högst 2 månader efter det senaste meddelandet. Därefter raderas hela konversationen."},
		{"sv mail never", "sv", gallra.ModuleMail, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"E-postkonversationen raderas inte automatiskt; kontakta Kommunen om du vill att den tas bort."},
		{"en mail 2 years", "en", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"The e-mail conversation is kept for at most 2 years after its last message. After that the whole conversation is deleted."},
		{"en mail 1 day", "en", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Days}, Action: gallra.ActionDelete},
			"The e-mail conversation is kept for at most 1 day after its last message. After that the whole conversation is deleted."},
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
			// The retention sentence never frames storage as consent.
			for _, w := range []string{"godkänner", "samtycke", "agree", "consent"} {
				if strings.Contains(got, w) {
					t.Errorf("text speaks of consent (%q): %q", w, got)
				}
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
