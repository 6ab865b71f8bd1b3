package takeout

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// retireEarlier makes an erasure reach the person's earlier requests: their
// export artefacts stop being downloadable (recorded deleted now, the files
// removed by the caller once the transaction commits — or by the hourly
// sweep if it is killed first) and their clear address, verification note
// are cleared, leaving the keyed hash (the mention keys stay until the
// request's own mention search is done; the hourly reduction clears them). Runs in the
// transaction that completes the erasure r; audited on r with the ids.
func (s *Service) retireEarlier(ctx context.Context, tx *store.Tx, r *gallra.SubjectRequest) ([]string, error) {
	list, err := tx.EarlierSubjectRequests(ctx, r.OrgID, r.EmailHash, r.ID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	var files []string
	ids := make([]int64, 0, len(list))
	artefacts := 0
	now := tx.Now
	for i := range list {
		e := &list[i]
		if e.Artefact != nil && e.Artefact.Path != "" && e.Artefact.DeletedAt == nil {
			files = append(files, e.Artefact.Path)
			e.Artefact.Path, e.Artefact.DeletedAt = "", &now
			artefacts++
		}
		e.Email, e.VerificationNote = "", ""
		if err := tx.SaveSubjectRequest(ctx, e); err != nil {
			return nil, err
		}
		ids = append(ids, e.ID)
	}
	if r.Counts == nil {
		r.Counts = map[string]int64{}
	}
	r.Counts["earlier_requests_reduced"] = int64(len(ids))
	if artefacts > 0 {
		r.Counts["earlier_exports_retired"] = int64(artefacts)
	}
	if err := tx.SaveSubjectRequest(ctx, r); err != nil {
		return nil, err
	}
	return files, tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.earlier_retired", "subject_request", r.ID,
		map[string]any{"request_ids": ids, "artefacts_deleted": artefacts})
}

// removeArtefacts removes export files recorded deleted (relative paths).
func (s *Service) removeArtefacts(orgID int64, paths []string) {
	for _, rel := range paths {
		for _, p := range s.artefactCandidates(orgID, rel) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("could not remove a retired artefact; the sweep retries", "org_id", orgID, "err", err)
			}
		}
	}
}

// Assign makes assignee (0: nobody) the handler of a request; the assignee
// must be an active staff user of the organisation who may act on the
// request's channels. Same rights as reading the request; audited.
func (s *Service) Assign(ctx context.Context, staff *gallra.Staff, id, assignee int64) (*gallra.SubjectRequest, error) {
	var r *gallra.SubjectRequest
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.LockSubjectRequest(ctx, staff.OrgID, id); err != nil {
			return err
		}
		if err := Authorize(staff, r); err != nil {
			return err
		}
		var to *int64
		if assignee != 0 {
			a, err := tx.StaffMember(ctx, staff.OrgID, assignee)
			if gallra.ErrorCode(err) == gallra.ENOTFOUND {
				return withReason(gallra.Errorf(gallra.EINVALID, "assignee: staff user %d is not in this organisation", assignee), ReasonAssignee)
			} else if err != nil {
				return err
			}
			if !a.Active || Authorize(a, r) != nil {
				e := gallra.Errorf(gallra.EUNPROCESS, "assignee: staff user %d may not handle this request (inactive, or not an editor of every channel in scope)", assignee)
				e.Details = map[string]any{"reason_code": ReasonAssignee}
				return e
			}
			to = &a.ID
		}
		if err := tx.SetSubjectRequestAssignee(ctx, r.OrgID, r.ID, to); err != nil {
			return err
		}
		r.AssigneeID = to
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.assigned", "subject_request", r.ID, map[string]any{"assignee_id": assignee})
	})
	return r, err
}

// AddNote adds an internal note (at most 2000 characters) to a request the
// staff user may read; audited without its text.
func (s *Service) AddNote(ctx context.Context, staff *gallra.Staff, id int64, body string) (*gallra.RequestNote, error) {
	body = strings.TrimSpace(body)
	if err := gallra.ValidateText("body", body, true, 2000); err != nil {
		return nil, withReason(err, ReasonReason)
	}
	var n *gallra.RequestNote
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.LockSubjectRequest(ctx, staff.OrgID, id)
		if err != nil {
			return err
		}
		if err := Authorize(staff, r); err != nil {
			return err
		}
		n = &gallra.RequestNote{RequestID: r.ID, StaffID: staff.ID, Body: body}
		if err := tx.InsertRequestNote(ctx, r.OrgID, n); err != nil {
			return err
		}
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.note_added", "subject_request", r.ID, map[string]any{"note_id": n.ID})
	})
	return n, err
}

