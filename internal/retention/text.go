package retention

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gallra/gallra"
)

// Languages of the policy text.
const (
	Swedish = "sv"
	English = "en"
)

// duration renders "3 år", "1 månad", "30 dagar", "2 months", "1 year".
func duration(lang string, p gallra.Period) string {
	n := strconv.Itoa(p.N)
	one := p.N == 1
	if lang == Swedish {
		switch p.Unit {
		case gallra.Days:
			if one {
				return n + " dag"
			}
			return n + " dagar"
		case gallra.Months:
			if one {
				return n + " månad"
			}
			return n + " månader"
		default:
			return n + " år"
		}
	}
	unit := map[gallra.Unit]string{gallra.Days: "day", gallra.Months: "month", gallra.Years: "year"}[p.Unit]
	if !one {
		unit += "s"
	}
	return n + " " + unit
}

// PolicyText returns the privacy sentence a channel shows, filled from the
// policy actually applied, in Swedish ("sv") or English ("en"), e.g.
// "Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att
// Kommunen lagrar dina personuppgifter (namn, e-postadress och IP-adress) i
// högst 3 år." It is a pure function. Social and knowledge channels have no
// such text (EUNPROCESS); an unknown language is EINVALID.
func PolicyText(lang string, m gallra.Module, org string, p gallra.Policy) (string, error) {
	if lang != Swedish && lang != English {
		return "", gallra.Errorf(gallra.EINVALID, "lang must be sv or en")
	}
	if err := gallra.CheckPurgedModule(m); err != nil {
		return "", err
	}
	sv := lang == Swedish
	never := p.Period.IsNever()
	var d string
	if !never {
		d = duration(lang, p.Period)
	}
	switch m {
	case gallra.ModuleForum:
		if sv {
			s := fmt.Sprintf("Genom att skriva ett inlägg eller en kommentar i forumet godkänner du att %s lagrar dina personuppgifter (namn, e-postadress och IP-adress)", org)
			switch {
			case never:
				return s + ". De gallras inte automatiskt; kontakta " + org + " om du vill att de tas bort.", nil
			case p.Action == gallra.ActionDelete:
				return s + " i högst " + d + ". Därefter raderas ditt inlägg eller din kommentar.", nil
			}
			return s + " i högst " + d + ". Därefter anonymiseras inlägget: namn, e-postadress och IP-adress tas bort medan texten finns kvar.", nil
		}
		s := fmt.Sprintf("By writing a post or comment in the forum you agree that %s stores your personal data (name, e-mail address and IP address)", org)
		switch {
		case never:
			return s + ". It is not deleted automatically; contact " + org + " if you want it removed.", nil
		case p.Action == gallra.ActionDelete:
			return s + " for at most " + d + ". After that your post or comment is deleted.", nil
		}
		return s + " for at most " + d + ". After that your post is anonymized: your name, e-mail address and IP address are removed and the text remains.", nil
	case gallra.ModuleChat:
		if sv {
			s := fmt.Sprintf("Genom att chatta med oss godkänner du att %s lagrar chattkonversationen och de personuppgifter du lämnar i den", org)
			if never {
				return s + ". Den raderas inte automatiskt; kontakta " + org + " om du vill att den tas bort.", nil
			}
			return s + " i högst " + d + " efter att chatten avslutats. Därefter raderas hela konversationen.", nil
		}
		s := fmt.Sprintf("By chatting with us you agree that %s stores the chat conversation and the personal data you give in it", org)
		if never {
			return s + ". It is not deleted automatically; contact " + org + " if you want it removed.", nil
		}
		return s + " for at most " + d + " after the chat has ended. After that the whole conversation is deleted.", nil
	default: // mail
		if sv {
			s := fmt.Sprintf("När du mejlar oss lagrar %s e-postkonversationen och de personuppgifter du lämnar i den", org)
			if never {
				return s + ". Den raderas inte automatiskt; kontakta " + org + " om du vill att den tas bort.", nil
			}
			return s + " i högst " + d + " efter det senaste meddelandet. Därefter raderas hela konversationen.", nil
		}
		s := fmt.Sprintf("When you e-mail us, %s stores the e-mail conversation and the personal data you give in it", org)
		if never {
			return s + ". It is not deleted automatically; contact " + org + " if you want it removed.", nil
		}
		return s + " for at most " + d + " after its last message. After that the whole conversation is deleted.", nil
	}
}

// ChannelPolicyText returns the policy text of a channel of the organisation
// from its effective policy; lang "" uses the organisation's language.
func (e *Engine) ChannelPolicyText(ctx context.Context, orgID, channelID int64, lang string) (string, error) {
	org, err := e.db.GetOrganisation(ctx, orgID)
	if err != nil {
		return "", err
	}
	if lang == "" {
		lang = org.Language
	}
	r, err := e.ChannelPolicy(ctx, orgID, channelID)
	if err != nil {
		return "", err
	}
	return PolicyText(lang, r.Module, org.Name, r.Policy)
}

// PublicPolicyText is the hook for public channel pages
// (httpapi.Config.PolicyText): the text in the organisation's language for
// forums and chat flows, nil for other channels.
func (e *Engine) PublicPolicyText(ctx context.Context, c *gallra.Channel) (*string, error) {
	if c.Module != gallra.ModuleForum && c.Module != gallra.ModuleChat && c.Module != gallra.ModuleMail {
		return nil, nil
	}
	s, err := e.ChannelPolicyText(ctx, c.OrgID, c.ID, "")
	if err != nil {
		return nil, err
	}
	return &s, nil
}
