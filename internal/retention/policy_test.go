package retention

import (
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
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress) i högst 3 år. Därefter anonymiseras inlägget: namn, e-postadress och IP-adress tas bort medan texten finns kvar."},
		{"sv forum delete 1 year", "sv", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress) i högst 1 år. Därefter raderas ditt inlägg eller din kommentar."},
		{"sv forum never", "sv", gallra.ModuleForum, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize},
			"Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress). De gallras inte automatiskt; kontakta Kommunen om du vill att de tas bort."},
		{"en forum anonymize 1 year", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionAnonymize},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address) for at most 1 year. After that your post is anonymized: your name, e-mail address and IP address are removed and the text remains."},
		{"en forum delete 3 years", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Period{N: 3, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address) for at most 3 years. After that your post or comment is deleted."},
		{"en forum never", "en", gallra.ModuleForum, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"By writing a post or comment in the forum you agree that Kommunen stores your personal data (name, e-mail address and IP address). It is not deleted automatically; contact Kommunen if you want it removed."},
		{"sv chat 30 days", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 30, Unit: gallra.Days}, Action: gallra.ActionDelete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 30 dagar efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 day", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Days}, Action: gallra.ActionDelete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 1 dag efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"sv chat 1 month", "sv", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"Genom att chatta med oss godkänner du att Kommunen lagrar chattkonversationen och de personuppgifter du lämnar i den i högst 1 månad efter att chatten avslutats. Därefter raderas hela konversationen."},
		{"en chat 1 month", "en", gallra.ModuleChat, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"By chatting with us you agree that Kommunen stores the chat conversation and the personal data you give in it for at most 1 month after the chat has ended. After that the whole conversation is deleted."},
		{"en chat never", "en", gallra.ModuleChat, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"By chatting with us you agree that Kommunen stores the chat conversation and the personal data you give in it. It is not deleted automatically; contact Kommunen if you want it removed."},
		{"sv mail 2 months", "sv", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Months}, Action: gallra.ActionDelete},
			"När du mejlar oss lagrar Kommunen e-postkonversationen och de personuppgifter du lämnar i den i högst 2 månader efter det senaste meddelandet. Därefter raderas hela konversationen."},
		{"sv mail never", "sv", gallra.ModuleMail, gallra.Policy{Period: gallra.Never(), Action: gallra.ActionDelete},
			"När du mejlar oss lagrar Kommunen e-postkonversationen och de personuppgifter du lämnar i den. Den raderas inte automatiskt; kontakta Kommunen om du vill att den tas bort."},
		{"en mail 2 years", "en", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Years}, Action: gallra.ActionDelete},
			"When you e-mail us, Kommunen stores the e-mail conversation and the personal data you give in it for at most 2 years after its last message. After that the whole conversation is deleted."},
		{"en mail 1 day", "en", gallra.ModuleMail, gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Days}, Action: gallra.ActionDelete},
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