// Notes returns a request's internal notes, oldest first.
func (s *Service) Notes(ctx context.Context, staff *gallra.Staff, id int64) ([]gallra.RequestNote, error) {
	if _, err := s.Get(ctx, staff, id); err != nil {
		return nil, err
	}
	return s.db.RequestNotes(ctx, staff.OrgID, id)
}

// Settings returns the organisation's request settings; any active staff
// user may read them.
func (s *Service) Settings(ctx context.Context, staff *gallra.Staff) (*gallra.RequestSettings, error) {
	if staff == nil || !staff.Active {
		return nil, gallra.Errorf(gallra.EFORBIDDEN, "an active staff user must read the settings")
	}
	return s.db.RequestSettings(ctx, staff.OrgID)
}

// SaveSettings replaces the organisation's request settings
// (PermManageOrganisation): the time zone must be an IANA name (e.g.
// Europe/Stockholm), each text at most 2000 characters. Audited with the
// names of the fields changed.
func (s *Service) SaveSettings(ctx context.Context, staff *gallra.Staff, in gallra.RequestSettings) (*gallra.RequestSettings, error) {
	if err := staff.Authorize(gallra.PermManageOrganisation, 0); err != nil {
		return nil, err
	}
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = gallra.DefaultTimeZone
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "Local" {
		e := gallra.Errorf(gallra.EINVALID, "time_zone: not a known time zone; give an IANA name such as Europe/Stockholm")
		e.Details = map[string]any{"field": "time_zone", "reason_code": ReasonTimeZone}
		return nil, e
	}
	fields := infoFields(&in.Info)
	for name, p := range fields {
		*p = strings.TrimSpace(*p)
		if err := gallra.ValidateText("info."+name, *p, false, 2000); err != nil {
			return nil, err
		}
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		old, err := tx.RequestSettings(ctx, staff.OrgID)
		if err != nil {
			return err
		}
		changed := []string{}
		if old.TimeZone != in.TimeZone {
			changed = append(changed, "time_zone")
		}
		oldFields := infoFields(&old.Info)
		for _, name := range InfoFieldNames() {
			if *oldFields[name] != *fields[name] {
				changed = append(changed, "info."+name)
			}
		}
		if err := tx.SaveRequestSettings(ctx, staff.OrgID, &in); err != nil {
			return err
		}
		return tx.Audit(ctx, staff.OrgID, staffActor(staff), "request.settings_changed", "organisation", staff.OrgID, map[string]any{"changed": changed})
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// InfoFieldNames lists the Art. 15(1) fields of gallra.PrivacyInfo in the
// order exports show them.
func InfoFieldNames() []string {
	return []string{"controller", "dpo_contact", "purposes", "categories", "recipients", "retention", "rights", "complaint", "source", "automated"}
}

func infoFields(i *gallra.PrivacyInfo) map[string]*string {
	return map[string]*string{"controller": &i.Controller, "dpo_contact": &i.DPOContact, "purposes": &i.Purposes, "categories": &i.Categories,
		"recipients": &i.Recipients, "retention": &i.Retention, "rights": &i.Rights, "complaint": &i.Complaint, "source": &i.Source, "automated": &i.Automated}
}

// Assignees lists the active staff users who may handle a request (act on
// every channel of it), for the assignee choice; same rights as reading it.
func (s *Service) Assignees(ctx context.Context, staff *gallra.Staff, id int64) ([]gallra.StaffRef, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, err
	}
	list, err := s.db.ListStaff(ctx, staff.OrgID)
	if err != nil {
		return nil, err
	}
	out := []gallra.StaffRef{}
	for i := range list {
		if list[i].Active && Authorize(&list[i], r) == nil {
			out = append(out, gallra.StaffRef{ID: list[i].ID, Name: list[i].Name})
		}
	}
	return out, nil
}
