package takeout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// Preview is what a request would do, computed before it is made: counts
// per channel and what an erasure would have to leave, and why. It holds
// ids, channel names and counts only, never the person's data. The
// Fingerprint names these numbers: a request confirmed with it
// (NewRequest.PreviewFingerprint) is refused as stale when they changed
// meanwhile.
type Preview struct {
	Kind        gallra.RequestKind `json:"kind"`
	ForumAction string             `json:"forum_action,omitempty"`
	// PersonFound tells whether a person has the address at all.
	PersonFound bool             `json:"person_found"`
	Channels    []PreviewChannel `json:"channels"`
	// Totals adds up the channels.
	Totals PreviewTotals `json:"totals"`
	// HeldItems are the topics and conversations under a legal hold the
	// person takes part in (ids only): an erasure keeps them and waits.
	HeldItems []gallra.HeldItem `json:"held_items"`
	// PersonData tells whether the request covers the person record and
	// the custom fields on the person (an admin's request only);
	// PersonFields is how many such fields there are.
	PersonData   bool   `json:"person_data"`
	PersonFields int64  `json:"person_fields"`
	Fingerprint  string `json:"fingerprint"`
}

// PreviewTotals adds up a preview's channels (see store.ChannelPreview).
type PreviewTotals struct {
	Items               int64 `json:"items"`
	Held                int64 `json:"held"`
	Placeholders        int64 `json:"placeholders"`
	SharedConversations int64 `json:"shared_conversations"`
	OthersReplies       int64 `json:"others_replies"`
}

// PreviewChannel is one channel of a preview.
type PreviewChannel struct {
	store.ChannelPreview
	Name string `json:"name"`
}

// Preview computes what the request in would reach, with the checks of
// Create on the input and the staff member's rights on every channel in
// scope (the attestation is checked only when the request is made).
// Nothing is stored and nothing is audited: the counts are what the person
// page shows, per channel.
func (s *Service) Preview(ctx context.Context, staff *gallra.Staff, in NewRequest) (*Preview, error) {
	if staff == nil || !staff.Active {
		return nil, gallra.Errorf(gallra.EFORBIDDEN, "an active staff user must make the request")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var p *Preview
	err := s.db.View(ctx, func(tx *store.Tx) error {
		channels, err := scope(ctx, tx, staff, staff.OrgID, in.Modules, in.ChannelIDs)
		if err != nil {
			return err
		}
		p, err = preview(ctx, tx, staff, in, channels)
		return err
	})
	return p, err
}

// preview computes the preview of in over channels (already authorised).
func preview(ctx context.Context, tx *store.Tx, staff *gallra.Staff, in NewRequest, channels []gallra.Channel) (*Preview, error) {
	ids := make([]int64, len(channels))
	names := map[int64]string{}
	for i, c := range channels {
		ids[i], names[c.ID] = c.ID, c.Name
	}
	r := &gallra.SubjectRequest{OrgID: staff.OrgID, Email: gallra.NormalizeEmail(in.Email), ChannelIDs: ids}
	sub, err := loadSubject(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	p := &Preview{Kind: in.Kind, PersonFound: sub.personID != 0, Channels: []PreviewChannel{}, HeldItems: []gallra.HeldItem{},
		PersonData: staff.Allowed(gallra.PermPersonData, 0)}
	if in.Kind == gallra.RequestErase {
		p.ForumAction = in.ForumAction
		if p.ForumAction == "" {
			p.ForumAction = ForumDelete
		}
	}
	rows, err := tx.PreviewSubject(ctx, sub.scope(staff.OrgID))
	if err != nil {
		return nil, err
	}
	for _, c := range rows {
		if p.ForumAction == ForumAnonymize {
			c.Placeholders = 0 // anonymized posts stay readable
		}
		p.Channels = append(p.Channels, PreviewChannel{ChannelPreview: c, Name: names[c.ChannelID]})
		t := &p.Totals
		t.Items += c.Items
		t.Held += c.Held
		t.Placeholders += c.Placeholders
		t.SharedConversations += c.SharedConversations
		t.OthersReplies += c.OthersReplies
	}
	if sub.personID != 0 {
		if p.HeldItems, err = tx.HeldSubjectsOf(ctx, sub.scope(staff.OrgID)); err != nil {
			return nil, err
		}
		if p.PersonData {
			fields, err := tx.PersonCustomFields(ctx, staff.OrgID, sub.personID)
			if err != nil {
				return nil, err
			}
			for _, f := range fields {
				if f.SubjectType == gallra.SubjectPerson {
					p.PersonFields++
				}
			}
		}
	}
	p.Fingerprint = fingerprint(p)
	return p, nil
}

// fingerprint is a hash of a preview's numbers (not of any personal data).
func fingerprint(p *Preview) string {
	c := *p
	c.Fingerprint = ""
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// errStale refuses a confirmation whose preview no longer holds.
func errStale(fresh *Preview) error {
	e := gallra.Errorf(gallra.ECONFLICT, "the data changed since the preview (fingerprint %s now): review the new preview and confirm again", fresh.Fingerprint)
	e.Details = map[string]any{"reason_code": ReasonPreviewStale, "preview": fresh}
	return e
}

// CheckAttestation checks the identity attestation and the verification
// method of in as Create does (EUNPROCESS with a reason code), so that a
// two-step form can refuse a missing attestation before it shows the
// preview.
func (in NewRequest) CheckAttestation() error { return in.checkAttestation() }
