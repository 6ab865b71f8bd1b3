package web

import (
	"net/http"
	"sort"
	"time"

	"github.com/gallra/gallra"
)

type overviewRow struct {
	Channel gallra.Channel
	Policy  *gallra.RetentionResolved
	Due7    int
	Due30   int
	Held    int
	// CountedAt is when the purge cycle counted Due7, Due30 and Held.
	CountedAt time.Time
}

type overviewData struct {
	// Schedule is when the purge runs (nil without a retention engine);
	// Every is its interval in words.
	Schedule *gallra.PurgeSchedule
	Every    string
	CanRun   bool
	Channels []overviewRow
	Runs     []gallra.PurgeRun
	Open     []gallra.SubjectRequest
	// Offboarding: former staff members the purge will off-board (nil
	// unless the viewer manages staff).
	Offboarding *gallra.StaffOffboarding
	// Waiting are erasures waiting on legal holds (they finish by
	// themselves when the holds are released).
	Waiting []gallra.SubjectRequest
}

// overview shows, per channel the viewer may act on, its policy and what
// becomes due within 7 and 30 days (what is due already counts: the next
// run purges it), the latest purge runs (admins) and open requests. The
// counts are those the last purge cycle computed (shown with their time):
// counting every due row on each view grows with the database; the
// channel's settings page lists the items exactly.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	chs, err := h.visibleChannels(r, v)
	if err != nil {
		return err
	}
	d := &overviewData{}
	for _, c := range chs {
		row := overviewRow{Channel: c}
		if h.retention != nil && purged(c.Module) {
			pv, err := h.retention.PreviewCounts(r.Context(), v.Org.ID, c.ID)
			if err != nil {
				return err
			}
			p := pv.Policy
			row.Policy = &p
			row.Due7 = pv.DueNow.Count + pv.Next7Days.Count
			row.Due30 = pv.DueNow.Count + pv.Next30Days.Count
			row.Held = pv.Held.Count
			row.CountedAt = pv.At
		}
		d.Channels = append(d.Channels, row)
	}
	if h.retention != nil {
		sc, err := h.retention.Schedule(r.Context())
		if err != nil {
			return err
		}
		d.Schedule, d.Every = &sc, interval(catalogs[language(r, v)], sc.Interval)
		d.CanRun = v.Staff.Allowed(gallra.PermSetRetention, 0)
	}
	if h.retention != nil && v.Staff.Allowed(gallra.PermAudit, 0) {
		if d.Runs, err = h.retention.Runs(r.Context(), v.Org.ID, 5); err != nil {
			return err
		}
	}
	if h.retention != nil {
		if d.Offboarding, err = h.staffOffboarding(r.Context(), v); err != nil {
			return err
		}
	}
	if h.requests != nil {
		list, err := h.requests.List(r.Context(), v.Staff, gallra.RequestFilter{Page: gallra.Page{Limit: 200}})
		if err != nil {
			return err
		}
		for _, q := range list {
			if q.Status.Open() {
				d.Open = append(d.Open, q)
			}
			if q.Status == gallra.StatusWaitingOnHold {
				d.Waiting = append(d.Waiting, q)
			}
		}
		// Most urgent first.
		sort.SliceStable(d.Open, func(i, j int) bool { return d.Open[i].DueAt.Before(d.Open[j].DueAt) })
	}
	h.render(w, r, v, http.StatusOK, "overview", d)
	return nil
}

// interval says a purge interval in words ("1 timme", "30 minuter").
func interval(l *lang, d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		n := int64(d / time.Hour)
		if n == 1 {
			return l.T("dur.hour")
		}
		return l.T("dur.hours", l.N(n))
	}
	n := int64(d / time.Minute)
	if n == 1 {
		return l.T("dur.minute")
	}
	return l.T("dur.minutes", l.N(n))
}

// purgeRunNow queues a purge of the organisation now (administrators; the
// rule and the audit entry are the engine's).
func (h *Handler) purgeRunNow(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if h.retention == nil {
		return gallra.Errorf(gallra.ENOTFOUND, "page not found")
	}
	if err := h.retention.RunNow(r.Context(), v.Staff); err != nil {
		return err
	}
	return redirect(w, r, "/?ok=purge_queued")
}
