package service

import (
	"context"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// AccessLog implements gallra.AccessLogService: admins read who among the
// staff read whose data. Nothing here changes or removes an entry; the
// retention engine's purge removes entries past the organisation's period.
type AccessLog struct{ d Deps }

var _ gallra.AccessLogService = (*AccessLog)(nil)

// recordRead appends a read of a person's data by staff to the access log:
// the one call every service that returns such data to staff makes after
// it has read it (a failure fails the read: data not logged is not shown).
func recordRead(ctx context.Context, d Deps, staff *gallra.Staff, st gallra.SubjectType, id int64, action gallra.AccessAction, reason gallra.AccessReason) error {
	return d.DB.RecordRead(ctx, staff.OrgID, store.AccessRecord{StaffID: staff.ID, SubjectType: st, SubjectID: id, Action: action, Reason: reason})
}

// recordDownloads records the download of several subjects at once (an
// export of many conversations), in one transaction.
func recordDownloads(ctx context.Context, d Deps, staff *gallra.Staff, st gallra.SubjectType, ids []int64) error {
	rs := make([]store.AccessRecord, 0, len(ids))
	for _, id := range ids {
		rs = append(rs, store.AccessRecord{StaffID: staff.ID, SubjectType: st, SubjectID: id, Action: gallra.AccessDownload})
	}
	return d.DB.RecordReads(ctx, staff.OrgID, rs)
}

// List implements gallra.AccessLogService.
func (a *AccessLog) List(ctx context.Context, staff *gallra.Staff, f gallra.AccessLogFilter) (*gallra.AccessLogPage, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return nil, err
	}
	switch {
	case f.StaffID < 0:
		return nil, gallra.Errorf(gallra.EINVALID, "staff_id must be a staff id")
	case f.PersonID < 0:
		return nil, gallra.Errorf(gallra.EINVALID, "person_id must be a person id")
	case f.StaffID > 0 && f.PersonID > 0:
		return nil, gallra.Errorf(gallra.EINVALID, "give staff_id or person_id, not both")
	case f.Limit < 0 || f.Limit > 200:
		return nil, gallra.Errorf(gallra.EINVALID, "limit must be between 1 and 200")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		return nil, gallra.Errorf(gallra.EINVALID, "from must be before to")
	}
	if err := gallra.ValidateText("cursor", f.Cursor, false, 60); err != nil {
		return nil, err
	}
	q := store.AccessLogQuery{OrgID: org, StaffID: f.StaffID, PersonID: f.PersonID, From: f.From, To: f.To, Cursor: f.Cursor, Limit: f.Limit}
	if f.PersonID > 0 {
		// Also checks that the person is the organisation's (ENOTFOUND).
		if q.EmailHash, err = a.d.DB.PersonEmailHash(ctx, org, f.PersonID); err != nil {
			return nil, err
		}
	}
	// A staff user who has left keeps their entries under their id: the
	// id is not checked against the current staff.
	return a.d.DB.ListAccessLog(ctx, q)
}

// Settings implements gallra.AccessLogService.
func (a *AccessLog) Settings(ctx context.Context, staff *gallra.Staff) (*gallra.AccessLogSettings, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.AuthorizeOrg(gallra.PermAudit); err != nil {
		return nil, err
	}
	return a.settings(ctx, org)
}

func (a *AccessLog) settings(ctx context.Context, org int64) (*gallra.AccessLogSettings, error) {
	months, own, err := a.d.DB.AccessLogMonths(ctx, org)
	if err != nil {
		return nil, err
	}
	now := a.d.DB.Now()
	cut := gallra.AccessLogCutoff(now, months)
	cut7 := gallra.AccessLogCutoff(now.AddDate(0, 0, 7), months)
	cut30 := gallra.AccessLogCutoff(now.AddDate(0, 0, 30), months)
	s := &gallra.AccessLogSettings{Months: months, Default: !own, Preview: gallra.AccessLogPreview{Cutoff: cut}}
	if s.Preview.DueNow, err = a.d.DB.CountAccessLog(ctx, org, time.Time{}, cut); err != nil {
		return nil, err
	}
	if s.Preview.Next7Days, err = a.d.DB.CountAccessLog(ctx, org, cut, cut7); err != nil {
		return nil, err
	}
	if s.Preview.Next30Days, err = a.d.DB.CountAccessLog(ctx, org, cut, cut30); err != nil {
		return nil, err
	}
	return s, nil
}

// SetMonths implements gallra.AccessLogService.
func (a *AccessLog) SetMonths(ctx context.Context, staff *gallra.Staff, months int) (*gallra.AccessLogSettings, error) {
	org, err := orgOf(staff)
	if err != nil {
		return nil, err
	}
	if err := staff.AuthorizeOrg(gallra.PermManageOrganisation); err != nil {
		return nil, err
	}
	if months < gallra.MinAccessLogMonths || months > gallra.MaxAccessLogMonths {
		return nil, gallra.Errorf(gallra.EINVALID, "months must be between %d and %d", gallra.MinAccessLogMonths, gallra.MaxAccessLogMonths)
	}
	if err := a.d.DB.SetAccessLogMonths(ctx, staffActor(staff), org, months); err != nil {
		return nil, err
	}
	return a.settings(ctx, org)
}
