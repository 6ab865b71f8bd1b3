package takeout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gallra/gallra"
)

// Receipt confirms a completed request, for the organisation to send back
// to the person. It holds dates, modules and counts, never the data itself
// nor the e-mail address.
type Receipt struct {
	RequestID    int64           `json:"request_id"`
	Organisation string          `json:"organisation"`
	Kind         string          `json:"kind"`
	Language     string          `json:"language"`
	ReceivedAt   time.Time       `json:"received_at"`
	DueAt        time.Time       `json:"due_at"`
	CompletedAt  time.Time       `json:"completed_at"`
	Modules      []gallra.Module `json:"modules"`
	Counts       []ReceiptCount  `json:"counts"`
	// Platform is the state of each deletion carried to a social platform
	// for this request (erasure), as it is now: deleted, hidden, pending,
	// refused or gave_up. The text never says an item was deleted on the
	// platform unless its state says so.
	Platform []gallra.SocialDeletionState `json:"platform_deletions,omitempty"`
	// WaitingOnHold is set while part of an erasure waits for legal holds
	// (Art. 17(3)(e)); Held is how many topics or conversations are held.
	WaitingOnHold bool `json:"waiting_on_hold,omitempty"`
	Held          int  `json:"held,omitempty"`
	// ErasedLater is what was erased after the holds were released, and
	// ErasedLaterAt when (an erasure that waited and then finished).
	ErasedLater   []ReceiptCount `json:"erased_later,omitempty"`
	ErasedLaterAt *time.Time     `json:"erased_later_at,omitempty"`
	Text          string         `json:"text"`
}

// ReceiptCount is one count of a receipt with its label.
type ReceiptCount struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

var moduleNames = map[gallra.Module][2]string{
	gallra.ModuleForum: {"forum", "forum"}, gallra.ModuleMail: {"e-post", "e-mail"},
	gallra.ModuleChat: {"chatt", "chat"}, gallra.ModuleSocial: {"sociala medier", "social media"},
}

// Receipt returns the receipt of a completed request in lang ("sv" or "en";
// "" uses the organisation's language). ECONFLICT when the request is not
// completed.
func (s *Service) Receipt(ctx context.Context, staff *gallra.Staff, id int64, lang string) (*Receipt, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, err
	}
	if r.Status != gallra.StatusCompleted && r.Status != gallra.StatusWaitingOnHold || r.FinishedAt == nil {
		return nil, withReason(gallra.Errorf(gallra.ECONFLICT, "request %d is %s; a receipt exists once it is completed", id, r.Status), ReasonNotCompleted)
	}
	org, err := s.db.GetOrganisation(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	switch lang {
	case "":
		lang = org.Language
		if lang != "en" {
			lang = "sv"
		}
	case "sv", "en":
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "lang must be sv or en")
	}
	rc := &Receipt{RequestID: r.ID, Organisation: org.Name, Kind: string(r.Kind), Language: lang, ReceivedAt: r.ReceivedAt, DueAt: r.DueAt,
		CompletedAt: *r.FinishedAt, Modules: r.Modules, Counts: []ReceiptCount{}}
	for _, c := range countRows(r.Counts, lang) {
		rc.Counts = append(rc.Counts, ReceiptCount{Key: c.Key, Label: c.Label, Count: c.N})
	}
	if w := r.HoldWait; w != nil {
		// Answered when the erasure first stopped at the holds.
		rc.CompletedAt = w.Since
		rc.WaitingOnHold, rc.Held = r.Status == gallra.StatusWaitingOnHold, len(w.Items)
		if w.FinishedAt != nil {
			rc.ErasedLaterAt = w.FinishedAt
			for _, c := range countRows(w.ErasedLater(r.Counts), lang) {
				rc.ErasedLater = append(rc.ErasedLater, ReceiptCount{Key: c.Key, Label: c.Label, Count: c.N})
			}
		}
	}
	if r.Kind == gallra.RequestErase {
		if rc.Platform, err = s.db.SocialDeletionStates(ctx, r.OrgID, 0, r.ID, 1000); err != nil {
			return nil, err
		}
	}
	rc.Text = receiptText(rc)
	return rc, nil
}

