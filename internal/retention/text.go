package retention

import (
	"context"
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

// PolicyText returns the retention sentence of a channel's privacy notice,
// filled from the policy actually applied, in Swedish ("sv") or English
// ("en"), e.g. "Inlägg och kommentarer sparas i högst 3 år. Därefter
// anonymiseras de: namn, e-postadress och IP-adress tas bort medan texten
// finns kvar." It says how long, never on what legal basis: the notice
// (internal/privacy) adds the basis the organisation chose, so no text
// speaks of consent unless consent is the basis. It is a pure function.
// Social and knowledge channels have no such text (EUNPROCESS); an unknown
// language is EINVALID.
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
			switch {
			case never:
				return "Inlägg och kommentarer gallras inte automatiskt; kontakta " + org + " om du vill att dina tas bort.", nil
			case p.Action == gallra.ActionDelete:
				return "Inlägg och kommentarer sparas i högst " + d + ". Därefter raderas de.", nil
			}
			return "Inlägg och kommentarer sparas i högst " + d + ". Därefter anonymiseras de: namn, e-postadress och IP-adress tas bort medan texten finns kvar.", nil
		}
		switch {
		case never:
			return "Posts and comments are not deleted automatically; contact " + org + " if you want yours removed.", nil
		case p.Action == gallra.ActionDelete:
			return "Posts and comments are kept for at most " + d + ". After that they are deleted.", nil
		}
		return "Posts and comments are kept for at most " + d + ". After that they are anonymized: name, e-mail address and IP address are removed and the text remains.", nil
	case gallra.ModuleChat:
		if sv {
			if never {
				return "Chattkonversationen raderas inte automatiskt; kontakta " + org + " om du vill att den tas bort.", nil
			}
			return "Chattkonversationen sparas i högst " + d + " efter att chatten avslutats. Därefter raderas hela konversationen.", nil
		}
		if never {
			return "The chat conversation is not deleted automatically; contact " + org + " if you want it removed.", nil
		}
		return "The chat conversation is kept for at most " + d + " after the chat has ended. After that the whole conversation is deleted.", nil
	default: // mail
		if sv {
			if never {
				return "E-postkonversationen raderas inte automatiskt; kontakta " + org + " om du vill att den tas bort.", nil
			}
			return "E-postkonversationen sparas i högst " + d + " efter det senaste meddelandet. Därefter raderas hela konversationen.", nil
		}
		if never {
			return "The e-mail conversation is not deleted automatically; contact " + org + " if you want it removed.", nil
		}
		return "The e-mail conversation is kept for at most " + d + " after its last message. After that the whole conversation is deleted.", nil
	}
}

// Notices gives a channel's full privacy notice (internal/privacy's
// Service.NoticeText) and records new versions after a policy change.
type Notices interface {
	NoticeText(ctx context.Context, orgID, channelID int64, lang string) (string, error)
	RefreshNotices(ctx context.Context, orgID int64) error
}

// UseNotices makes ChannelPolicyText and PublicPolicyText answer the full
// notice of n, and policy changes record the notices' new versions. Call
// it once while wiring, before serving.
func (e *Engine) UseNotices(n Notices) { e.notices = n }

// ChannelPolicyText returns the policy text of a channel of the organisation
// from its effective policy; lang "" uses the organisation's language.
func (e *Engine) ChannelPolicyText(ctx context.Context, orgID, channelID int64, lang string) (string, error) {
	if e.notices != nil {
		return e.notices.NoticeText(ctx, orgID, channelID, lang)
	}
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
