package service

import (
	"context"
	"strings"
	"unicode"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
)

// Persons implements gallra.PersonService.
type Persons struct{ d Deps }

var _ gallra.PersonService = (*Persons)(nil)

// personQueryKind reads a person search: an e-mail address, a personnummer
// or samordningsnummer, a phone number, else a name or social handle. It
// returns the kind and the value normalised for it.
func personQueryKind(q string, d Deps) (kind, value string) {
	if strings.Contains(q, "@") {
		if v, err := pii.NormalizeIdentifier(pii.IdentEmail, q, d.Clock.Now()); err == nil {
			return pii.IdentEmail, v
		}
		return "name", q
	}
	digits := 0
	for _, r := range q {
		if unicode.IsDigit(r) {
			digits++
		} else if !strings.ContainsRune(" -+()", r) {
			return "name", q
		}
	}
	if digits >= 10 {
		if v, err := pii.NormalizeIdentifier(pii.IdentPersonnummer, q, d.Clock.Now()); err == nil {
			return pii.IdentPersonnummer, v
		}
	}
	if digits >= 6 {
		if v, err := pii.NormalizeIdentifier(pii.IdentPhone, q, d.Clock.Now()); err == nil {
			return pii.IdentPhone, v
		}
	}
	return "", ""
}

// SearchPersons implements gallra.PersonService. Admins (PermPersonData)
// search all channels; an editor (PermRequest on their channels) sees the
// mentions in their own channels and the persons who have content there. The search is
// audited with the keyed hash of the value, never the value.
func (s *Persons) SearchPersons(ctx context.Context, staff *gallra.Staff, q string) (*gallra.PersonSearchResult, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if !staff.Allowed(gallra.PermPersonData, 0) && len(staff.ChannelIDs) == 0 {
		return nil, staff.Authorize(gallra.PermPersonData, 0)
	}
	q = strings.TrimSpace(q)
	if err := gallra.ValidateText("q", q, true, 200); err != nil {
		return nil, err
	}
	kind, value := personQueryKind(q, s.d)
	if kind == "" {
		return nil, gallra.Errorf(gallra.EINVALID, "q is neither a valid phone number, personnummer, e-mail address nor a name")
	}
	if kind == "name" && len([]rune(q)) < 2 {
		return nil, gallra.Errorf(gallra.EINVALID, "q must hold at least 2 characters to search by name")
	}
	ans, err := s.d.DB.SearchPersons(ctx, store.PersonSearch{OrgID: org, Kind: kind, Value: value})
	if err != nil {
		return nil, err
	}
	res := ans.PersonSearchResult
	if !staff.Allowed(gallra.PermPersonData, 0) {
		mentions := res.Mentions[:0]
		for _, m := range res.Mentions {
			if staff.Allowed(gallra.PermRequest, m.ChannelID) {
				mentions = append(mentions, m)
			}
		}
		res.Mentions = mentions
		persons := res.Persons[:0]
		for _, p := range res.Persons {
			ov, err := s.d.DB.PersonOverview(ctx, org, p.ID)
			if err != nil {
				return nil, err
			}
			if len(visibleCounts(staff, ov.Channels)) > 0 {
				persons = append(persons, p)
			}
		}
		res.Persons = persons
	}
	if err := s.d.DB.AuditPersonAccess(ctx, staffActor(staff), org, "person.searched", 0, map[string]any{
		"kind": kind, "value_hash": ans.Hash, "persons": len(res.Persons), "mentions": len(res.Mentions)}); err != nil {
		return nil, err
	}
	return &res, nil
}

// visibleCounts keeps the channel counts staff may see.
func visibleCounts(staff *gallra.Staff, cs []gallra.PersonChannelCount) []gallra.PersonChannelCount {
	out := []gallra.PersonChannelCount{}
	for _, c := range cs {
		if staff.Allowed(gallra.PermRequest, c.ChannelID) {
			out = append(out, c)
		}
	}
	return out
}

// PersonOverview implements gallra.PersonService: PersonOverviewFor
// without a reason.
func (s *Persons) PersonOverview(ctx context.Context, staff *gallra.Staff, personID int64) (*gallra.PersonOverview, error) {
	return s.PersonOverviewFor(ctx, staff, personID, gallra.ReasonNone)
}

// PersonOverviewFor implements gallra.PersonService: the person page. An
// editor sees the counts and holds of their own channels and the requests
// whose every channel is theirs, only when the person has content there (ENOTFOUND for a
// person with nothing in their channels). The reading is audited and
// recorded in the access log with the reason.
func (s *Persons) PersonOverviewFor(ctx context.Context, staff *gallra.Staff, personID int64, reason gallra.AccessReason) (*gallra.PersonOverview, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if !reason.Valid() {
		return nil, gallra.Errorf(gallra.EINVALID, "reason must be one of request, case, legal, control, or empty")
	}
	if !staff.Allowed(gallra.PermPersonData, 0) && len(staff.ChannelIDs) == 0 {
		return nil, staff.Authorize(gallra.PermPersonData, 0)
	}
	ov, err := s.d.DB.PersonOverview(ctx, org, personID)
	if err != nil {
		return nil, err
	}
	if !staff.Allowed(gallra.PermPersonData, 0) {
		ov.Channels = visibleCounts(staff, ov.Channels)
		if len(ov.Channels) == 0 {
			return nil, gallra.Errorf(gallra.ENOTFOUND, "person %d not found", personID)
		}
		holds := ov.Holds[:0]
		for _, h := range ov.Holds {
			if staff.Allowed(gallra.PermRequest, h.ChannelID) {
				holds = append(holds, h)
			}
		}
		ov.Holds = holds
		// As the request list: an editor sees the requests whose every
		// channel they may act on, never those without channels.
		reqs := ov.Requests[:0]
		for _, r := range ov.Requests {
			ok := len(r.ChannelIDs) > 0
			for _, c := range r.ChannelIDs {
				ok = ok && staff.Allowed(gallra.PermRequest, c)
			}
			if ok {
				reqs = append(reqs, r)
			}
		}
		ov.Requests = reqs
	}
	items := int64(0)
	for _, c := range ov.Channels {
		items += c.Items
	}
	if err := s.d.DB.AuditPersonAccess(ctx, staffActor(staff), org, "person.viewed", personID, map[string]any{
		"items": items, "requests": len(ov.Requests), "holds": len(ov.Holds)}); err != nil {
		return nil, err
	}
	return ov, recordRead(ctx, s.d, staff, gallra.SubjectPerson, personID, gallra.AccessView, reason)
}