func receiptText(rc *Receipt) string {
	en := rc.Language == "en"
	var mods []string
	for _, m := range rc.Modules {
		n := moduleNames[m]
		if en {
			mods = append(mods, n[1])
		} else {
			mods = append(mods, n[0])
		}
	}
	date := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	var b strings.Builder
	switch {
	case en && rc.Kind == string(gallra.RequestErase):
		fmt.Fprintf(&b, "Confirmation of erasure (request %d)\n\n", rc.RequestID)
		done := "The request was completed on %s (deadline %s)."
		if rc.WaitingOnHold {
			done = "The request was carried out on %s (deadline %s), except for the data under a legal hold described below."
		}
		fmt.Fprintf(&b, "%s received your request to erase your personal data on %s. "+done+"\n\n",
			rc.Organisation, date(rc.ReceivedAt), date(rc.CompletedAt), date(rc.DueAt))
		fmt.Fprintf(&b, "Parts of our customer service covered: %s.\n\n", strings.Join(mods, ", "))
	case en:
		fmt.Fprintf(&b, "Confirmation of data export (request %d)\n\n", rc.RequestID)
		fmt.Fprintf(&b, "%s received your request for a copy of your personal data on %s. The export was produced on %s (deadline %s).\n\n",
			rc.Organisation, date(rc.ReceivedAt), date(rc.CompletedAt), date(rc.DueAt))
		fmt.Fprintf(&b, "Parts of our customer service covered: %s.\n\n", strings.Join(mods, ", "))
	case rc.Kind == string(gallra.RequestErase):
		fmt.Fprintf(&b, "Bekräftelse på radering (ärende %d)\n\n", rc.RequestID)
		done := "Begäran slutfördes den %s (senast %s)."
		if rc.WaitingOnHold {
			done = "Begäran utfördes den %s (senast %s), utom för de uppgifter med rättsligt bevarande som beskrivs nedan."
		}
		fmt.Fprintf(&b, "%s tog emot din begäran om radering av dina personuppgifter den %s. "+done+"\n\n",
			rc.Organisation, date(rc.ReceivedAt), date(rc.CompletedAt), date(rc.DueAt))
		fmt.Fprintf(&b, "Delar av kundtjänsten som omfattas: %s.\n\n", strings.Join(mods, ", "))
	default:
		fmt.Fprintf(&b, "Bekräftelse på registerutdrag (ärende %d)\n\n", rc.RequestID)
		fmt.Fprintf(&b, "%s tog emot din begäran om en kopia av dina personuppgifter den %s. Utdraget skapades den %s (senast %s).\n\n",
			rc.Organisation, date(rc.ReceivedAt), date(rc.CompletedAt), date(rc.DueAt))
		fmt.Fprintf(&b, "Delar av kundtjänsten som omfattas: %s.\n\n", strings.Join(mods, ", "))
	}
	if len(rc.Counts) == 0 {
		if en {
			b.WriteString("We found no personal data about you in these parts.\n")
		} else {
			b.WriteString("Vi hittade inga personuppgifter om dig i dessa delar.\n")
		}
	}
	for _, c := range rc.Counts {
		fmt.Fprintf(&b, "  %-60s %d\n", c.Label+":", c.Count)
	}
	holdText(&b, rc, en)
	if rc.Kind == string(gallra.RequestErase) {
		if en {
			b.WriteString("\nThe erased data cannot be restored. Only a record that the request was carried out is kept, without your data.\n")
		} else {
			b.WriteString("\nDe raderade uppgifterna går inte att återställa. Vi sparar bara en notering om att begäran har utförts, utan dina uppgifter.\n")
		}
	}
	platformText(&b, rc.Platform, en)
	return b.String()
}

// platformText states, per outcome, how many of the person's items on
// social platforms were deleted there, only hidden, are still waiting, or
// were not deleted (refused, or given up after retries). Only the first
// line claims a deletion on the platform.
func platformText(b *strings.Builder, list []gallra.SocialDeletionState, en bool) {
	if len(list) == 0 {
		return
	}
	n := map[string]int{}
	for _, d := range list {
		n[d.State]++
	}
	lines := []struct {
		state  string
		sv, en string
	}{
		{gallra.PlatformDeleted, "Raderade på den sociala plattformen", "Deleted on the social platform"},
		{gallra.PlatformHidden, "Dolda på plattformen (den tillåter inte radering)", "Hidden on the platform (it does not allow deletion)"},
		{gallra.PlatformDeletePending, "Radering på plattformen pågår fortfarande", "Deletion on the platform still in progress"},
		{gallra.PlatformRefused, "INTE raderade: plattformen nekade", "NOT deleted: the platform refused"},
		{gallra.PlatformGaveUp, "INTE raderade: plattformen svarade inte", "NOT deleted: the platform did not answer"},
	}
	if en {
		b.WriteString("\nYour posts on external social platforms:\n")
	} else {
		b.WriteString("\nDina inlägg på externa sociala plattformar:\n")
	}
	for _, l := range lines {
		if n[l.state] == 0 {
			continue
		}
		label := l.sv
		if en {
			label = l.en
		}
		fmt.Fprintf(b, "  %-60s %d\n", label+":", n[l.state])
	}
	if n[gallra.PlatformRefused]+n[gallra.PlatformGaveUp] > 0 {
		if en {
			b.WriteString("Items not deleted on the platform can be deleted there by you, or we can tell you how.\n")
		} else {
			b.WriteString("Inlägg som inte raderats på plattformen kan du radera där själv; vi berättar gärna hur.\n")
		}
	}
}

// holdText says what of an erasure waits for legal holds, or what was
// erased later, after the holds were released, and when.
func holdText(b *strings.Builder, rc *Receipt, en bool) {
	date := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	if rc.WaitingOnHold {
		if en {
			fmt.Fprintf(b, "\nPart of your data (in %d conversation(s) or forum topic(s)) is under a legal hold and must be kept for now (GDPR Art. 17(3)(e)). It will be erased automatically when the hold is released, and we will then confirm it.\n", rc.Held)
		} else {
			fmt.Fprintf(b, "\nEn del av dina uppgifter (i %d konversation(er) eller forumtråd(ar)) omfattas av ett rättsligt bevarande och måste sparas tills vidare (artikel 17.3 e i dataskyddsförordningen). De raderas automatiskt när bevarandet upphör, och då bekräftar vi det.\n", rc.Held)
		}
		return
	}
	if rc.ErasedLaterAt == nil {
		return
	}
	if en {
		fmt.Fprintf(b, "\nPart of your data was kept under a legal hold when we first answered you. The hold was released and that data was erased on %s:\n", date(*rc.ErasedLaterAt))
	} else {
		fmt.Fprintf(b, "\nEn del av dina uppgifter sparades på grund av ett rättsligt bevarande när vi först svarade dig. Bevarandet har upphört och de uppgifterna raderades den %s:\n", date(*rc.ErasedLaterAt))
	}
	for _, c := range rc.ErasedLater {
		fmt.Fprintf(b, "  %-60s %d\n", c.Label+":", c.Count)
	}
}
