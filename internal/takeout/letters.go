package takeout

import (
	"context"
	"fmt"
	"strings"

	"github.com/gallra/gallra"
)

// Letter kinds.
const (
	LetterExtension = "extension" // the deadline was extended (Art. 12(3))
	LetterRefusal   = "refusal"   // the request was refused (Art. 12(4))
)

// Letter is a letter for the organisation to send the person about their
// request: an extension with its reason, or a refusal with its reason and
// the person's remedies. It names no one and holds no e-mail address.
type Letter struct {
	RequestID int64  `json:"request_id"`
	Reference string `json:"reference"`
	Kind      string `json:"kind"`
	Language  string `json:"language"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
}

// defaultComplaint names the Swedish supervisory authority, used when the
// organisation's settings name none.
var defaultComplaint = [2]string{
	"Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, imy.se",
	"the Swedish Authority for Privacy Protection (IMY), Box 8114, 104 20 Stockholm, Sweden, imy.se",
}

// Letter returns the letter of kind (LetterExtension for an extended
// request, LetterRefusal for a refused one) in lang ("sv", "en", or "":
// the organisation's language), with dates in the organisation's time
// zone. ECONFLICT when the request has no such event.
func (s *Service) Letter(ctx context.Context, staff *gallra.Staff, id int64, kind, lang string) (*Letter, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, err
	}
	org, err := s.db.GetOrganisation(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	st, err := s.db.RequestSettings(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	switch lang {
	case "":
		lang = org.Language
	case "sv", "en":
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "lang must be sv or en")
	}
	en := lang == "en"
	if !en {
		lang = "sv"
	}
	L := newHTMLLang(lang, st.TimeZone)
	complaint := strings.TrimSpace(st.Info.Complaint)
	if complaint == "" {
		complaint = defaultComplaint[0]
		if en {
			complaint = defaultComplaint[1]
		}
	}
	ref := r.Reference
	l := &Letter{RequestID: r.ID, Reference: ref, Kind: kind, Language: lang}
	var b strings.Builder
	switch kind {
	case LetterExtension:
		if r.ExtendedMonths == 0 {
			return nil, withReason(gallra.Errorf(gallra.ECONFLICT, "request %s was not extended; there is no extension letter", ref), ReasonNoLetter)
		}
		months := fmt.Sprintf("%d månad", r.ExtendedMonths)
		if r.ExtendedMonths > 1 {
			months += "er"
		}
		if en {
			months = fmt.Sprintf("%d month", r.ExtendedMonths)
			if r.ExtendedMonths > 1 {
				months += "s"
			}
			l.Subject = fmt.Sprintf("Your request %s: we need more time", ref)
			fmt.Fprintf(&b, "We received your request on %s (case %s). Under Article 12(3) of the GDPR we extend the time to answer it by %s, to %s.\n\n",
				L.Day(r.ReceivedAt), ref, months, L.Day(r.DueAt))
			fmt.Fprintf(&b, "The reason: %s\n\n", r.ExtensionReason)
			fmt.Fprintf(&b, "If you are not satisfied, you may lodge a complaint with %s.\n\n%s\n", complaint, org.Name)
		} else {
			l.Subject = fmt.Sprintf("Din begäran %s: vi behöver mer tid", ref)
			fmt.Fprintf(&b, "Vi tog emot din begäran den %s (ärende %s). Enligt artikel 12.3 i dataskyddsförordningen förlänger vi tiden för att besvara den med %s, till den %s.\n\n",
				L.Day(r.ReceivedAt), ref, months, L.Day(r.DueAt))
			fmt.Fprintf(&b, "Skälet: %s\n\n", r.ExtensionReason)
			fmt.Fprintf(&b, "Om du inte är nöjd kan du lämna klagomål till %s.\n\n%s\n", complaint, org.Name)
		}
	case LetterRefusal:
		if r.Status != gallra.StatusRefused {
			return nil, withReason(gallra.Errorf(gallra.ECONFLICT, "request %s is %s, not refused; there is no refusal letter", ref, r.Status), ReasonNoLetter)
		}
		if en {
			l.Subject = fmt.Sprintf("Your request %s", ref)
			fmt.Fprintf(&b, "We received your request on %s (case %s). We will not act on it.\n\n", L.Day(r.ReceivedAt), ref)
			fmt.Fprintf(&b, "The reason: %s\n\n", r.CloseReason)
			fmt.Fprintf(&b, "Under Article 12(4) of the GDPR you may lodge a complaint with %s, and you may seek a judicial remedy in court.\n\n%s\n", complaint, org.Name)
		} else {
			l.Subject = fmt.Sprintf("Din begäran %s", ref)
			fmt.Fprintf(&b, "Vi tog emot din begäran den %s (ärende %s). Vi kommer inte att tillmötesgå den.\n\n", L.Day(r.ReceivedAt), ref)
			fmt.Fprintf(&b, "Skälet: %s\n\n", r.CloseReason)
			fmt.Fprintf(&b, "Enligt artikel 12.4 i dataskyddsförordningen kan du lämna klagomål till %s och begära prövning i domstol.\n\n%s\n", complaint, org.Name)
		}
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "kind must be extension or refusal")
	}
	l.Text = b.String()
	return l, nil
}
